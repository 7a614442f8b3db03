"""The evaluator's worker processes: answers, the budget (a worker past it is killed and
replaced) and one session's slow analysis beside another's quick one."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from approvald.daemon import evaluator_pool, evaluator_worker
from approvald.daemon.evaluator import Overtime, StartingEvaluator, ThreadEvaluator
from approvald.daemon.evaluator_pool import ProcessEvaluator
from approvald.daemon.evaluator_worker import EvaluationFailed, Moved, PolicyDisagrees
from approvald.model.actions import Action
from tests.support.daemon import FakeEngine, fake_engine

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="forkserver workers")


@pytest.fixture(autouse=True)
def _roomy_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """A call joins a busy worker only while its call began under FRESH_S ago: the tests that
    queue a call behind another do it within a few milliseconds, which a loaded test machine
    can stretch past 20 ms. A tenfold window, still under MOVE_AFTER_S, keeps what they test."""
    monkeypatch.setattr(evaluator_pool, "FRESH_S", 0.2)
    assert evaluator_pool.FRESH_S < evaluator_pool.MOVE_AFTER_S


class _EchoEngine(FakeEngine):
    """Says the command back as its reason (an answer as long as the action)."""

    def evaluate(self, action: Action) -> Any:
        return super().evaluate(action).changed(reason=action.command or "")


def echo_engine() -> _EchoEngine:
    return _EchoEngine()


def _action(command: str, session: str) -> Action:
    return Action(kind="process.exec", tool="Bash", input={"command": command},
                  agent="claude-code", session_id=session, cwd="/tmp", command=command)


async def test_a_slow_analysis_is_killed_and_others_are_answered_meanwhile(
        tmp_path: Path) -> None:
    gate, never = tmp_path / "open", tmp_path / "never"
    pool = ProcessEvaluator(fake_engine, workers=1, max_workers=3, budget_s=60)
    await pool.start()
    try:
        assert (await pool.evaluate(_action("ls", "a")))["decision"] == "ALLOW"
        # Two analyses of one session that last until the gate opens (a session may hold two
        # workers at once); another session is answered meanwhile.
        slow = [asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "bomb")))
                for _ in range(2)]
        quick = await pool.evaluate(_action("git push", "other"))
        assert quick["decision"] == "REQUIRE_APPROVAL"
        assert not any(task.done() for task in slow)
        gate.touch()
        results = await asyncio.gather(*slow, return_exceptions=True)
        assert all(isinstance(r, dict) for r in results)
        pool.budget_s = 0.3
        with pytest.raises(Overtime):
            await pool.evaluate(_action(f"wait-for {never}", "bomb"))
        assert pool.killed == 1
        pool.budget_s = 60
        assert (await pool.evaluate(_action("cat .env", "c")))["decision"] == "DENY"
    finally:
        pool.close()


async def test_actions_asked_while_the_workers_start_wait_for_them() -> None:
    chosen: list[object] = []
    fallback = ThreadEvaluator(lambda: FakeEngine())
    starting = StartingEvaluator(ProcessEvaluator(fake_engine, workers=1), fallback,
                                 ready=chosen.append)
    try:
        asked = [asyncio.ensure_future(starting.evaluate(_action(c, "s")))
                 for c in ("ls", "cat .env")]  # before any worker is up
        answers = await asyncio.gather(*asked)
        assert [a["decision"] for a in answers] == ["ALLOW", "DENY"]
        assert chosen == [starting.pool]
    finally:
        starting.close()


async def test_workers_that_cannot_start_leave_the_budgeted_thread() -> None:
    class Broken(ProcessEvaluator):
        async def start(self) -> None:
            raise OSError("no processes here")

    chosen: list[object] = []
    fallback = ThreadEvaluator(lambda: FakeEngine())
    starting = StartingEvaluator(Broken(fake_engine), fallback, ready=chosen.append)
    assert (await starting.evaluate(_action("git push", "s")))["decision"] == "REQUIRE_APPROVAL"
    assert chosen == [fallback]
    starting.close()


def test_answers_are_framed_as_the_worker_sends_them() -> None:
    import os
    import pickle
    import threading
    from multiprocessing.connection import Pipe

    from approvald.daemon.evaluator_worker import _frame

    ours, theirs = Pipe()
    sender = threading.Thread(target=lambda: [theirs.send(("ok", 1)),
                                              theirs.send(("ok", "x" * 300_000)),
                                              theirs.send_bytes(b"")])
    sender.start()
    buffer, frames = bytearray(), []
    while len(frames) < 3:
        buffer += os.read(ours.fileno(), 65536)  # whatever one read gives, as the daemon
        while (frame := _frame(buffer)) is not None:
            frames.append(frame)
    sender.join()
    assert [pickle.loads(f) for f in frames[:2]] == [("ok", 1), ("ok", "x" * 300_000)]
    assert frames[2] == b"" and buffer == bytearray()
    long = bytearray((-1).to_bytes(4, "big", signed=True) + (3).to_bytes(8, "big") + b"abcd")
    assert _frame(long) == b"abc" and long == bytearray(b"d")
    assert _frame(bytearray(b"\x00\x00\x00\x05ab")) is None


async def test_an_answer_longer_than_one_read_arrives_whole() -> None:
    pool = ProcessEvaluator(echo_engine, workers=1)
    await pool.start()
    try:
        command = "echo " + "x" * 300_000
        assert (await pool.evaluate(_action(command, "a")))["reason"] == command
        assert (await pool.evaluate(_action("ls", "a")))["reason"] == "ls"
    finally:
        pool.close()


class _DaemonsEngine(FakeEngine):
    """The policy the daemon has in force (its own hash, its own reason)."""

    policy_hash = "sha256:daemons"

    def evaluate(self, action: Action) -> Any:
        return super().evaluate(action).changed(reason="the daemon's policy")


def broken_once(flag: Path) -> FakeEngine:
    """A policy loader whose file breaks once `flag` exists."""
    if flag.exists():
        raise ValueError("policy.yaml: line 3: not YAML")
    return FakeEngine()


async def test_workers_with_another_policy_leave_actions_to_the_daemons_own() -> None:
    expected = ["sha256:daemons"]
    pool = ProcessEvaluator(fake_engine, workers=1, expected=lambda: expected[0],
                            fallback=ThreadEvaluator(lambda: _DaemonsEngine()))
    await pool.start()
    try:
        assert pool.disagreement is not None and "sha256:fake" in pool.disagreement
        answer = await pool.evaluate(_action("ls", "a"))
        assert answer["reason"] == "the daemon's policy"
        assert answer["policy_hash"] == "sha256:daemons"
        expected[0] = "sha256:fake"  # the daemon reloads; the workers have its policy now
        pool.reload()
        answer = await pool.evaluate(_action("ls", "a"))
        assert answer["policy_hash"] == "sha256:fake" and pool.disagreement is None
    finally:
        pool.close()


async def test_a_replacement_that_cannot_load_the_policy_leaves_actions_to_the_daemons_own(
        tmp_path: Path) -> None:
    flag = tmp_path / "broken"
    pool = ProcessEvaluator(functools.partial(broken_once, flag), workers=1,
                            expected=lambda: "sha256:fake",
                            fallback=ThreadEvaluator(lambda: _DaemonsEngine()))
    await pool.start()
    try:
        assert (await pool.evaluate(_action("ls", "a")))["policy_hash"] == "sha256:fake"
        flag.touch()  # the user's file breaks; the daemon keeps its policy
        for worker in list(pool._all):
            worker.process.kill()  # a worker goes (a budget kill, a crash)
            worker.process.join(10)
        # The action sent to it never started: it waits for the replacement, which cannot
        # load the broken file, and so it is the daemon's own policy that answers.
        answer = await pool.evaluate(_action("ls", "a"))
        assert answer["reason"] == "the daemon's policy" and answer["decision"] == "ALLOW"
        assert pool.disagreement is not None and "not YAML" in pool.disagreement
        answers = await asyncio.gather(*(pool.evaluate(_action("cat .env", str(i)))
                                         for i in range(4)))
        assert {a["reason"] for a in answers} == {"the daemon's policy"}
        assert {a["decision"] for a in answers} == {"DENY"}
    finally:
        pool.close()


async def test_the_pool_takes_over_again_once_the_file_is_put_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Undoing the edit reloads the policy already in force: nothing tells the pool, so it
    # tries a worker now and then while the daemon's own policy decides.
    monkeypatch.setattr(evaluator_pool, "PROBE_AFTER_S", 0.05)
    flag = tmp_path / "broken"
    flag.touch()
    pool = ProcessEvaluator(functools.partial(broken_once, flag), workers=1,
                            expected=lambda: "sha256:fake",
                            fallback=ThreadEvaluator(lambda: _DaemonsEngine()))
    await pool.start()
    try:
        assert pool.disagreement is not None
        assert (await pool.evaluate(_action("ls", "a")))["reason"] == "the daemon's policy"
        flag.unlink()
        for i in range(400):
            answer = await pool.evaluate(_action("ls", str(i)))
            if answer["policy_hash"] == "sha256:fake":
                break
            await asyncio.sleep(0.05)
        assert answer["policy_hash"] == "sha256:fake" and pool.disagreement is None
    finally:
        pool.close()


class _SlowEngine(_DaemonsEngine):
    def evaluate(self, action: Action) -> Any:
        import time

        time.sleep(1.5)
        return super().evaluate(action)


async def test_an_action_moved_to_the_fallback_keeps_the_one_budget(tmp_path: Path) -> None:
    flag = tmp_path / "broken"
    flag.touch()
    pool = ProcessEvaluator(functools.partial(broken_once, flag), workers=1, budget_s=0.5,
                            expected=lambda: "sha256:fake",
                            fallback=ThreadEvaluator(lambda: _SlowEngine(), budget_s=60))
    await pool.start()
    try:
        with pytest.raises(Overtime):  # the fallback's own 60 s do not extend the action's
            await pool.evaluate(_action("ls", "a"))
    finally:
        pool.close()


async def test_the_pool_grows_for_requests_kept_waiting_up_to_its_maximum(
        tmp_path: Path) -> None:
    gate = tmp_path / "open"
    pool = ProcessEvaluator(fake_engine, workers=1, max_workers=3, budget_s=60)
    await pool.start()
    try:
        # Five analyses that hold their worker until the gate opens, from five sessions: the
        # first takes the one worker, the others wait and the pool grows to its maximum.
        slow = [asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", f"s{i}")))
                for i in range(5)]
        for _ in range(3000):  # a bound for a broken pool, not a speed check
            if len(pool._all) == 3 and not pool._starting:
                break
            await asyncio.sleep(0.01)
        assert len(pool._all) == 3 and not any(task.done() for task in slow)
        gate.touch()
        results = await asyncio.gather(*slow)
        assert all(r["decision"] == "ALLOW" for r in results)
        assert len(pool._all) == 3 and pool._grow_timer is None
    finally:
        pool.close()


# -- several calls on one busy worker -----------------------------------------------------------

@contextlib.asynccontextmanager
async def _started(engine: Any, **options: Any) -> AsyncIterator[ProcessEvaluator]:
    pool = ProcessEvaluator(engine, **options)
    await pool.start()
    try:
        yield pool
    finally:
        pool.close()


def _deepest(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many calls each send found in flight on its worker (recorded as they are sent)."""
    seen: list[int] = []
    send = evaluator_pool._Worker.send

    def counting(worker: Any, message: bytes) -> Any:
        seen.append(worker.in_flight)
        return send(worker, message)

    monkeypatch.setattr(evaluator_pool._Worker, "send", counting)
    return seen


