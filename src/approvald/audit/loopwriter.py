"""The daemon's audit records committed by the writer process, driven from the event loop.

Why: with a writer thread between the loop and the child (the daemon's `AuditWriter`, which
redacted and waited for the child there), every commit handed the interpreter's lock back and
forth between the two threads a few times (about a dozen futex calls per decision under many
hooks at once). Here the loop pickles a batch
(the child redacts it), writes it to the child's pipe without blocking (the rest when the pipe has
room) and reads the child's answer when the pipe is readable: no second thread at all.

What stays exactly as with `AuditWriter`: records committed in order, a group commit (records
appended while a commit is on its way go together in the next), `barrier()` completing only once
everything appended before it is written and synced (and failing while records are held), held
records retried every RETRY_S and meanwhile `failure` saying why, listeners told each record (sent
after they were added) as written. A child that goes away, cannot open the log or stays silent
REPLY_TIMEOUT_S fails its batch (the records are held and sent again, to a new child) - never lost.
When no child can be started at all, an `AuditWriter` thread writes through the fallback log.

`append` and `barrier` belong to the loop's thread once `bind_loop` is called (the daemon's
handlers run there); before it, records wait and are sent once it is. `close()` runs after the
loop has ended and commits what is left, blocking.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import select
import struct
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from approvald.audit import AuditError, AuditLog
from approvald.audit.background import AuditWriter
from approvald.audit.process import BODIES, RECORDS, REPLY_TIMEOUT_S, START_TIMEOUT_S, writer_main
from approvald.redaction import remembered_values

log = logging.getLogger("approvald.audit")

_HEADER = struct.Struct("!i")  # multiprocessing.Connection's framing (messages under 2 GiB)
READ_SIZE = 65536


def _batch(records: list[dict[str, Any]], echo: bool) -> bytes:
    """A batch for the child: the records as appended, with the values this process redacts
    by value, redacted there (`process.writer_main`; `echo`: answered with them as written);
    records pickle cannot carry are made bodies here (the JSON round trip says what)."""
    try:
        return pickle.dumps((RECORDS, records, remembered_values(), echo), pickle.HIGHEST_PROTOCOL)
    except Exception:
        return pickle.dumps((BODIES, AuditLog.bodies(records), (), echo), pickle.HIGHEST_PROTOCOL)


class LoopAuditWriter:
    RETRY_S = 2.0
    MAX_HELD = 100_000
    # A commit costs the child about as much for one record as for several (the sync, the
    # anchor's transaction): while `linger()` says more records are on their way (decisions
    # being evaluated), a batch waits for them up to LINGER_S, or until it holds LINGER_MAX.
    LINGER_S = 0.002
    LINGER_MAX = 32

    def __init__(self, fallback: AuditLog, context: Any,
                 anchor: Callable[[], Callable[[int, str], None]] | None = None,
                 reply_timeout_s: float = REPLY_TIMEOUT_S):
        self.fallback = fallback
        self._context = context
        self._anchor = anchor
        self.reply_timeout_s = reply_timeout_s
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = -1
        self._held: deque[dict[str, Any]] = deque()  # appended, not yet sent (or sent, failed)
        self._pending: asyncio.Future[None] | None = None  # the barrier for what _held has
        self._sent: list[dict[str, Any]] = []  # the batch on its way
        self._sent_barriers: list[asyncio.Future[None]] = []
        self._out = b""  # what the pipe did not take yet
        self._in = bytearray()
        self._conn: Any = None
        self._process: Any = None
        self._fd = -1
        self._ready = False
        self._timer: asyncio.TimerHandle | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._kick_soon = False
        self._linger: Callable[[], bool] | None = None
        self._lingering: asyncio.TimerHandle | None = None
        self._lingered = False  # the batch waited LINGER_S: it goes now
        self._thread: AuditWriter | None = None  # no child can be started: a thread writes
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.failure: str | None = None
        self.errors = 0
        self.dropped = 0
        self.commits = 0
        self.started = 0

    # -- the daemon's side ------------------------------------------------------------------

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._schedule()

    def linger_while(self, more_coming: Callable[[], bool]) -> None:
        """Let a batch wait (LINGER_S at most) while `more_coming()`; never while nothing
        else is on its way (a lone decision's record goes at once)."""
        self._linger = more_coming

    def append(self, record: dict[str, Any]) -> None:
        if self._thread is not None:
            self._thread.append(record)
            return
        if len(self._held) >= self.MAX_HELD:
            self._held.popleft()
            self.dropped += 1
        self._held.append(record)
        self._schedule()

    def barrier(self) -> Any:
        """An asyncio future completing once everything appended before is written and
        synced (shared by every caller until its records are sent); fails while held."""
        if self._thread is not None:
            return self._thread.barrier()
        loop = self._loop or asyncio.get_running_loop()
        if self._loop is None:
            self.bind_loop(loop)
        if not self._held:
            if self._sent:
                if not self._sent_barriers:
                    self._sent_barriers.append(loop.create_future())
                return self._sent_barriers[0]
            done: asyncio.Future[None] = loop.create_future()
            done.set_result(None)
            return done
        if self._pending is None or self._pending.done():
            self._pending = loop.create_future()
        self._schedule()
        return self._pending

    def add_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [*self._listeners, listener]
        if self._thread is not None:
            self._thread.add_listener(listener)

    def remove_listener(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners = [f for f in self._listeners if f is not listener]
        if self._thread is not None:
            self._thread.remove_listener(listener)

    @property
    def held(self) -> int:
        return len(self._held) + len(self._sent) if self._thread is None else self._thread.held

    # -- sending and answers ----------------------------------------------------------------

    def _schedule(self) -> None:
        """One send per loop iteration: everything appended in it goes in one batch."""
        if self._loop is not None and not self._kick_soon:
            self._kick_soon = True
            if threading.get_ident() == self._loop_thread:
                self._loop.call_soon(self._kick)
            else:  # a record from another thread (the loop's own go first)
                self._loop.call_soon_threadsafe(self._kick)

    def _kick(self) -> None:
        self._kick_soon = False
        if self._sent or not self._held or self._thread is not None:
            return  # a commit is on its way (its answer sends the next), or nothing to send
        if self._conn is None:
            self._start()
            return
        if not self._ready:
            return  # its "ready" sends the batch
        if self._waits_for_more():
            return
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        try:
            message = _batch(list(self._held), bool(self._listeners))
        except Exception as exc:
            self._failed(exc)
            return
        self._sent = list(self._held)
        self._held.clear()
        if self._pending is not None:
            self._sent_barriers.append(self._pending)
            self._pending = None
        self._out = _HEADER.pack(len(message)) + message
        self._write()
        self._arm(self.reply_timeout_s)

    def _waits_for_more(self) -> bool:
        """Whether the held batch waits for records on their way (arming its LINGER_S);
        False once it has waited, is full, or none are coming."""
        if self._lingered or self._linger is None or len(self._held) >= self.LINGER_MAX \
                or not self._linger():
            self._end_linger()
            return False
        if self._lingering is None:
            assert self._loop is not None
            self._lingering = self._loop.call_later(self.LINGER_S, self._linger_over)
        return True

    def _linger_over(self) -> None:
        self._lingering = None
        self._lingered = True
        self._kick()

    def _end_linger(self) -> None:
        self._lingered = False
        if self._lingering is not None:
            self._lingering.cancel()
            self._lingering = None

    def _write(self) -> None:
        assert self._loop is not None
        try:
            n = os.write(self._fd, self._out)
        except BlockingIOError:
            n = 0
        except OSError as exc:
            self._lost(exc)
            return
        self._out = self._out[n:]
        if self._out:
            self._loop.add_writer(self._fd, self._write)
        else:
            self._loop.remove_writer(self._fd)

    def _readable(self) -> None:
        try:
            chunk = os.read(self._fd, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            self._lost(exc)
            return
        if not chunk:
            self._lost(EOFError("it went away"))
            return
        self._in += chunk
        while len(self._in) >= 4:
            (size,) = _HEADER.unpack_from(self._in)
            if len(self._in) < 4 + size:
                return
            message = bytes(self._in[4:4 + size])
            del self._in[:4 + size]
            try:
                status, payload = pickle.loads(message)
            except Exception as exc:
                self._lost(exc)
                return
            self._answered(str(status), payload)

    def _answered(self, status: str, payload: Any) -> None:
        self._disarm()
        if status == "ready":
            self._ready = True
            self._kick()
            return
        if not self._ready:  # an error before "ready": the child could not open the log
            self._lost(payload if isinstance(payload, Exception) else AuditError(str(payload)))
            return
        if status != "ok":
            self._failed(payload)
            return
        written, barriers = payload, self._sent_barriers
        self._sent, self._sent_barriers = [], []
        self.commits += 1
        if self.failure is not None:
            log.warning("audit: writing again; held records are in the log")
            self.failure = None
        for barrier in barriers:
            if not barrier.done():
                barrier.set_result(None)
        self._tell(written)
        self._kick()

    def _tell(self, written: Any) -> None:
        if not self._listeners or not isinstance(written, list):
            return
        for record in written:
            for listener in self._listeners:
                try:
                    listener(record)
                except Exception:
                    log.exception("audit: a listener failed")

    def _failed(self, exc: BaseException) -> None:
        """The batch on its way did not go in: held again (first, in order), its barriers
        and the pending one fail, a retry comes in RETRY_S (or with the next barrier)."""
        self.errors += 1
        if self.failure is None:
            log.error("audit: cannot write (%s); holding records and refusing actions until it "
                      "can", exc)
        self.failure = f"{type(exc).__name__}: {exc}"
        self._held.extendleft(reversed(self._sent))
        while len(self._held) > self.MAX_HELD:
            self._held.popleft()
            self.dropped += 1
        barriers, self._sent, self._sent_barriers = self._sent_barriers, [], []
        if self._pending is not None:
            barriers.append(self._pending)
            self._pending = None
        for barrier in barriers:
            if not barrier.done():
                barrier.set_exception(OSError(self.failure))
        if self._loop is not None and self._retry is None:
            self._retry = self._loop.call_later(self.RETRY_S, self._retry_now)

    def _retry_now(self) -> None:
        self._retry = None
        self._kick()

    def _lost(self, exc: BaseException) -> None:
        """The child went away, could not open the log or did not answer: it is stopped, the
        batch fails, and the next attempt starts a new child. Gone while idle, with nothing
        to write: no failure, the next record starts one."""
        idle = self._ready and not self._sent and not self._held
        self._stop_child()
        if idle:
            log.warning("audit: the writer process went away (%s); the next record starts "
                        "another", exc)
            return
        self._failed(exc if isinstance(exc, AuditError) else AuditError(
            f"the audit writer process failed ({exc or type(exc).__name__})"))

    def _arm(self, seconds: float) -> None:
        assert self._loop is not None
        self._disarm()
        self._timer = self._loop.call_later(
            seconds, self._lost, OSError("it did not answer in time"))

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # -- the child --------------------------------------------------------------------------

    def _start(self) -> None:
        assert self._loop is not None
        try:
            ours, process = self._spawn()
        except Exception as exc:
            log.warning("audit: writing on a thread of the daemon (no writer process: %s)", exc)
            self._thread = AuditWriter(self.fallback)
            for listener in self._listeners:
                self._thread.add_listener(listener)
            held, self._held = self._held, deque()
            for record in held:
                self._thread.append(record)
            if self._pending is not None:
                self._loop.create_task(self._follow(self._pending, self._thread.barrier()))
                self._pending = None
            return
        self._conn, self._process, self._fd = ours, process, ours.fileno()
        self._ready = False
        self._in.clear()
        os.set_blocking(self._fd, False)
        self._loop.add_reader(self._fd, self._readable)
        self.started += 1
        self._arm(START_TIMEOUT_S)

    def _spawn(self) -> tuple[Any, Any]:
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=writer_main, name="approvald-audit", daemon=True,
            args=(theirs, str(self.fallback.directory), self.fallback.fsync, self._anchor))
        process.start()
        theirs.close()
        return ours, process

    @staticmethod
    async def _follow(barrier: asyncio.Future[None], done: Any) -> None:
        try:
            await asyncio.wrap_future(done)
        except Exception as exc:
            if not barrier.done():
                barrier.set_exception(exc)
        else:
            if not barrier.done():
                barrier.set_result(None)

    def _stop_child(self) -> None:
        self._disarm()
        conn, process, fd = self._conn, self._process, self._fd
        self._conn, self._process, self._fd, self._ready, self._out = None, None, -1, False, b""
        self._in.clear()
        if fd >= 0 and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(fd)
            self._loop.remove_writer(fd)
        if process is not None:
            with contextlib.suppress(Exception):
                process.kill()
            with contextlib.suppress(Exception):
                process.join(5)
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    # -- the end ----------------------------------------------------------------------------

    def close(self, timeout: float = 10.0) -> None:
        """After the loop: commit what is left (blocking, each step within `timeout`), end
        the child, close the fallback log."""
        if self._thread is not None:
            self._thread.close(timeout)
            return
        for handle in (self._retry, self._timer, self._lingering):
            if handle is not None:
                handle.cancel()
        self._retry = self._timer = self._lingering = None
        if self._fd >= 0 and self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._fd)
            self._loop.remove_writer(self._fd)
        try:
            self._finish(timeout)
        except Exception as exc:
            log.error("audit: %d records not written as the daemon stops (%s)",
                      len(self._sent) + len(self._held), exc)
        self._stop_child()
        self.fallback.close()

    def _finish(self, timeout: float) -> None:
        conn = self._conn
        if conn is None:
            if not self._held:
                return
            self._loop = None  # no loop from here on: start and wait by hand
            conn = self._start_blocking()
        os.set_blocking(self._fd, True)
        if not self._ready:
            self._await_answer(timeout)
        if self._sent:  # on its way: its rest goes out, its answer comes in
            while self._out:
                self._out = self._out[os.write(self._fd, self._out):]
            self._await_answer(timeout)
        if self._held:
            records = list(self._held)
            conn.send_bytes(_batch(records, bool(self._listeners)))
            self._sent, self._held = records, deque()
            self._await_answer(timeout)
        conn.send_bytes(b"")
        with contextlib.suppress(Exception):
            self._process.join(timeout)

    def _start_blocking(self) -> Any:
        ours, process = self._spawn()
        self._conn, self._process, self._fd, self._ready = ours, process, ours.fileno(), False
        return ours

    def _await_answer(self, timeout: float) -> None:
        poller = select.poll()
        poller.register(self._fd, select.POLLIN)
        while len(self._in) < 4 or len(self._in) < 4 + _HEADER.unpack_from(self._in)[0]:
            if not poller.poll(timeout * 1000):
                raise OSError("the audit writer process did not answer in time")
            chunk = os.read(self._fd, READ_SIZE)
            if not chunk:
                raise EOFError("the audit writer process went away")
            self._in += chunk
        (size,) = _HEADER.unpack_from(self._in)
        status, payload = pickle.loads(bytes(self._in[4:4 + size]))
        del self._in[:4 + size]
        if status == "ready":
            self._ready = True
            return
        if status != "ok":
            raise payload
        self._sent, self._sent_barriers = [], []
        self.commits += 1
        self._tell(payload)
