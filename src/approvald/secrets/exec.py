"""Run one command with secrets in its environment and its output redacted.

- The values go into the child's environment only (never argv, never a file).
- stdout and stderr are pipes read by one thread each; the main thread runs every chunk, in
  the order they arrived, through one redactor that sees each stream alone and both merged
  (`approvald.redaction.interleaved`: a value split across the two is found), and writes what
  is left to our own stdout/stderr. When the child is quiet
  for `idle_flush_s`, the part of the held-back tail that cannot start a secret is let through,
  so a prompt without a newline still shows.
- stdin is inherited: an interactive child still reads the terminal.
- SIGINT, SIGTERM and SIGHUP are forwarded to the child. A Ctrl-C typed at a terminal already
  reaches the child (it is in our process group); forwarding it again would be a second
  interrupt (terraform treats that as "stop now"), so SIGINT is not forwarded when our process
  group is the terminal's foreground group.
- The exit code is the child's; a child killed by signal N gives 128 + N, as shells report it.
  A command that cannot be found gives 127, one that cannot be executed 126.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import IO, BinaryIO

from approvald.redaction import Redactor
from approvald.redaction.interleaved import Interleaved

FORWARDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                          if hasattr(signal, name))
READ_SIZE = 65536


def _terminal_delivers_sigint() -> bool:
    """True when a terminal's Ctrl-C already reached our whole process group (and the child)."""
    if sys.platform == "win32":
        return False
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp():
                return True
        except OSError:
            continue
    return False


def exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


class _Pump:
    """Reads one pipe in a thread and hands the chunks to the main thread."""

    def __init__(self, index: int, pipe: IO[bytes], chunks: queue.Queue[tuple[int, bytes | None]]):
        self.index = index
        self.fd = pipe.fileno()
        self._pipe = pipe
        self._chunks = chunks
        self.sink_broken = threading.Event()  # our reader went away: stop reading the child
        self.thread = threading.Thread(target=self._run, name=f"exec-pump-{index}", daemon=True)

    def _run(self) -> None:
        try:
            while not self.sink_broken.is_set():
                try:
                    data = os.read(self.fd, READ_SIZE)
                except OSError:
                    break
                if not data:
                    break
                self._chunks.put((self.index, data))
        finally:
            # Closing our end makes a child still writing get SIGPIPE/EPIPE, as without us.
            self._pipe.close()
            self._chunks.put((self.index, None))


def run_redacted(argv: Sequence[str], *, env_values: Mapping[str, str],
                 secrets: Sequence[tuple[str, str]], stdout: BinaryIO | None = None,
                 stderr: BinaryIO | None = None, idle_flush_s: float = 0.05,
                 base_env: Mapping[str, str] | None = None) -> int:
    """Run `argv` with `env_values` added to the environment; return the exit code.

    `secrets` are the (name, value) pairs to redact from the child's output.
    """
    out_sinks = [stdout or sys.stdout.buffer, stderr or sys.stderr.buffer]
    env = dict(os.environ if base_env is None else base_env)
    env.update(env_values)
    # One redactor over both streams: a value split between stdout and stderr is found too.
    redaction = Interleaved(Redactor(secrets))
    try:
        child = subprocess.Popen(list(argv), env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE)
    except FileNotFoundError:
        _say(out_sinks[1], f"approvald exec: command not found: {argv[0]}")
        return 127
    except PermissionError:
        _say(out_sinks[1], f"approvald exec: permission denied: {argv[0]}")
        return 126
    except OSError as exc:
        _say(out_sinks[1], f"approvald exec: cannot run {argv[0]}: {exc.strerror or exc}")
        return 126

    previous = _forward_signals(child)
    try:
        assert child.stdout is not None and child.stderr is not None
        chunks: queue.Queue[tuple[int, bytes | None]] = queue.Queue()
        pumps = [_Pump(0, child.stdout, chunks), _Pump(1, child.stderr, chunks)]
        for pump in pumps:
            pump.thread.start()
        open_pumps = len(pumps)
        while open_pumps:
            try:
                index, data = chunks.get(timeout=idle_flush_s)
            except queue.Empty:
                if redaction.pending:
                    _route(out_sinks, redaction.flush_idle(), pumps)
                continue
            if data is None:
                open_pumps -= 1
                if not open_pumps:
                    _route(out_sinks, redaction.close(), pumps)
            else:
                _route(out_sinks, redaction.feed(index, data), pumps)
        returncode = child.wait()
    finally:
        _restore_signals(previous)
    return exit_code(returncode)


def _route(sinks: list[BinaryIO], pieces: list[tuple[int, bytes]], pumps: list[_Pump]) -> None:
    for index, data in pieces:
        _write(sinks[index], data, pumps[index])


def _write(sink: BinaryIO, data: bytes, pump: _Pump) -> None:
    if not data or pump.sink_broken.is_set():
        return
    try:
        sink.write(data)
        sink.flush()
    except (BrokenPipeError, ValueError):
        pump.sink_broken.set()


def _say(sink: BinaryIO, line: str) -> None:
    try:
        sink.write(line.encode() + b"\n")
        sink.flush()
    except (OSError, ValueError):
        pass


_Handler = signal.Handlers | int | None | object


def _forward_signals(child: subprocess.Popen[bytes]) -> dict[int, _Handler]:
    def forward(signum: int, frame: FrameType | None) -> None:
        if signum == getattr(signal, "SIGINT", None) and _terminal_delivers_sigint():
            return
        if child.poll() is None:
            try:
                child.send_signal(signum)
            except OSError:
                pass

    previous: dict[int, _Handler] = {}
    if threading.current_thread() is not threading.main_thread():
        return previous  # signal handlers can only be set from the main thread
    for signum in FORWARDED_SIGNALS:
        try:
            previous[signum] = signal.signal(signum, forward)
        except (OSError, ValueError):
            continue
    return previous


def _restore_signals(previous: dict[int, _Handler]) -> None:
    for signum, handler in previous.items():
        try:
            signal.signal(signum, handler)  # type: ignore[arg-type]
        except (OSError, ValueError, TypeError):
            pass