async def _soon(done: Callable[[], bool]) -> None:
    """Wait until `done()` holds, for at most 5 s (a bound for a broken pool, not a speed
    check: the caller asserts it)."""
    for _ in range(500):
        if done():
            return
        await asyncio.sleep(0.01)


async def _later(pool: ProcessEvaluator, command: str, session: str) -> Any:
    await asyncio.sleep(0.002)  # the call before it is on the worker, just begun
    return await pool.evaluate(_action(command, session))


def _behind_a_slow_one(pool: ProcessEvaluator, gate: Path,
                       *commands: str) -> tuple[asyncio.Future[Any], list[asyncio.Future[Any]]]:
    """An analysis lasting until `gate` exists, then (once it is on its worker) `commands`
    from other sessions: (the slow one, the others) as tasks."""
    slow = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "bomb")))
    return slow, [asyncio.ensure_future(_later(pool, command, f"s{i}"))
                  for i, command in enumerate(commands)]


async def test_a_busy_worker_takes_several_calls_and_each_gets_its_own_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _deepest(monkeypatch)
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=60) as pool:
        commands = [f"echo {i} {'x' * i}" for i in range(40)]
        answers = await asyncio.gather(*(pool.evaluate(_action(c, f"s{i}"))
                                         for i, c in enumerate(commands)))
        assert [a["reason"] for a in answers] == commands
        assert max(seen) > 1  # some went to the worker while it was on others
        assert max(seen) < evaluator_pool.DEPTH
        assert pool.killed == 0 and len(pool._all) == 1 and pool._idle == list(pool._all)


