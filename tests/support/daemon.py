"""The daemon, for tests: a real `approvald daemon` process (`RunningDaemon`) with hooks run as
real processes, and an in-process context over ASGI (`make_context`, `asgi_client`) with a
small fake policy engine."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from approvald.daemon.app import create_app
from approvald.daemon.context import DaemonContext, Engine
from approvald.install.hookcommand import hook_command
from approvald.model.actions import Action
from approvald.model.decisions import APPROVED
from approvald.paths import Paths, get_paths
from approvald.policy import load_engine
from approvald.policy.decision import Decision
from approvald.settings import Settings
from approvald.storage.database import Database
from approvald.wire.client import DaemonClient
from approvald.wire.errors import DaemonUnavailable
from tests.support.payloads import claude_code_payload

T = TypeVar("T")

START_TIMEOUT_S = 30
HOOK_TIMEOUT_S = 60
TOKEN = "operator-token-for-tests"


# -- in process -------------------------------------------------------------------------------

class FakeEngine:
    """`ls` allowed, reading .env denied, `git push` needs approval; everything else allowed.
    `wait-for PATH` is a slow analysis: it takes until PATH exists (at most a minute)."""

    policy_hash = "sha256:fake"

    def evaluate(self, action: Action) -> Decision:
        text = action.command or " ".join(action.paths)
        if text.startswith("wait-for "):
            gate = Path(text.split(" ", 1)[1])
            deadline = time.monotonic() + 60
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        if "git push" in text:
            verdict, rule, reason = "REQUIRE_APPROVAL", "git-push", "pushing needs a person"
        elif ".env" in text:
            verdict, rule, reason = "DENY", "secrets-env", "reading .env is denied"
        else:
            verdict, rule, reason = "ALLOW", "default", "allowed"
        return Decision(verdict, reason, (rule,), action.fingerprint, self.policy_hash)


class ListAudit:
    """An audit sink that keeps records in a list."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        self.records.append(record)
        return record

    def events(self) -> list[str]:
        return [r["event"] for r in self.records]


def make_context(paths: Paths | None = None, *, audit: Any = None,
                 engine_loader: Callable[[], Engine] = FakeEngine,
                 approval_timeout_s: int = 30, load: bool = True) -> DaemonContext:
    """A daemon context over this home's real database; close with `ctx.database.close()`."""
    paths = paths or get_paths()
    ctx = DaemonContext(paths=paths, settings=Settings(approval_timeout_s=approval_timeout_s),
                        database=Database(paths.database),
                        audit=audit if audit is not None else ListAudit(),
                        engine_loader=engine_loader, token=TOKEN)
    if load:
        ctx.reload_policy()
    return ctx


def policy_context() -> DaemonContext:
    """A daemon context deciding with the real policy (starter and this home's files)."""
    paths = get_paths()
    return make_context(paths, engine_loader=lambda: load_engine(paths))


@asynccontextmanager
async def asgi_client(ctx: DaemonContext) -> AsyncIterator[httpx.AsyncClient]:
    """The daemon app over ASGI, with the operator's token."""
    app = create_app(ctx)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://approvald",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        yield client


def decide_body(command: str, session: str = "s1", cwd: str = "/work/proj",
                wait: bool = True) -> dict[str, Any]:
    """A /v1/decide body for a Bash command from Claude Code."""
    return {"agent": "claude-code", "wait": wait,
            "payload": claude_code_payload(command, session=session, cwd=cwd)}


# -- real processes ---------------------------------------------------------------------------

def cli_argv() -> list[str]:
    """How to run the CLI as a user would: the installed console script."""
    exe = shutil.which("approvald", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "approvald"]


def hook_argv(exe: list[str], agent: str = "claude-code",
              event: str | None = None) -> list[str]:
    """The hook command for `agent` (and `event`, one besides the pre-tool decision) as a user
    meets it: what `approvald install` writes (the fast entry) when `exe` is the installed CLI,
    else `exe hook AGENT [EVENT]` (a binary, say)."""
    if exe == cli_argv():
        return shlex.split(hook_command(agent, event=event))
    return [*exe, "hook", agent, *([event] if event else [])]


def hook_payload(command: str | None = None, *, session: str = "sess-1", cwd: str = "/tmp",
                 tool: str = "Bash", tool_input: dict[str, Any] | None = None) -> bytes:
    """A PreToolUse payload as Claude Code sends it, as bytes for a hook's stdin."""
    return json.dumps(claude_code_payload(command, session=session, cwd=cwd, tool=tool,
                                          tool_input=tool_input)).encode()


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPROVALD_")}
    env["APPROVALD_HOME"] = str(home)
    env.update(extra)
    return env


