"""Who is on the other end of a connection, and which processes it descends from.

Only the daemon uses this (to keep agents off the operator's side, docs/SECURITY.md):

- the peer's pid: `SO_PEERCRED` on a Linux Unix socket, `LOCAL_PEERPID` on macOS; for loopback
  TCP the pid owning the other end (Linux: `/proc/net/tcp` and the processes' descriptors;
  Windows: `GetExtendedTcpTable`);
- a process's parent, name, start time (to tell a reused pid from the process we saw), argv
  and environment: `/proc` on Linux; `sysctl` on macOS; the ToolHelp snapshot on Windows.

Why not psutil: it would add a compiled dependency to the lock, the Homebrew formula, Scoop and
the frozen builds, for the few calls below; the daemon alone pays for this module.

Linux is tested here. The macOS and Windows branches follow those systems' documented calls
but are untested on this project's machines (docs/SECURITY.md says so); each returns None
where it cannot answer, and the caller treats an unidentified peer as refused.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import sys
from collections.abc import Iterator
from typing import NamedTuple

MAX_DEPTH = 64  # ancestry walks stop here (a cycle would be a kernel bug; be safe anyway)


class Process(NamedTuple):  # a tuple: built twice on every hook call, cheaper than a dataclass
    pid: int
    ppid: int
    name: str  # the short command name (comm)
    start: str  # opaque start stamp: (pid, start) names one process even after pid reuse

    @property
    def key(self) -> tuple[int, str]:
        return self.pid, self.start


# -- the peer of a connection -------------------------------------------------------------------

def peer_pid(sock: socket.socket) -> int | None:
    """The pid at the other end of `sock` (a connected Unix or loopback TCP socket), or None."""
    try:
        family = sock.family
    except OSError:
        return None
    if family == getattr(socket, "AF_UNIX", None):
        return _unix_peer_pid(sock)
    if family in (socket.AF_INET, socket.AF_INET6):
        try:
            local, remote = sock.getsockname(), sock.getpeername()
        except OSError:
            return None
        return _tcp_peer_pid(local[1], remote[1])
    return None


def _unix_peer_pid(sock: socket.socket) -> int | None:
    so_peercred = getattr(socket, "SO_PEERCRED", None)
    if so_peercred is not None:  # Linux: struct ucred {pid_t pid; uid_t uid; gid_t gid;}
        try:
            raw = sock.getsockopt(socket.SOL_SOCKET, so_peercred, struct.calcsize("3i"))
        except OSError:
            return None
        pid = struct.unpack("3i", raw)[0]
        return pid if pid > 0 else None
    if sys.platform == "darwin":  # pragma: no cover - macOS (untested here)
        sol_local, local_peerpid = 0, 0x002  # <sys/un.h>
        try:
            raw = sock.getsockopt(sol_local, local_peerpid, struct.calcsize("i"))
        except OSError:
            return None
        pid = struct.unpack("i", raw)[0]
        return pid if pid > 0 else None
    return None


def _tcp_peer_pid(local_port: int, remote_port: int) -> int | None:
    """The pid owning the client end of a loopback connection (its local port is our remote)."""
    if sys.platform.startswith("linux"):
        return _linux_tcp_owner(remote_port, local_port)
    if sys.platform == "win32":  # pragma: no cover - Windows (untested here)
        return _windows_tcp_owner(remote_port, local_port)
    return None


def _linux_tcp_owner(client_port: int, server_port: int) -> int | None:
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                next(fh, None)
                for line in fh:
                    fields = line.split()
                    if len(fields) < 10:
                        continue
                    local, remote = fields[1], fields[2]
                    if (int(local.rsplit(":", 1)[1], 16) == client_port
                            and int(remote.rsplit(":", 1)[1], 16) == server_port):
                        inode = fields[9]
                        break
        except OSError:
            continue
        if inode:
            break
    if not inode or inode == "0":
        return None
    target = f"socket:[{inode}]"
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        fd_dir = f"/proc/{name}/fd"
        try:
            for fd in os.listdir(fd_dir):
                with contextlib.suppress(OSError):
                    if os.readlink(f"{fd_dir}/{fd}") == target:
                        return int(name)
        except OSError:
            continue
    return None


def _windows_tcp_owner(client_port: int, server_port: int) -> int | None:  # pragma: no cover
    import ctypes
    from ctypes import wintypes

    iphlpapi = ctypes.WinDLL("iphlpapi")  # type: ignore[attr-defined]
    tcp_table_owner_pid_all, af_inet = 5, 2

    class Row(ctypes.Structure):
        _fields_ = [("state", wintypes.DWORD), ("local_addr", wintypes.DWORD),
                    ("local_port", wintypes.DWORD), ("remote_addr", wintypes.DWORD),
                    ("remote_port", wintypes.DWORD), ("pid", wintypes.DWORD)]

    size = wintypes.DWORD(0)
    iphlpapi.GetExtendedTcpTable(None, ctypes.byref(size), False, af_inet,
                                 tcp_table_owner_pid_all, 0)
    buffer = ctypes.create_string_buffer(size.value)
    if iphlpapi.GetExtendedTcpTable(buffer, ctypes.byref(size), False, af_inet,
                                    tcp_table_owner_pid_all, 0) != 0:
        return None
    count = ctypes.cast(buffer, ctypes.POINTER(wintypes.DWORD))[0]
    rows = ctypes.cast(ctypes.addressof(buffer) + ctypes.sizeof(wintypes.DWORD),
                       ctypes.POINTER(Row))
    for i in range(count):
        row = rows[i]
        local = socket.ntohs(row.local_port & 0xFFFF)
        remote = socket.ntohs(row.remote_port & 0xFFFF)
        if local == client_port and remote == server_port:
            return int(row.pid)
    return None


# -- a process and its ancestors ----------------------------------------------------------------

def process(pid: int) -> Process | None:
    """What the system says about `pid` now, or None when it is gone or unreadable."""
    if pid <= 0:
        return None
    if sys.platform.startswith("linux"):
        return _linux_process(pid)
    if sys.platform == "darwin":  # pragma: no cover - macOS (untested here)
        return _darwin_process(pid)
    if sys.platform == "win32":  # pragma: no cover - Windows (untested here)
        return _windows_process(pid)
    return None


def _read_proc(path: str) -> bytes | None:
    """A small /proc file, whole (os-level: a buffered file object costs more than the read;
    the daemon reads these on every hook call)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks: list[bytes] = []
        while True:
            chunk = os.read(fd, 65536)
            chunks.append(chunk)
            if len(chunk) < 65536:  # procfs hands a small file over whole: no read for EOF
                return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _linux_process(pid: int) -> Process | None:
    raw = _read_proc(f"/proc/{pid}/stat")
    return None if raw is None else _stat_process(pid, raw)


