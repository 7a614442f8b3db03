"""One evaluator worker process: the child's loop, and the daemon's end of its pipe.

The daemon's end (`_Worker`) may have several calls in flight on one worker (the pool's
choice: `evaluator_pool.ProcessEvaluator`). The child answers them one at a time, in order, so the
oldest unanswered call is the one it is working on (`working_on`). Why several: under many
hooks at once, the next action waits in the worker's pipe when it finishes one, so neither the
worker nor the daemon sleeps and is woken again between two decisions (on 2 cores that round
trip cost more than a simple command's analysis).
"""

from __future__ import annotations

import asyncio
import contextlib
import operator
import os
import pickle
import socket
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from approvald.daemon.aio import within
from approvald.model.actions import Action

START_TIMEOUT_S = 30.0
# An action crosses the pipe as its field values, in `Action`'s order, and is built again with
# `Action(*values)`: pickling the object itself names its class (an import lookup on each end)
# and every field, twice the work on both ends of every decision.
_ACTION_VALUES = operator.attrgetter(*Action.FIELDS)


def eval_message(action: Action) -> bytes:
    """The pickled call that asks a worker for `action`'s decision."""
    return pickle.dumps(("eval", _ACTION_VALUES(action)), pickle.HIGHEST_PROTOCOL)


class EvaluationFailed(Exception):
    """The worker could not evaluate the action (one line saying why)."""


class PolicyDisagrees(EvaluationFailed):
    """A worker could not have the policy the daemon has in force."""


class Moved(Exception):
    """The call must go to another worker: the one it waited on was dropped because of another
    call, or is stuck on another (it never started on this one)."""


# -- the worker process -------------------------------------------------------------------------