async def test_calls_waiting_behind_a_slow_analysis_move_to_another_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _deepest(monkeypatch)
    gate = tmp_path / "open"
    async with _started(echo_engine, workers=1, max_workers=2, budget_s=60) as pool:
        slow, quick = _behind_a_slow_one(pool, gate, "ls 0", "ls 1")
        answers = await asyncio.wait_for(asyncio.gather(*quick), 30)
        assert [a["reason"] for a in answers] == ["ls 0", "ls 1"]
        # Both were sent behind the slow one; moved, each went to a worker with nothing else.
        assert seen == [0, 1, 2, 0, 0]
        assert not slow.done()  # answered meanwhile, by the worker the pool grew
        gate.touch()
        assert (await slow)["reason"] == f"wait-for {gate}"
        assert pool.killed == 0


async def test_calls_behind_one_cut_off_are_answered_by_another_worker(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluator_pool, "MOVE_AFTER_S", 60.0)  # they stay until it is cut off
    seen = _deepest(monkeypatch)
    never = tmp_path / "never"
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=60) as pool:
        runaway, quick = _behind_a_slow_one(pool, never, "ls 0", "ls 1")
        await asyncio.sleep(0.05)
        assert seen == [0, 1, 2]
        old = next(iter(pool._all))
        runaway.cancel()  # the worker is on it: it goes, with it
        with pytest.raises(asyncio.CancelledError):
            await runaway
        assert old.gone and not old.process.is_alive()
        # Not denied for the runaway's sake: evaluated again, on the worker that replaced it.
        answers = await asyncio.wait_for(asyncio.gather(*quick), 30)
        assert [a["reason"] for a in answers] == ["ls 0", "ls 1"]
        assert len(pool._all) == 1 and old not in pool._all