def _stat_process(pid: int, raw: bytes) -> Process | None:
    """The Process a /proc/PID/stat line describes, or None when it is not one."""
    # "pid (comm) state ppid ... starttime(22nd)": comm may hold spaces and parentheses.
    open_paren, close_paren = raw.find(b"("), raw.rfind(b")")
    if open_paren < 0 or close_paren < 0:
        return None
    name = raw[open_paren + 1:close_paren].decode("utf-8", "replace")
    rest = raw[close_paren + 2:].split(None, 20)  # up to starttime; the thirty after stay whole
    try:
        return Process(pid, int(rest[1]), name, rest[19].decode())
    except (IndexError, ValueError):
        return None


def _darwin_process(pid: int) -> Process | None:  # pragma: no cover - macOS (untested here)
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    proc_pidtbsdinfo = 3

    class BsdInfo(ctypes.Structure):  # struct proc_bsdinfo, <sys/proc_info.h>
        _fields_ = [("pbi_flags", ctypes.c_uint32), ("pbi_status", ctypes.c_uint32),
                    ("pbi_xstatus", ctypes.c_uint32), ("pbi_pid", ctypes.c_uint32),
                    ("pbi_ppid", ctypes.c_uint32), ("pbi_uid", ctypes.c_uint32),
                    ("pbi_gid", ctypes.c_uint32), ("pbi_ruid", ctypes.c_uint32),
                    ("pbi_rgid", ctypes.c_uint32), ("pbi_svuid", ctypes.c_uint32),
                    ("pbi_svgid", ctypes.c_uint32), ("rfu_1", ctypes.c_uint32),
                    ("pbi_comm", ctypes.c_char * 16), ("pbi_name", ctypes.c_char * 32),
                    ("pbi_nfiles", ctypes.c_uint32), ("pbi_pgid", ctypes.c_uint32),
                    ("pbi_pjobc", ctypes.c_uint32), ("e_tdev", ctypes.c_uint32),
                    ("e_tpgid", ctypes.c_uint32), ("pbi_nice", ctypes.c_int32),
                    ("pbi_start_tvsec", ctypes.c_uint64), ("pbi_start_tvusec", ctypes.c_uint64)]

    libproc = ctypes.CDLL("/usr/lib/libproc.dylib")
    info = BsdInfo()
    size = libproc.proc_pidinfo(pid, proc_pidtbsdinfo, 0, ctypes.byref(info),
                                ctypes.sizeof(info))
    if size != ctypes.sizeof(info):
        return None
    del libc
    return Process(pid, int(info.pbi_ppid), info.pbi_comm.decode("utf-8", "replace"),
                   f"{info.pbi_start_tvsec}.{info.pbi_start_tvusec}")