def _limit_memory(limit: int) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(conn: Connection, load: Callable[[], Any], memory: int) -> None:
    """A worker: load the policy, then answer ("eval", an action's values: `eval_message`)
    and ("reload", None) forever."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon stops us, not the terminal
    _limit_memory(memory)
    try:
        engine = load()
    except Exception as exc:  # a policy file broken since the daemon loaded it
        conn.send(("failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]))
        return
    conn.send(("ready", engine.policy_hash))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        kind, payload = message
        try:
            if kind == "reload":
                engine = load()
                conn.send(("ok", engine.policy_hash))
            else:
                conn.send(("ok", engine.evaluate(Action(*payload)).to_json()))
        except MemoryError:
            conn.send(("error", "the analysis needed more memory than a worker may use"))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]))


# -- the daemon's side --------------------------------------------------------------------------

class _Worker:
    """One worker process and its pipe. The daemon's end is read by a reader callback that
    stays registered for the worker's life; each answer completes the oldest call in flight."""

    def __init__(self, context: Any, load: Callable[[], Any], memory: int,
                 on_answer: Callable[[_Worker], None] = lambda worker: None,
                 on_gone: Callable[[_Worker], None] = lambda worker: None):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=worker_main, args=(child, load, memory),
                                       name="approvald-evaluator", daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.stale = False
        self.failed = False  # it answered an error: nothing more is taken from it
        self.gone = False
        self._fd = self.conn.fileno()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._buffer = bytearray()
        # The calls in flight, oldest first, each with its message's size: a call whose caller
        # gave up stays until its answer comes, so answers still meet their calls.
        self._answers: deque[tuple[asyncio.Future[Any], int]] = deque()
        self.unread = 0  # bytes of the calls in flight, at most what waits in the pipe
        self.promised = 0  # calls handed this worker that are not sent yet
        self.reserved = 0  # their bytes
        # What may wait unread in the pipe without blocking the daemon's write: a quarter of
        # the socket's send buffer (Linux gives about 200 KiB; macOS as little as 8 KiB).
        self.room = _send_room(self.conn)
        self.working_since = 0.0  # loop time the oldest call in flight became the one worked on
        self._on_answer = on_answer  # told after each answer, once the worker is ready
        self._on_gone = on_gone  # told when the process is found gone

    @property
    def in_flight(self) -> int:
        return len(self._answers)

    @property
    def taken(self) -> int:
        """Calls in flight, and those on their way."""
        return len(self._answers) + self.promised

    def working_on(self, answer: asyncio.Future[Any]) -> bool:
        """Whether `answer`'s call is the one the worker is on now."""
        return bool(self._answers) and self._answers[0][0] is answer

    def works_for_someone(self) -> bool:
        """Whether any call in flight or on its way still has someone waiting for it."""
        return bool(self.promised) or any(not answer.done() for answer, _ in self._answers)

    def on_a_call_given_up(self) -> asyncio.Future[Any] | None:
        """The call the worker is on when nobody waits for its answer any more (its caller
        gave it up, or it moved to another worker), else None."""
        if self._answers and self._answers[0][0].done():
            return self._answers[0][0]
        return None

    def _listen(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self._fd, self._readable)
        return self._loop

    def _readable(self) -> None:
        try:
            # 64 KiB: a decision is a few hundred bytes, and a buffer past malloc's mmap
            # threshold would cost an mmap, an mremap and an munmap on every answer.
            data = os.read(self._fd, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # the worker is gone: the call it was on fails, the others move
            self.gone = True
            self._stop_listening()
            self.fail(EvaluationFailed("the evaluator went away"))
            if self.ready:  # (one still starting says so to whoever started it)
                self._on_gone(self)
            return
        self._buffer += data
        while True:
            message = _frame(self._buffer)
            if message is None:
                return
            self._answered(pickle.loads(message))

    def _answered(self, result: Any) -> None:
        if not self._answers:
            return
        answer, size = self._answers.popleft()
        self.unread -= size
        assert self._loop is not None
        self.working_since = self._loop.time()
        if isinstance(result, tuple) and result and result[0] == "error":
            self.failed = self.stale = True  # it failed amid something: a fresh one replaces it
        if not answer.done():
            answer.set_result(result)
        if self.ready:
            self._on_answer(self)

    def fail(self, exception: BaseException) -> None:
        """Every call in flight ends: the one being worked on with `exception`, the others
        move to another worker (they never started here)."""
        answers, self._answers = self._answers, deque()
        self.unread = 0
        for index, (answer, _) in enumerate(answers):
            if not answer.done():
                answer.set_exception(exception if index == 0 else Moved())

    def move_waiting(self, current_too: bool = False) -> None:
        """The calls behind the one being worked on (and, `current_too`, that one) go to
        another worker; this one answers them later all the same, to nobody."""
        for answer, _ in list(self._answers)[0 if current_too else 1:]:
            if not answer.done():
                answer.set_exception(Moved())

    def _stop_listening(self) -> None:
        if self._loop is not None:
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self._fd)
            self._loop = None

    def _expect(self, size: int) -> asyncio.Future[Any]:
        loop = self._listen()
        answer: asyncio.Future[Any] = loop.create_future()
        if not self._answers:
            self.working_since = loop.time()
        self._answers.append((answer, size))
        self.unread += size
        return answer

    async def started(self, expected: Callable[[], str | None] = lambda: None) -> None:
        """Ready, with the policy `expected()` is as it says so (a hash; None: any);
        PolicyDisagrees when its policy is another, or it could not load one."""
        kind, detail = await within(self._expect(0), START_TIMEOUT_S)
        if kind == "failed":
            raise PolicyDisagrees(f"the evaluator could not load the policy ({detail})")
        if kind != "ready":
            raise EvaluationFailed("the evaluator did not start")
        expected_now = expected()
        if expected_now is not None and detail != expected_now:
            raise PolicyDisagrees(f"the evaluator loaded policy {detail}, not {expected_now}")
        self.ready = True

    def promise(self, size: int) -> None:
        """A call of `size` bytes is handed this worker (`send` or `unpromise` follows)."""
        self.promised += 1
        self.reserved += size

    def unpromise(self, size: int) -> None:
        self.promised -= 1
        self.reserved -= size

    def send(self, message: bytes) -> asyncio.Future[Any]:
        """Send a pickled call the pool promised this worker; its answer, (status, result),
        completes the future. OSError when the worker is gone."""
        self.unpromise(len(message))
        if self.gone:
            raise OSError("the evaluator is gone")
        answer = self._expect(len(message))
        try:
            self.conn.send_bytes(message)
        except OSError:
            self._answers.pop()  # never sent
            self.unread -= len(message)
            self._drain()
            raise
        return answer

    def _drain(self) -> None:
        """The pipe broke: what the worker wrote before it went is read (answers for their
        calls), then its end, which fails the call it was on; nothing waits for more."""
        with contextlib.suppress(OSError):
            os.set_blocking(self._fd, False)
        while not self.gone:
            before = (len(self._buffer), len(self._answers))
            self._readable()
            if (len(self._buffer), len(self._answers)) == before:
                break  # nothing more to read now (it is closing its end)

    def kill(self) -> None:
        self.gone = True
        self._stop_listening()
        with contextlib.suppress(Exception):
            self.process.kill()
        with contextlib.suppress(Exception):
            self.process.join(2)
        with contextlib.suppress(Exception):
            self.conn.close()


def _send_room(conn: Any) -> int:
    """A quarter of the send buffer of `conn`'s socket; 0 (no call waits in it) when that
    cannot be told (then a worker takes one call at a time)."""
    try:
        with socket.socket(fileno=os.dup(conn.fileno())) as sock:
            return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) // 4
    except (OSError, ValueError, AttributeError):
        return 0


def _frame(buffer: bytearray) -> bytes | None:
    """The first whole message in `buffer` (multiprocessing.Connection's framing: a 4-byte
    big-endian length, or -1 and an 8-byte one), taken out of it; None when none is whole."""
    if len(buffer) < 4:
        return None
    size, head = int.from_bytes(buffer[:4], "big", signed=True), 4
    if size == -1:
        if len(buffer) < 12:
            return None
        size, head = int.from_bytes(buffer[4:12], "big"), 12
    if len(buffer) < head + size:
        return None
    message = bytes(buffer[head:head + size])
    del buffer[:head + size]
    return message