async def test_a_call_given_up_behind_another_leaves_that_worker_working(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = _deepest(monkeypatch)
    gate = tmp_path / "open"
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=60) as pool:
        first, [behind] = _behind_a_slow_one(pool, gate, "ls")
        await asyncio.sleep(0.05)
        assert seen == [0, 1]
        behind.cancel()  # its caller went away: the worker is on the other one
        with pytest.raises(asyncio.CancelledError):
            await behind
        worker = next(iter(pool._all))
        assert not worker.gone and worker.process.is_alive()
        gate.touch()
        assert (await first)["reason"] == f"wait-for {gate}"
        assert (await pool.evaluate(_action("ls again", "c")))["reason"] == "ls again"
        assert pool.killed == 0 and pool._all == {worker}


async def test_a_call_nobody_waits_for_any_more_still_has_a_budget(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Given up while it waited behind another, a runaway analysis is still cut off at its
    budget once the worker gets to it."""
    seen = _deepest(monkeypatch)
    gate, never = tmp_path / "open", tmp_path / "never"
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=1.0) as pool:
        first = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "a")))
        await asyncio.sleep(0.002)
        runaway = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {never}", "b")))
        await asyncio.sleep(0.05)
        assert seen == [0, 1]
        runaway.cancel()
        worker = next(iter(pool._all))
        gate.touch()  # the worker answers the first, then goes on to the runaway
        assert (await first)["reason"] == f"wait-for {gate}"
        await _soon(lambda: worker.gone)
        assert worker.gone and pool.killed == 1
        assert (await pool.evaluate(_action("ls", "c")))["reason"] == "ls"


async def test_a_call_whose_worker_died_unnoticed_goes_to_a_new_one() -> None:
    """The worker died and the daemon has not read its end yet: the call's write fails, and
    the call, never started, is evaluated by the worker that replaces it."""
    import signal

    async with _started(echo_engine, workers=1, max_workers=1, budget_s=60) as pool:
        dead = next(iter(pool._all))
        os.kill(dead.process.pid, signal.SIGKILL)
        dead.process.join(10)  # without a turn of the loop: its reader has not seen it go
        assert not dead.gone
        assert (await pool.evaluate(_action("ls", "a")))["reason"] == "ls"
        assert dead.gone and dead not in pool._all


# -- a hostile session against the pipelining (from review) --------------------------------------

async def test_a_runaway_moved_off_a_worker_is_cut_off_there_too(tmp_path: Path) -> None:
    """A slow action, then within 20 ms a runaway behind it: the runaway moves after
    MOVE_AFTER_S, but its bytes stay in the first worker's pipe. When the slow one ends, that
    worker goes on to the runaway: it is cut off at the budget, and others are answered."""
    gate, never = tmp_path / "open", tmp_path / "never"
    async with _started(fake_engine, workers=1, max_workers=2, budget_s=1.5) as pool:
        try:
            first = next(iter(pool._all))
            slow, [runaway] = _behind_a_slow_one(pool, gate, f"wait-for {never}")
            await asyncio.sleep(0.6)
            gate.touch()
            assert (await slow)["decision"] == "ALLOW"
            with pytest.raises(Overtime):
                await runaway
            assert (await pool.evaluate(_action("ls", "innocent")))["decision"] == "ALLOW"
            await _soon(lambda: first.gone)
            assert first.gone and first not in pool._all and not first.process.is_alive()
        finally:
            never.touch()


async def test_a_worker_that_dies_on_a_call_nobody_waits_for_is_replaced(
        tmp_path: Path) -> None:
    import signal

    gate, never = tmp_path / "open", tmp_path / "never"
    async with _started(fake_engine, workers=1, max_workers=1, budget_s=30) as pool:
        try:
            worker = next(iter(pool._all))
            slow, [given_up] = _behind_a_slow_one(pool, gate, f"wait-for {never}")
            await asyncio.sleep(0.05)
            given_up.cancel()  # its client went away; it stays in the pipe behind the slow one
            gate.touch()
            await slow  # the worker is on the call nobody waits for now
            os.kill(worker.process.pid, signal.SIGKILL)  # a crash, the OOM killer
            await _soon(lambda: worker not in pool._all)
            assert worker not in pool._all
            assert (await pool.evaluate(_action("ls", "innocent")))["decision"] == "ALLOW"
        finally:
            never.touch()


async def test_calls_promised_a_busy_worker_count_against_its_pipe(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes waiting unread behind the call a worker is on never pass PIPE_ROOM, also when
    several waiters are handed the worker at once."""
    behind: list[int] = []
    send = evaluator_pool._Worker.send

    def recording(worker: Any, message: bytes) -> Any:
        answer = send(worker, message)
        behind.append(worker.unread - worker._answers[0][1])
        return answer

    monkeypatch.setattr(evaluator_pool._Worker, "send", recording)
    gate, never = tmp_path / "open", tmp_path / "never"
    async with _started(fake_engine, workers=1, max_workers=1, budget_s=5) as pool:
        try:
            first = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "x1")))
            await asyncio.sleep(0.002)
            second = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {never}", "x2")))
            # No longer fresh: the next ones wait.
            await asyncio.sleep(evaluator_pool.FRESH_S + 0.05)
            big = [asyncio.ensure_future(pool.evaluate(_action("ls " + "y" * 30000, f"b{i}")))
                   for i in range(3)]
            await asyncio.sleep(0.05)
            gate.touch()
            await first
            await asyncio.sleep(0.05)
            assert max(behind) <= evaluator_pool.PIPE_ROOM
        finally:
            never.touch()
            for task in [second, *big]:
                task.cancel()