class RunningDaemon:
    def __init__(self, exe: list[str], home: Path, **env: str):
        self.exe = exe
        self.home = home
        self.env = env_for(home, **env)
        self.paths = get_paths(self.env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.output = home / f"daemon-{time.monotonic_ns()}.out"

    def start(self) -> RunningDaemon:
        with self.output.open("wb") as out:
            self.proc = subprocess.Popen([*self.exe, "daemon"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        client = DaemonClient(self.paths, timeout=2)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"daemon exited {self.proc.returncode}: {self.log()}")
            try:
                if client.status()["pid"] == self.proc.pid:
                    return self
            except DaemonUnavailable:
                pass
            time.sleep(0.05)
        self.proc.kill()
        raise AssertionError(f"daemon did not answer in {START_TIMEOUT_S} s: {self.log()}")

    def log(self) -> str:
        try:
            return self.output.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise AssertionError(f"daemon ignored signal {sig}: {self.log()}") from None

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def client(self) -> DaemonClient:
        return DaemonClient(self.paths, timeout=10)

    def cli(self, *args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.exe, *args], env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def ensure_stopped(self) -> None:
        """Teardown: never leave a daemon behind, whatever the test did."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(AssertionError):
                self.stop()
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(5)

    def wait_pending(self, count: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = self.client().approvals()
            if len(items) >= count:
                return items
            time.sleep(0.05)
        raise AssertionError(f"expected {count} pending approvals; log: {self.log()}")


def clean_daemon(prefix: str) -> Iterator[RunningDaemon]:
    """A daemon in a fresh home, for a module's fixture (`yield from`): stopped afterwards, its
    log holding no traceback."""
    home = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    daemon = RunningDaemon(cli_argv(), home).start()
    yield daemon
    daemon.ensure_stopped()
    assert "Traceback" not in daemon.log(), daemon.log()
    shutil.rmtree(home, ignore_errors=True)


def daemon_or_local(mode: str, running: RunningDaemon, home: Path) -> dict[str, str]:
    """The environment of a hook or gateway that asks `running` (mode "daemon"), or that
    decides locally in `home` ("no-daemon")."""
    return running.env if mode == "daemon" else env_for(home)


def wait_until(check: Callable[[], Any], what: str = "the condition",
               timeout: float = 15) -> Any:
    """Poll `check` until it returns something true, and return that (AssertionError naming
    `what` after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# A stand-in agent: a process that runs its arguments as a child and waits, as an agent runs
# its hooks. The daemon learns the agent from the hook's ancestry, so hooks must never run as
# children of the test process itself: the CLI the test then runs "as the person" would
# descend from that agent and be refused (CONTRACT.md, "Approvals").
STAND_IN_AGENT = [sys.executable, "-c",
                  "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"]


def as_agent(command: list[str], shell: bool = True) -> list[str]:
    """`command` run by a stand-in agent process, through `sh -c` as agents do."""
    if shell and sys.platform != "win32":
        return [*STAND_IN_AGENT, "sh", "-c", '"$0" "$@"', *command]
    return [*STAND_IN_AGENT, *command]


def run_hook(exe: list[str], env: dict[str, str], payload: bytes,
             timeout: float = HOOK_TIMEOUT_S) -> tuple[int, dict[str, Any] | None, str]:
    """Run `approvald hook claude-code` under a stand-in agent; (exit code, hookSpecificOutput
    or None, stderr)."""
    code, out, err = run_raw(exe, env, payload, timeout=timeout)
    return code, _hook_output(out), err


def run_raw(exe: list[str], env: dict[str, str], payload: bytes, agent: str = "claude-code",
            timeout: float = HOOK_TIMEOUT_S, event: str | None = None) -> tuple[int, str, str]:
    """Run the hook for `agent` [and `event`] (`hook_argv`) under a stand-in agent; (exit code,
    stdout, stderr). The hook may stop reading (an oversized payload): that is not an error
    here."""
    proc = subprocess.run(as_agent(hook_argv(exe, agent, event)), input=payload, env=env,
                          capture_output=True, timeout=timeout)
    return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(
        errors="replace")


def start_hook(exe: list[str], env: dict[str, str], payload: bytes,
               agent: str = "claude-code", event: str | None = None) -> subprocess.Popen[bytes]:
    """The hook under a stand-in agent, in a process group of its own (`kill_tree`)."""
    proc = subprocess.Popen(as_agent(hook_argv(exe, agent, event)), stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=sys.platform != "win32")
    assert proc.stdin is not None
    proc.stdin.write(payload)
    proc.stdin.close()
    return proc


def kill_tree(proc: subprocess.Popen[Any]) -> None:
    """Kill a started hook and its stand-in agent (the agent gave up on the tool call)."""
    if sys.platform == "win32":
        proc.kill()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def finish_raw(proc: subprocess.Popen[bytes], timeout: float = HOOK_TIMEOUT_S) -> tuple[
        int, str, str]:
    """(exit code, stdout, stderr) of a hook started by `start_hook`, killed past `timeout`."""
    assert proc.stdout is not None and proc.stderr is not None
    try:
        proc.wait(timeout)  # a hook's output is small: the pipes never fill
    finally:
        if proc.poll() is None:
            kill_tree(proc)
            proc.wait(10)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def finish_hook(proc: subprocess.Popen[bytes], timeout: float = HOOK_TIMEOUT_S) -> tuple[
        int, dict[str, Any] | None]:
    code, out, _ = finish_raw(proc, timeout)
    return code, _hook_output(out)


def _hook_output(stdout: str) -> dict[str, Any] | None:
    text = stdout.strip()
    if not text:
        return None
    doc = json.loads(text)
    out = doc["hookSpecificOutput"]
    assert out["hookEventName"] == "PreToolUse"
    assert out["permissionDecision"] in ("allow", "deny", "ask")
    return dict(out)




def fake_engine() -> FakeEngine:
    """A picklable engine loader for evaluator worker processes."""
    return FakeEngine()


async def approved_in_process(ctx: DaemonContext, asking: Awaitable[T]) -> T:
    """Run `asking` (a decision or prompt that waits for a person), approve the approval it
    opens as the CLI would, and return its answer."""
    task = asyncio.ensure_future(asking)
    for _ in range(500):
        pending = ctx.approvals.list()
        if pending:
            break
        await asyncio.sleep(0.01)
    assert pending, "no approval was opened"
    ctx.approval_decided(ctx.approvals.decide(pending[0].id, APPROVED, by="cli"))
    return await asyncio.wait_for(task, 10)
