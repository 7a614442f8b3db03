"""What evaluates an action for the daemon: off the event loop, within a budget.

It holds the `Evaluator` interface the daemon's use cases call and `Overtime` (an evaluation
past its budget, which is a DENY), `process_context` (where the daemon's worker processes come
from), `ThreadEvaluator` (the engine on threads: the budget without the kill, where worker
processes cannot be started, as in a frozen build without multiprocessing support, and the
pool's fallback) and `StartingEvaluator` (in place while the pool starts, so the daemon listens
at once). The pool of worker processes that evaluates in the normal case is `evaluator_pool`.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from approvald.daemon.aio import within
from approvald.model import limits
from approvald.model.actions import Action

if TYPE_CHECKING:
    from approvald.daemon.evaluator_pool import ProcessEvaluator

log = logging.getLogger("approvald.daemon")

THREADS = 4  # ThreadEvaluator's own threads (the loop's default executor serves the routes)

__all__ = ["Evaluator", "Overtime", "StartingEvaluator", "ThreadEvaluator", "process_context"]


class Overtime(Exception):
    """The evaluation ran past its budget."""


class Evaluator(Protocol):
    async def evaluate(self, action: Action) -> dict[str, Any]: ...

    def reload(self) -> None: ...

    def close(self) -> None: ...


def process_context() -> Any:
    """Where the daemon's worker processes (evaluators, the audit writer) come from.
    forkserver: they fork from a small clean process (never from the threaded daemon); spawn
    where there is no fork (Windows) and on macOS (its default)."""
    method = "forkserver" if sys.platform.startswith("linux") else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["approvald.daemon.evaluator_worker", "approvald.policy",
                                        "approvald.audit.process"])
    return context


class StartingEvaluator:
    """The evaluator while the worker processes start, so the daemon can listen at once (its
    status and event stream answer; the dashboard connects): an evaluation waits for them
    within its budget, then runs on them, or on `fallback` (a budgeted thread) when they did
    not start. `ready` is told which one took over."""

    def __init__(self, pool: ProcessEvaluator, fallback: Evaluator,
                 ready: Callable[[Evaluator], None] | None = None,
                 budget_s: float = limits.EVALUATION_TIMEOUT_S):
        self.pool = pool
        self.fallback = fallback
        self.budget_s = budget_s
        self._reload = False
        self._ready = ready
        self._chosen: asyncio.Future[Evaluator] = asyncio.ensure_future(self._start())

    async def _start(self) -> Evaluator:
        try:
            await self.pool.start()
        except Exception as exc:
            self.pool.close()
            log.warning("evaluating in threads: worker processes did not start (%s)", exc)
            chosen: Evaluator = self.fallback
        else:
            chosen = self.pool
            if self._reload:  # the policy changed while they loaded it
                self.pool.reload()
        if self._ready is not None:
            self._ready(chosen)
        return chosen

    async def evaluate(self, action: Action) -> dict[str, Any]:
        try:
            chosen = await within(asyncio.shield(self._chosen), self.budget_s)
        except asyncio.TimeoutError:
            raise Overtime(f"the evaluator did not start within {self.budget_s:.0f} s") from None
        return await chosen.evaluate(action)

    def reload(self) -> None:
        if self._chosen.done():
            self._chosen.result().reload()
        else:
            self._reload = True

    def close(self) -> None:
        self._chosen.cancel()
        self.pool.close()


class ThreadEvaluator:
    """The engine on a worker thread with the same budget (the answer comes in time; a
    runaway analysis cannot be killed, and finishes on its own)."""

    def __init__(self, engine: Callable[[], Any], budget_s: float | None = None):
        self._engine = engine
        self.budget_s = budget_s  # None: limits.EVALUATION_TIMEOUT_S as it is then
        # Its own threads: runaway analyses fill these, not the executor the routes use (a
        # policy reload, say).
        self._threads: Any = None

    async def evaluate(self, action: Action) -> dict[str, Any]:
        engine = self._engine()
        budget = self.budget_s if self.budget_s is not None else limits.EVALUATION_TIMEOUT_S
        if self._threads is None:
            from concurrent.futures import ThreadPoolExecutor

            self._threads = ThreadPoolExecutor(THREADS, thread_name_prefix="approvald-eval")
        loop = asyncio.get_running_loop()
        try:
            decision = await asyncio.wait_for(
                loop.run_in_executor(self._threads, engine.evaluate, action), budget)
        except asyncio.TimeoutError:
            raise Overtime(f"over {budget:.0f} s") from None
        return dict(decision.to_json())

    def reload(self) -> None:
        pass

    def close(self) -> None:
        if self._threads is not None:  # what still runs finishes on its own
            self._threads.shutdown(wait=False, cancel_futures=True)