async def test_no_call_waits_in_a_pipe_that_cannot_hold_it(tmp_path: Path) -> None:
    """A worker whose socket has a small send buffer (macOS gives 8 KiB) takes no call behind
    another that would fill it: the daemon's write never blocks its event loop."""
    import socket
    import threading
    import time

    gate = tmp_path / "open"
    async with _started(fake_engine, workers=1, max_workers=1, budget_s=5) as pool:
        try:
            worker = next(iter(pool._all))
            sock = socket.socket(fileno=os.dup(worker.conn.fileno()))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            sock.close()
            worker.room = evaluator_worker._send_room(worker.conn)  # as if made with that buffer
            assert 0 < worker.room < 20000
            slow = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "x1")))
            await asyncio.sleep(0.002)
            threading.Timer(2.0, gate.touch).start()  # the way out, were the loop blocked
            started = time.monotonic()
            big = asyncio.ensure_future(pool.evaluate(_action("ls " + "y" * 20000, "x2")))
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            assert time.monotonic() - started < 0.5
            gate.touch()
            await slow, await big
        finally:
            gate.touch()


# -- a second review of the pipelining -----------------------------------------------------------

def crashing_once(flag: Path) -> Any:
    """A policy loader that crashes the worker (no 'failed' message) once `flag` exists:
    a segfault in a C parser, the OOM killer, a load that raises SystemExit."""
    if flag.exists():
        os._exit(3)
    return FakeEngine()