def _windows_process(pid: int) -> Process | None:  # pragma: no cover - Windows (untested here)
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    th32cs_snapprocess = 0x2

    class Entry(ctypes.Structure):  # PROCESSENTRY32W
        _fields_ = [("dwSize", wintypes.DWORD), ("cntUsage", wintypes.DWORD),
                    ("th32ProcessID", wintypes.DWORD), ("th32DefaultHeapID", ctypes.c_void_p),
                    ("th32ModuleID", wintypes.DWORD), ("cntThreads", wintypes.DWORD),
                    ("th32ParentProcessID", wintypes.DWORD), ("pcPriClassBase", ctypes.c_long),
                    ("dwFlags", wintypes.DWORD), ("szExeFile", ctypes.c_wchar * 260)]

    snapshot = kernel32.CreateToolhelp32Snapshot(th32cs_snapprocess, 0)
    if snapshot in (0, -1):
        return None
    try:
        entry = Entry()
        entry.dwSize = ctypes.sizeof(Entry)
        more = kernel32.Process32FirstW(snapshot, ctypes.byref(entry))
        while more:
            if entry.th32ProcessID == pid:
                return Process(pid, int(entry.th32ParentProcessID), entry.szExeFile,
                               _windows_start(pid))
            more = kernel32.Process32NextW(snapshot, ctypes.byref(entry))
    finally:
        kernel32.CloseHandle(snapshot)
    return None


def _windows_start(pid: int) -> str:  # pragma: no cover - Windows (untested here)
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32")  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ""
    try:
        times = [wintypes.FILETIME() for _ in range(4)]
        if not kernel32.GetProcessTimes(handle, *(ctypes.byref(t) for t in times)):
            return ""
        return f"{times[0].dwHighDateTime}.{times[0].dwLowDateTime}"
    finally:
        kernel32.CloseHandle(handle)


def ancestors(pid: int) -> Iterator[Process]:
    """`pid` and its ancestors, nearest first (as far as they can be read), each read only
    when the one before it has been looked at."""
    seen: set[int] = set()
    current = process(pid)
    while current is not None and current.pid not in seen and len(seen) < MAX_DEPTH:
        yield current
        seen.add(current.pid)
        if current.ppid <= 0 or current.ppid == current.pid:
            return
        current = process(current.ppid)


def ancestry(pid: int) -> list[Process]:
    """`pid` and its ancestors, nearest first (as far as they can be read)."""
    return list(ancestors(pid))


def argv(pid: int) -> list[str] | None:
    """The process's arguments (Linux; None elsewhere or when unreadable)."""
    raw = _read_proc(f"/proc/{pid}/cmdline")
    if raw is None:
        return None
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def environment(pid: int) -> dict[str, str] | None:
    """The environment the process started with: Linux `/proc/PID/environ`; macOS through
    `sysctl(KERN_PROCARGS2)`; None elsewhere (Windows keeps it in the process's own memory)."""
    if sys.platform.startswith("linux"):
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                raw = fh.read()
        except OSError:
            return None
        return _env_pairs(raw.split(b"\0"))
    if sys.platform == "darwin":  # pragma: no cover - macOS (untested here)
        return _darwin_environment(pid)
    return None


def _env_pairs(items: list[bytes]) -> dict[str, str]:
    env: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition(b"=")
        if sep and name:
            env[name.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return env


def _darwin_environment(pid: int) -> dict[str, str] | None:  # pragma: no cover - macOS
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    ctl_kern, kern_argmax, kern_procargs2 = 1, 8, 49
    argmax = ctypes.c_int(0)
    size = ctypes.c_size_t(ctypes.sizeof(argmax))
    mib = (ctypes.c_int * 2)(ctl_kern, kern_argmax)
    if libc.sysctl(mib, 2, ctypes.byref(argmax), ctypes.byref(size), None, 0) != 0:
        return None
    buffer = ctypes.create_string_buffer(argmax.value)
    size = ctypes.c_size_t(argmax.value)
    mib3 = (ctypes.c_int * 3)(ctl_kern, kern_procargs2, pid)
    if libc.sysctl(mib3, 3, buffer, ctypes.byref(size), None, 0) != 0:
        return None
    raw = buffer.raw[:size.value]
    argc = struct.unpack("i", raw[:4])[0]
    rest = raw[4:]
    # the executable path, padding NULs, argc arguments, then the environment
    _, _, rest = rest.partition(b"\0")
    rest = rest.lstrip(b"\0")
    parts = rest.split(b"\0")
    return _env_pairs([p for p in parts[argc:] if p])
