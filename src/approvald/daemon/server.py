"""Running the daemon: one per home (a lock), the tokens, the socket, the HTTP server, signals.

`run_daemon()` returns the process exit code: 0 after SIGINT/SIGTERM, 1 when another daemon
holds the home or the socket cannot be made.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import secrets
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from approvald.audit.background import AuditWriter
from approvald.daemon import aio
from approvald.daemon.app import create_app
from approvald.daemon.context import DaemonContext
from approvald.daemon.evaluator import Evaluator, StartingEvaluator
from approvald.daemon.evaluator_pool import ProcessEvaluator
from approvald.daemon.guard import OperatorGuard
from approvald.daemon.http import MAX_BODY
from approvald.daemon.httpserver import HttpServer, Limits
from approvald.daemon.logs import setup_logging, teardown_logging
from approvald.daemon.services import Service, default_services, start_all, stop_all
from approvald.paths import Paths, ensure_private_dir, get_paths
from approvald.settings import TRANSPORT_ENV, TRANSPORTS, load_settings, requested_transport
from approvald.storage.database import Database

log = logging.getLogger("approvald.daemon")

GRACEFUL_SHUTDOWN_S = 5


class DaemonError(Exception):
    """The daemon cannot start (one sentence for the operator)."""


# -- one daemon per home ----------------------------------------------------------------------

class HomeLock:
    """An exclusive lock on paths.lock, held for the daemon's life; the file holds our pid."""

    def __init__(self, path: Path, home: Path):
        self.path = path
        self.home = home
        self._fh: IO[str] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fh = os.fdopen(fd, "r+", encoding="utf-8")
        try:
            _lock_file(fh)
        except OSError:
            fh.seek(0)
            pid = fh.read().strip() or "?"
            fh.close()
            raise DaemonError(f"a daemon already runs for {self.home} (pid {pid})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self._fh.seek(0)
                self._fh.truncate()
            self._fh.close()  # closing drops the lock
            self._fh = None


def _lock_file(fh: IO[str]) -> None:
    if sys.platform == "win32":  # pragma: no cover - Windows
        import msvcrt

        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


# -- the operator's credential ----------------------------------------------------------------

def write_private_file(path: Path, text: str) -> None:
    """Write `text` to `path` atomically, the file 0600 from birth (a temporary file renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # O_EXCL below: never write through a file someone else left there
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def ensure_token(path: Path) -> str:
    """The operator token: read it, or create it (0600) with 32 random bytes."""
    try:
        token = path.read_text(encoding="utf-8").strip()
        if token:
            if sys.platform != "win32":
                os.chmod(path, 0o600)
            return token
    except FileNotFoundError:
        pass
    token = secrets.token_urlsafe(32)
    write_private_file(path, token + "\n")
    return token


def new_client_token(path: Path) -> str:
    """The client token (both transports), new at every start: one a stale endpoint may have
    led a client to send to whatever holds that socket or port now dies with its daemon."""
    token = secrets.token_urlsafe(32)
    write_private_file(path, token + "\n")
    return token


# -- the listening socket ---------------------------------------------------------------------

def bind_unix_socket(path: Path) -> socket.socket:
    """A listening Unix socket, 0600, in a 0700 directory; a stale one from a dead daemon goes."""
    ensure_private_dir(path.parent)
    if path.exists() or path.is_symlink():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(1)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # nobody answers: left by a daemon that died
        else:
            raise DaemonError(f"another daemon answers on {path}")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_umask = os.umask(0o177)  # born 0600: no window where others could connect
    try:
        sock.bind(str(path))
    finally:
        os.umask(old_umask)
    os.chmod(path, 0o600)
    sock.listen(512)
    sock.setblocking(False)
    return sock


def bind_tcp_socket(endpoint_file: Path) -> tuple[socket.socket, str]:
    """Loopback TCP (127.0.0.1 only) on a port the system picks, written to the endpoint file."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        sock.setblocking(False)
        endpoint = f"tcp://127.0.0.1:{sock.getsockname()[1]}"
        ensure_private_dir(endpoint_file.parent)
        write_private_file(endpoint_file, endpoint + "\n")
    except OSError:
        sock.close()
        raise
    return sock, endpoint


# -- serving ----------------------------------------------------------------------------------

def _install_signals(stop: asyncio.Event) -> Callable[[], None]:
    """SIGINT/SIGTERM set `stop`; returns the undo."""
    loop = asyncio.get_running_loop()
    signals = [signal.SIGINT, signal.SIGTERM]
    if sys.platform == "win32":  # pragma: no cover - no add_signal_handler there
        previous = {sig: signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop.set))
                    for sig in signals}
        return lambda: [signal.signal(s, h) for s, h in previous.items()]  # type: ignore
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    return lambda: [loop.remove_signal_handler(s) for s in signals]  # type: ignore