async def test_a_worker_crashing_at_start_is_not_respawned_in_a_tight_loop(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spawned = []
    spawn = ProcessEvaluator._spawn

    def counting(self: Any) -> Any:
        spawned.append(1)
        return spawn(self)

    monkeypatch.setattr(ProcessEvaluator, "_spawn", counting)
    flag = tmp_path / "broken"
    pool = ProcessEvaluator(functools.partial(crashing_once, flag), workers=1,
                            expected=lambda: "sha256:fake",
                            fallback=ThreadEvaluator(lambda: _DaemonsEngine()))
    await pool.start()
    try:
        flag.touch()
        pool.reload()  # or: the one worker is killed at its budget
        await asyncio.sleep(3.0)
        assert len(spawned) <= 3
    finally:
        flag.unlink()
        pool.close()
        await asyncio.sleep(1)
        for t in list(pool._tasks):
            t.cancel()


async def test_a_moved_call_handed_a_free_worker_is_not_overtaken_by_a_newcomer(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """7b5814e: a moved call waits for a worker of its own. When _release hands it the free
    worker, that worker counts as 'busy and fresh' (taken == 1 from the promise, working_since
    = the answer just read), so a call whose step runs before the moved call's wakeup takes the
    fast path (_sharable), is sent first and is the head; the moved call lands behind it."""
    seen = _deepest(monkeypatch)
    gate, gate2 = tmp_path / "open", tmp_path / "open2"
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=30) as pool:
        try:
            w = next(iter(pool._all))
            slow = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "x")))
            await asyncio.sleep(0.002)
            moved = asyncio.ensure_future(pool.evaluate(_action("ls B", "b")))
            await asyncio.sleep(0.4)  # behind the slow one past MOVE_AFTER_S: moved
            assert seen == [0, 1] and pool._waiting and pool._waiting[0][2] is False
            newcomer: list[Any] = []
            release = w._on_answer

            def hook(worker: Any) -> None:
                release(worker)
                if not newcomer and worker.promised and not pool._waiting:
                    # what the step of a request scheduled before the moved call's wakeup
                    # does in _acquire's fast path and _evaluate (no await in between)
                    message = evaluator_worker.eval_message(_action(f"wait-for {gate2}", "d"))
                    other = pool._sharable(len(message))
                    if other is not None:
                        other.promise(len(message))
                        newcomer.append(other.send(message))

            w._on_answer = hook
            gate.touch()
            await slow
            await asyncio.sleep(1.0)
            assert not newcomer, "the newcomer was sent ahead of the moved call"
            assert (await asyncio.wait_for(moved, 10))["reason"] == "ls B"
        finally:
            gate.touch()
            gate2.touch()


