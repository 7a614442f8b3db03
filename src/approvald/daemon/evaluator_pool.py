"""The pool of worker processes that evaluates the daemon's actions (its `ProcessEvaluator`).

The policy analysis of a 9-byte command can explode (package scripts that call package
scripts, shells in shells): the shell and policy code bound their own expansions, and this is
the daemon's backstop. Every action is evaluated in a worker process:

- a budget per evaluation (`limits.EVALUATION_TIMEOUT_S`): a worker past it is killed (its
  memory goes with it) and replaced, and the action is DENY (`approvald-evaluation-timeout`);
- a memory ceiling per worker (`WORKER_MEMORY_BYTES`, Linux `RLIMIT_AS`): an analysis that
  outgrows it fails in the worker, not in the daemon, and the action is DENY;
- at most `PER_SESSION` evaluations of one agent session at once, and the pool grows (up to
  `max_workers`) when a request has waited `GROW_AFTER_S` for a free worker, so one session's
  slow analysis leaves workers for every other session's decisions (a burst of quick ones
  just queues: starting a worker costs more than waiting for one);
- each worker loads the policy itself and reloads it when the daemon does; it must be the
  policy the daemon has in force (the hash a worker reports when ready is compared with the
  daemon's). When no worker can have it (the user's file broke since the daemon loaded it,
  so a replacement worker cannot load it, or loads another), actions are evaluated on the
  daemon's own policy by `fallback` (a budgeted thread) until a reload brings them back.

A decision costs one round trip over a pipe (about 0.1 ms, benchmarks/bench_security.py); the
workers evaluate in parallel, on every core. Under load a busy worker takes several calls at
once (`DEPTH`; evaluator_worker says why), and a call it cannot start soon moves to another;
every call a worker works on has the budget, also one nobody waits for any more. The worker's
side of the pipe is `evaluator_worker`; the interface, the thread evaluator and the one that
stands in while the pool starts are `evaluator`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from approvald.daemon.aio import within
from approvald.daemon.evaluator import Evaluator, Overtime, process_context
from approvald.daemon.evaluator_worker import (
    EvaluationFailed,
    Moved,
    PolicyDisagrees,
    _Worker,
    eval_message,
)
from approvald.model import limits
from approvald.model.actions import Action

log = logging.getLogger("approvald.daemon")

WORKER_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
PER_SESSION = 2
GROW_AFTER_S = 0.25  # a wait for a free worker this long starts another (up to max_workers)
# While no worker can have the daemon's policy, one is tried this often: the file that kept
# them from it may have been put back, and a reload to the policy already in force changes
# nothing the daemon would tell the pool about.
PROBE_AFTER_S = 10.0
# Under load a busy worker takes up to DEPTH calls at once (evaluator_worker says why), only
# while the one it is on began under FRESH_S ago, and never more bytes than its pipe holds
# unread (the daemon's write must not block). A call that waits behind one running
# MOVE_AFTER_S moves to another worker.
DEPTH = 4
FRESH_S = 0.02
MOVE_AFTER_S = GROW_AFTER_S
PIPE_ROOM = 32 * 1024

__all__ = ["ProcessEvaluator"]


class ProcessEvaluator:
    def __init__(self, load: Callable[[], Any], *, workers: int = 2, max_workers: int = 6,
                 budget_s: float = limits.EVALUATION_TIMEOUT_S,
                 memory: int = WORKER_MEMORY_BYTES,
                 expected: Callable[[], str | None] | None = None,
                 fallback: Evaluator | None = None):
        self._load = load
        # The policy hash the daemon has in force, and who evaluates while no worker has it.
        self._expected = expected or (lambda: None)
        self.fallback = fallback
        self.disagreement: str | None = None  # why no worker can have the daemon's policy
        self._context = process_context()
        self._min = workers
        self._max = max(workers, max_workers)
        self.budget_s = budget_s
        self._memory = memory
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        # (waiter, its call's size, whether it may share a busy worker), first come first
        self._waiting: list[tuple[asyncio.Future[_Worker], int, bool]] = []
        self._watching: dict[_Worker, asyncio.TimerHandle] = {}  # calls wait behind its one
        # When each waiter began to wait, and the one timer that grows the pool for those
        # waiting GROW_AFTER_S (one for the pool, not a timer and a shield per request).
        self._since: dict[asyncio.Future[_Worker], float] = {}
        self._grow_timer: asyncio.TimerHandle | None = None
        self._sessions: dict[str, asyncio.Semaphore] = {}
        self._starting = 0
        self._tasks: set[asyncio.Future[Any]] = set()
        self.killed = 0
        self._next_probe = 0.0

    async def start(self) -> None:
        """Start the first workers (raises when they cannot start)."""
        workers = [self._spawn() for _ in range(self._min)]
        try:
            await asyncio.gather(*(w.started(self._expected) for w in workers))
        except PolicyDisagrees as exc:
            for worker in workers:
                self._drop(worker)
            if self.fallback is None:
                raise
            log.error("evaluator: the workers cannot have the daemon's policy (%s); evaluating "
                      "on the daemon's own until the policy is reloaded", exc)
            self._disagree(str(exc))
            return
        except BaseException:
            for worker in workers:
                self._drop(worker)
            raise
        self._idle.extend(workers)

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self._load, self._memory, on_answer=self._release,
                         on_gone=self._lost)
        self._all.add(worker)
        return worker

    def _drop(self, worker: _Worker) -> None:
        self._all.discard(worker)
        with contextlib.suppress(ValueError):
            self._idle.remove(worker)
        timer = self._watching.pop(worker, None)
        if timer is not None:
            timer.cancel()
        worker.kill()
        # The call it was on fails (it may be why the worker went); the others go to another.
        worker.fail(EvaluationFailed("the evaluator went away"))

    def _lost(self, worker: _Worker) -> None:
        """`worker` cannot be trusted (it is gone, or was cut off mid-answer): dropped, and
        the pool kept at its size."""
        if worker not in self._all:
            return
        self._drop(worker)
        if len(self._all) < self._min:
            self._background(self._replace())

    async def _grow(self) -> None:
        self._starting += 1
        worker = self._spawn()
        try:
            await worker.started(self._expected)
        except PolicyDisagrees:
            self._drop(worker)
            if not worker.stale:
                raise
            # The policy changed while it loaded: another loads the one now in force.
            self._background(self._replace())
            return
        except BaseException:
            self._drop(worker)
            raise
        finally:
            self._starting -= 1
        self.disagreement = None
        self._release(worker)

    def _release(self, worker: _Worker) -> None:
        """`worker` answered (or started, or a call promised it was given up): it takes
        what waits, as far as it can, and is idle once it has nothing to do."""
        if worker.gone or worker not in self._all:
            return
        given_up = worker.on_a_call_given_up()
        if given_up is not None:  # nobody waits for it, but it has a budget all the same
            asyncio.get_running_loop().call_later(self.budget_s, self._past_budget, worker,
                                                  given_up)
        if worker.stale:  # the policy changed while it worked (or it failed): replaced
            # What waits behind its call goes to a fresh one; after an error, its call too.
            worker.move_waiting(current_too=worker.failed)
            if not worker.works_for_someone():
                self._drop(worker)
                self._background(self._replace())
            return
        while self._waiting and self._can_take(worker, *self._waiting[0][1:]):
            waiter, size, _ = self._waiting.pop(0)
            if not waiter.done():
                worker.promise(size)
                waiter.set_result(worker)
        if not worker.taken:
            self._idle.append(worker)

    def _past_budget(self, worker: _Worker, call: asyncio.Future[Any]) -> None:
        if not worker.gone and worker.working_on(call):
            log.warning("evaluator: a worker spent its budget on an action nobody waits for")
            self.killed += 1
            self._lost(worker)

    def _can_take(self, worker: _Worker, size: int, share: bool = True) -> bool:
        """Whether `worker` may take one more call of `size` bytes now (when it is busy, only
        a call that may `share` it)."""
        if not worker.taken:
            return True
        if not share:
            return False
        loop = asyncio.get_running_loop()
        return (worker.ready and not worker.stale and not worker.gone
                and worker.taken < DEPTH
                and worker.unread + worker.reserved + size <= min(PIPE_ROOM, worker.room)
                and loop.time() - worker.working_since < FRESH_S)

    def _sharable(self, size: int) -> _Worker | None:
        """The busy worker with the fewest calls that may take one more, or None. One just
        handed to a waiter is not: that call goes first."""
        best = None
        for worker in self._all:
            if worker.taken and not worker.promised and self._can_take(worker, size) \
                    and (best is None or worker.taken < best.taken):
                best = worker
        return best

    def _watch(self, worker: _Worker) -> None:
        """Calls wait behind the one `worker` is on: they move if it runs MOVE_AFTER_S."""
        if worker in self._watching:
            return
        loop = asyncio.get_running_loop()
        self._watching[worker] = loop.call_at(worker.working_since + MOVE_AFTER_S,
                                              self._check_stuck, worker)

    def _check_stuck(self, worker: _Worker) -> None:
        self._watching.pop(worker, None)
        if worker.in_flight < 2 or worker.gone:
            return
        if asyncio.get_running_loop().time() - worker.working_since >= MOVE_AFTER_S:
            worker.move_waiting()
        else:
            self._watch(worker)

    async def _replace(self) -> None:
        try:
            await self._grow()
        except PolicyDisagrees as exc:
            if self.disagreement is None:  # said once, not at every probe
                log.error("evaluator: a worker cannot have the daemon's policy (%s); "
                          "evaluating on the daemon's own until one can", exc)
            self._disagree(str(exc))
        except Exception as exc:
            log.error("evaluator: a worker did not start (%s)", exc)

    def _disagree(self, why: str) -> None:
        """No worker can have the daemon's policy: with none left, what waits for one goes to
        the fallback (and so does every action, until a reload)."""
        if self.fallback is None:
            return
        self.disagreement = why
        if self._all:
            return
        waiting, self._waiting = self._waiting, []
        for waiter, _, _ in waiting:
            if not waiter.done():
                waiter.set_exception(PolicyDisagrees(why))

    def _disagrees(self) -> bool:
        return self.disagreement is not None and not self._all and self.fallback is not None

    def _probe(self) -> None:
        """While the fallback evaluates, start a worker now and then (PROBE_AFTER_S): once one
        has the daemon's policy again, the pool takes over."""
        now = asyncio.get_running_loop().time()
        if self._starting or now < self._next_probe:
            return
        self._next_probe = now + PROBE_AFTER_S
        self._background(self._replace())

    async def _acquire(self, size: int, share: bool = True) -> _Worker:
        """A worker for a call of `size` bytes, promised to it: an idle one, else (with nobody
        waiting before, and when it may `share` one) a busy one that may take it, else the
        first that can."""
        if not self._waiting:
            worker = self._idle.pop() if self._idle else self._sharable(size) if share else None
            if worker is not None:
                worker.promise(size)
                return worker
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[_Worker] = loop.create_future()
        self._waiting.append((waiter, size, share))
        self._since[waiter] = loop.time()
        if self._grow_timer is None:
            self._grow_timer = loop.call_later(GROW_AFTER_S, self._grow_due)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                waiter.result().unpromise(size)
                self._release(waiter.result())
            with contextlib.suppress(ValueError):
                self._waiting.remove((waiter, size, share))
            raise
        finally:
            self._since.pop(waiter, None)

    def _grow_due(self) -> None:
        """A burst waits for a worker to come free (cheaper than starting one); a wait of
        GROW_AFTER_S means the workers are stuck on slow analyses: the pool grows, a worker
        for each request waiting that long (beyond those starting), up to max_workers. The
        timer comes back for the next waiter's turn."""
        self._grow_timer = None
        loop = asyncio.get_running_loop()
        due = loop.time() - GROW_AFTER_S
        waiting = [w for w, _, _ in self._waiting if not w.done() and w in self._since]
        overdue = sum(1 for w in waiting if self._since[w] <= due)
        if self.disagreement is None:
            for _ in range(min(overdue - self._starting, self._max - len(self._all))):
                self._background(self._replace())
        later = [self._since[w] for w in waiting if self._since[w] > due]
        if later:
            self._grow_timer = loop.call_at(min(later) + GROW_AFTER_S, self._grow_due)

    def _session(self, key: str) -> asyncio.Semaphore:
        semaphore = self._sessions.get(key)
        if semaphore is None:
            if len(self._sessions) > 1024:  # forget sessions with nothing in flight
                for name, sem in list(self._sessions.items()):
                    if sem._value == PER_SESSION:
                        del self._sessions[name]
            semaphore = self._sessions[key] = asyncio.Semaphore(PER_SESSION)
        return semaphore

    async def evaluate(self, action: Action) -> dict[str, Any]:
        """The decision's JSON; Overtime past the budget (the worker is killed). One budget
        for the action, also when it moves to the fallback on the way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget_s
        if not self._disagrees():
            try:
                return await within(self._evaluate(action), self.budget_s)
            except asyncio.TimeoutError:
                self.killed += 1
                raise Overtime(f"over {self.budget_s:.0f} s") from None
            except PolicyDisagrees:
                if not self._disagrees():
                    raise
        assert self.fallback is not None
        self._probe()
        try:
            return await within(self.fallback.evaluate(action), max(0.0, deadline - loop.time()))
        except asyncio.TimeoutError:
            raise Overtime(f"over {self.budget_s:.0f} s") from None

    async def _evaluate(self, action: Action) -> dict[str, Any]:
        message = eval_message(action)
        async with self._session(action.session_id or action.agent):
            share = True
            while True:
                worker = await self._acquire(len(message), share)
                try:
                    answer = worker.send(message)
                except OSError:  # it is gone (dropped for another call's sake, or its pipe
                    # broke): the call never started there
                    self._lost(worker)
                    share = False
                    continue
                if worker.in_flight > 1:
                    self._watch(worker)
                try:
                    status, result = await answer
                except Moved:
                    share = False  # it never started there: on to a worker of its own
                    continue
                except BaseException:
                    # Past its budget, cut off or failed: a worker on it (or gone) cannot be
                    # trusted to be idle; one that was still on another call goes on with it.
                    if worker.gone or worker.working_on(answer):
                        self._lost(worker)
                    raise
                if status != "ok":
                    raise EvaluationFailed(str(result))
                decision: dict[str, Any] = result
                return decision

    def reload(self) -> None:
        """The policy changed: idle workers are replaced now, busy ones when they finish
        (the calls waiting behind theirs go to the new ones, which have the new policy)."""
        self.disagreement = None  # the new workers say whether they have it
        for worker in list(self._all):
            worker.stale = True
            worker.move_waiting()
        for worker in list(self._idle):
            self._drop(worker)
        for _ in range(max(0, self._min - len(self._all))):
            self._background(self._replace())

    def close(self) -> None:
        if self._grow_timer is not None:
            self._grow_timer.cancel()
            self._grow_timer = None
        for worker in list(self._all):
            with contextlib.suppress(Exception):
                worker.conn.send(None)
            self._drop(worker)