def _raise_descriptor_limit() -> None:
    """Room for many waiting hooks: the soft descriptor limit up to the hard one (capped)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = min(hard if hard != resource.RLIM_INFINITY else 65536, 65536)
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def _open_audit(paths: Paths, database: Database) -> Any:
    """The log, synced on every commit, its anchor kept in the database; committed by a
    process of its own, driven from the event loop (`approvald.audit.loopwriter`: the
    commits' CPU work off this process's interpreter lock, and no writer thread), or on a
    writer thread here in a frozen build or when no process can be started."""
    import functools

    from approvald.audit import AuditLog
    from approvald.audit.loopwriter import LoopAuditWriter
    from approvald.daemon.evaluator import process_context
    from approvald.storage.anchor import AuditAnchor, open_anchor

    here = AuditLog(paths.audit, fsync=True, anchor=AuditAnchor(database).advance)
    if getattr(sys, "frozen", False):  # as for the evaluator: no multiprocessing children
        return AuditWriter(here)
    return LoopAuditWriter(here, process_context(),
                           anchor=functools.partial(open_anchor, paths.database))


def build_context(paths: Paths, *, token: str, endpoint: str,
                  client_token: str = "") -> DaemonContext:
    settings = load_settings(paths.config)
    for problem in settings.problems:
        log.warning("config: %s", problem)
    database = Database(paths.database)

    def load() -> Any:
        from approvald.policy import load_engine

        return load_engine(paths)

    ctx = DaemonContext(paths=paths, settings=settings, database=database,
                        audit=_open_audit(paths, database), engine_loader=load,
                        token=token, socket=endpoint, client_token=client_token,
                        guard=OperatorGuard(require_peer=True))
    ctx.reload_policy()
    return ctx


def run_daemon(paths: Paths | None = None, socket_path: Path | None = None,
               extra_routes: Sequence[Any] = ()) -> int:
    paths = paths or get_paths()
    requested = requested_transport()
    if requested and requested not in TRANSPORTS:
        print(f"approvald daemon: {TRANSPORT_ENV} must be tcp or unix, not {requested!r}",
              file=sys.stderr)
        return 1
    if sys.platform != "win32":
        os.umask(0o077)  # everything the daemon writes (database, logs, token) is the user's alone
    try:
        for directory in (paths.state, paths.runtime, paths.audit, paths.log):
            ensure_private_dir(directory)
        paths.policies.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # a file where a directory goes, no permission, a full disk
        print(f"approvald daemon: cannot create {exc.filename or 'its directories'}: "
              f"{exc.strerror or exc}", file=sys.stderr)
        return 1
    lock = HomeLock(paths.lock, paths.home)
    try:
        lock.acquire()
    except DaemonError as exc:
        print(f"approvald daemon: {exc}", file=sys.stderr)
        return 1
    handlers = setup_logging(paths.log_file)
    _raise_descriptor_limit()
    unix_path: Path | None = None
    endpoint_file: Path | None = None
    try:
        try:
            # The token first: the endpoint must not be reachable before its proofs are.
            client_token = new_client_token(paths.client_token_file)
            if paths.uses_tcp:
                if socket_path is not None:
                    log.warning("--socket %s ignored: %s=tcp", socket_path, TRANSPORT_ENV)
                endpoint_file = paths.endpoint_file
                sock, endpoint = bind_tcp_socket(endpoint_file)
            else:
                unix_path = socket_path or paths.unix_socket
                sock, endpoint = bind_unix_socket(unix_path), str(unix_path)
            token = ensure_token(paths.token_file)
            ctx = build_context(paths, token=token, endpoint=endpoint,
                                client_token=client_token)
        except (DaemonError, OSError) as exc:
            log.error("cannot start: %s", exc)
            return 1
        try:
            aio.run(_serve(ctx, sock, extra_routes))
        finally:
            _close(ctx)
        return 0
    finally:
        if unix_path is not None:
            with contextlib.suppress(OSError):
                unix_path.unlink()
        if endpoint_file is not None:
            with contextlib.suppress(OSError):
                endpoint_file.unlink()
        teardown_logging(handlers)
        lock.release()


async def _serve(ctx: DaemonContext, sock: socket.socket, extra_routes: Sequence[Any],
                 services: list[Service] | None = None) -> None:
    ctx.events.bind_loop(asyncio.get_running_loop())
    bind_audit = getattr(ctx.audit, "bind_loop", None)
    if bind_audit is not None:  # its commits are driven from the loop from now on
        bind_audit(asyncio.get_running_loop())
    linger = getattr(ctx.audit, "linger_while", None)
    if linger is not None:  # a commit waits briefly for the records of decisions under way
        linger(lambda: ctx.evaluating > 0)
    started = start_all(default_services(ctx.settings) if services is None else services, ctx)
    await _start_evaluator(ctx)
    app = create_app(ctx, extra_routes)
    server = HttpServer(app, Limits(max_body=MAX_BODY),
                        agent=getattr(app, "agent_requests", None))
    stop = asyncio.Event()
    undo_signals = _install_signals(stop)
    try:
        await server.start(sock)
        log.info("daemon %s for %s listening on %s (policy %s)", ctx.pid, ctx.paths.home,
                 ctx.socket, ctx.policy_hash)
        await stop.wait()
        log.info("daemon stopping")
        # Waiting hooks are answered (deny, "daemon stopping") and event streams end before
        # the server waits for requests in flight.
        ctx.stop_waiters()
        ctx.events.close()
        await asyncio.to_thread(stop_all, started)
        await asyncio.sleep(0)
        await server.stop(GRACEFUL_SHUTDOWN_S)
    finally:
        undo_signals()
        await asyncio.to_thread(stop_all, started)
        ctx.evaluator.close()


async def _start_evaluator(ctx: DaemonContext) -> None:
    """Worker processes evaluate every action (approvald.daemon.evaluator_pool); they start while
    the daemon already listens, and an action waits for them within its budget. Where they
    cannot start, a budgeted thread evaluates, and the log says so."""
    loop = asyncio.get_running_loop()
    if getattr(sys, "frozen", False):
        # A frozen build cannot re-launch itself as a multiprocessing worker reliably.
        log.warning("evaluating in threads: worker processes are not used in a frozen build")
        return

    def took_over(evaluator: Evaluator) -> None:
        ctx.evaluator = evaluator

    # Workers load the policy themselves; one that cannot have the daemon's (a file broken
    # since) leaves the action to the daemon's own engine on a budgeted thread.
    pool = ProcessEvaluator(functools.partial(_load_engine, ctx.paths),
                            expected=lambda: ctx.policy_hash, fallback=ctx.evaluator)
    starting = StartingEvaluator(pool, ctx.evaluator, ready=took_over)
    ctx.evaluator = starting

    def policy_changed() -> None:
        loop.call_soon_threadsafe(lambda: ctx.evaluator.reload())

    ctx.on_policy_change = policy_changed


def _load_engine(paths: Paths) -> Any:
    from approvald.policy import load_engine

    return load_engine(paths)


def _close(ctx: DaemonContext) -> None:
    close = getattr(ctx.audit, "close", None)
    if callable(close):
        close()
    ctx.database.close()
    log.info("daemon stopped")


__all__ = ["DaemonError", "HomeLock", "build_context", "ensure_token",
           "run_daemon"]