async def test_a_send_that_finds_the_worker_dead_does_not_deny_an_answered_call(
        tmp_path: Path) -> None:
    """In flight on w: A (answered, the answer still unread in the socket) and B, on which w
    died. A call D sent before the loop reads w's end gets EPIPE, and _evaluate's
    `except OSError: self._lost(worker)` fails the calls without reading what w wrote: A (done
    and answered) is failed as the call w 'was on', B (what w died on) is Moved, so it is
    retried on another worker. The EOF path (_readable) reads A's answer first, and fails B."""
    import select
    import signal
    import time

    never = tmp_path / "never"
    async with _started(echo_engine, workers=1, max_workers=1, budget_s=30) as pool:
        try:
            w = next(iter(pool._idle))
            pool._idle.remove(w)
            calls = []
            for command in ("ls A", f"wait-for {never}"):
                message = evaluator_worker.eval_message(_action(command, "s"))
                w.promise(len(message))
                calls.append(w.send(message))
            a, b = calls
            # no turn of the loop from here on: its reader has not read A's answer
            assert select.select([w.conn.fileno()], [], [], 10)[0]  # A's answer is there
            time.sleep(0.3)  # w is on B
            os.kill(w.process.pid, signal.SIGKILL)  # B crashes it
            w.process.join(10)
            message = evaluator_worker.eval_message(_action("ls D", "d"))
            w.promise(len(message))  # D, handed w (_sharable, or a waiter), as _evaluate does:
            try:
                w.send(message)
            except OSError:
                pool._lost(w)
            assert not isinstance(a.exception(), EvaluationFailed), \
                "A was answered by the worker, yet failed"
            assert not isinstance(b.exception(), Moved), \
                "B, the call the worker died on, moves to be retried on another worker"
        finally:
            never.touch()


async def test_a_cancelled_acquire_stays_cancelled(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """_acquire's except path calls waiter.result() for any waiter done and not cancelled:
    one failed by _disagree (PolicyDisagrees) re-raises that inside the handler, replacing the
    CancelledError of a caller cancelled in the same turn (its timeout, its client)."""
    monkeypatch.setattr(evaluator_pool, "FRESH_S", 0.0)  # the acquire waits: it joins no worker
    gate = tmp_path / "open"
    async with _started(fake_engine, workers=1, max_workers=1, budget_s=30) as pool:
        try:
            slow = asyncio.ensure_future(pool.evaluate(_action(f"wait-for {gate}", "x")))
            await asyncio.sleep(0.05)
            waiting = asyncio.ensure_future(pool._acquire(100))
            await asyncio.sleep(0.01)
            waiter = pool._waiting[0][0]
            waiter.set_exception(PolicyDisagrees("the file broke"))  # as _disagree does
            waiting.cancel()  # the same turn: its caller's budget ran out
            with pytest.raises(asyncio.CancelledError):
                await waiting
        finally:
            gate.touch()
            await slow
