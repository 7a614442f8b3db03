"""Issue 17's figures, side by side in one run, each against a bare interpreter started the same
way in the same run.

    python3 benchmarks/bench_speed.py [--exe PATH/TO/approvald] [--binary DIST/approvald]
                                      [--onedir DIST/approvald/approvald] [--runs 30] [--smoke]

Standard library only, driving an approvald installation from outside as an agent and a person
would (a real daemon in a temporary home, real hook processes, the real dashboard in a pseudo
terminal), so the same script measures an older checkout too (`--exe` that tree's console
script). The hook is run exactly as `approvald install claude-code` writes it (read from
`install --dry-run --json`), from a stand-in agent process that times each run itself; the bare
interpreter is timed by the same process, interleaved with the hooks so machine noise hits both.

Figures (targets in issue 17):
  hook, daemon up, allowed action        median, ratio to `python -c pass`   (<= 1.2x)
  hook, no daemon (local evaluation)     median, ratio                       (<= 4x)
  daemon, 20 concurrent hook clients     decisions/s and p99 latency          (>= 2,000/s, < 40 ms)
  policy test --jsonl, one process       median decisions/s of --policy-runs  (>= 6,000/s)
  binaries (when given): --version and the hook they install               (hook < 0.15 s)
  dashboard until "daemon connected"     daemon running / dashboard starts it (< 1 s)

`--smoke` runs every figure briefly and checks the answers (CI: it works, not how fast).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_policy import payload_lines, used_home  # noqa: E402
from speedkit import (  # noqa: E402
    AgentRunner,
    dashboard_until_connected,
    hook_payload,
    run_load,
)

# Environment markers agents set (approvald.agents.*.env_markers): a process carrying one is
# refused the operator's side, and the dashboard is the operator.
AGENT_MARKERS = ("CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT")


def interpreter_of(exe: str) -> str:
    """The Python a console script runs (its `#!` line); this one for anything else."""
    try:
        with open(exe, "rb") as fh:
            first = fh.readline(4096)
    except OSError:
        return sys.executable
    if first.startswith(b"#!"):
        words = shlex.split(first[2:].decode(errors="replace"))
        if words and os.path.basename(words[0]).startswith("python"):
            return words[0]
    return sys.executable


class Home:
    """A temporary HOME and APPROVALD_HOME for one installation."""

    def __init__(self, exe: str, name: str = "adspeed-"):
        self.exe = exe
        self.dir = Path(tempfile.mkdtemp(prefix=name, dir="/tmp"))
        (self.dir / "home").mkdir()
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("APPROVALD_") and k not in AGENT_MARKERS}
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)  # installed wheels have their bytecode
        self.env.update(HOME=str(self.dir / "home"), APPROVALD_HOME=str(self.dir / "ad"),
                        XDG_CONFIG_HOME=str(self.dir / "home" / ".config"))
        self.daemon: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([self.exe, *args], env=self.env, capture_output=True,
                              timeout=timeout)

    def hook_argv(self, agent: str = "claude-code") -> list[str]:
        """The hook command `approvald install AGENT` writes, as words."""
        out = self.cli("install", agent, "--dry-run", "--json")
        if out.returncode != 0:
            raise SystemExit(f"install --dry-run failed: {out.stderr.decode()[-400:]}")
        return shlex.split(json.loads(out.stdout)["command"])

    def start(self) -> None:
        self.daemon = subprocess.Popen([self.exe, "daemon"], env=self.env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait_answering()

    def wait_answering(self, limit_s: float = 60) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            if self.cli("status", "--json", timeout=20).returncode == 0:
                return
            time.sleep(0.1)
        raise SystemExit("the daemon did not answer")

    def stop(self) -> None:
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.terminate()
            try:
                self.daemon.wait(20)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
        self.daemon = None

    @property
    def socket(self) -> str:
        return str(self.dir / "ad" / "run" / "approvald.sock")

    @property
    def client_token(self) -> str:
        return (self.dir / "ad" / "state" / "client.token").read_text().strip()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@contextmanager
def home(exe: str) -> Iterator[Home]:
    h = Home(exe)
    try:
        yield h
    finally:
        h.close()


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def allowed(stdout: str) -> bool:
    """Claude Code's reading of the hook's stdout: empty or `allow` lets the tool run."""
    text = stdout.strip()
    if not text:
        return True
    try:
        return bool(json.loads(text)["hookSpecificOutput"]["permissionDecision"] == "allow")
    except (ValueError, KeyError, TypeError):
        return False


def hook_vs_bare(runner: AgentRunner, hook: list[str], bare: list[str], env: dict[str, str],
                 runs: int, warm: int = 3) -> tuple[float, float]:
    """(median hook seconds, median bare seconds), interleaved; every hook run must allow."""
    payload = hook_payload("ls -la")
    hooks: list[float] = []
    bares: list[float] = []
    for i in range(warm + runs):
        seconds, code, out, err = runner.run(hook, env, payload)
        if code != 0 or not allowed(out):
            raise SystemExit(f"the hook did not allow `ls -la` (exit {code}): {out!r} {err!r}")
        bare_seconds, *_ = runner.run(bare, env)
        if i >= warm:
            hooks.append(seconds)
            bares.append(bare_seconds)
    return statistics.median(hooks), statistics.median(bares)


def policy_rates(exe: str, lines: int, repeats: int) -> list[float]:
    """`policy test --from claude-code --jsonl -` over the corpus, `repeats` times: decisions/s
    of each run, one process each (a single run on a shared machine is one noisy sample)."""
    text = payload_lines(lines)
    stdin = ("\n".join(text) + "\n").encode()
    rates = []
    with used_home([exe]) as env:
        for _ in range(repeats):
            started = time.perf_counter()
            proc = subprocess.run([exe, "policy", "test", "--from", "claude-code", "--jsonl", "-"],
                                  input=stdin, capture_output=True, env=env, timeout=600)
            elapsed = time.perf_counter() - started
            printed = proc.stdout.count(b"\n")
            if proc.returncode != 0 or printed != len(text):
                raise SystemExit(f"policy test failed ({proc.returncode}, {printed} lines): "
                                 f"{proc.stderr.decode()[-400:]}")
            rates.append(len(text) / elapsed)
    return rates


def binary_figures(runner: AgentRunner, binary: str, bare: list[str], runs: int,
                   label: str) -> list[str]:
    """--version and the hook the binary installs, against a daemon the binary runs."""
    rows = []
    with home(binary) as h:
        versions = []
        for _ in range(runs):
            seconds, code, out, _ = runner.run([binary, "--version"], h.env)
            if code != 0 or not out.startswith("approvald "):
                raise SystemExit(f"{binary} --version: {out!r}")
            versions.append(seconds)
        h.start()
        hook = h.hook_argv()
        hook_s, bare_s = hook_vs_bare(runner, hook, bare, h.env, runs)
    rows.append(f"{label} --version (median)         {median_ms(versions):8.1f} ms")
    rows.append(f"{label} hook, daemon up (median)   {hook_s * 1000:8.1f} ms   "
                f"{hook_s / bare_s:5.2f}x python   (target < 150 ms)   [{shlex.join(hook)}]")
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exe", default=shutil.which(
        "approvald", path=os.path.dirname(sys.executable)) or "approvald")
    parser.add_argument("--python", help="the bare interpreter (default: the one --exe runs)")
    parser.add_argument("--binary", help="a one-file build to measure too")
    parser.add_argument("--onedir", help="a one-folder build's executable to measure too")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--dashboard-runs", type=int, default=5)
    parser.add_argument("--policy-runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true",
                        help="every figure briefly, answers checked (CI)")
    opts = parser.parse_args()
    if opts.smoke:
        opts.runs, opts.seconds, opts.lines, opts.dashboard_runs = 2, 1.0, 300, 1
        opts.policy_runs = 1
    exe = os.path.abspath(opts.exe)
    python = opts.python or interpreter_of(exe)
    bare = [python, "-c", "pass"]
    rows = [f"approvald: {exe}", f"python:    {python}",
            f"machine:   {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"]
    with AgentRunner() as runner:
        with home(exe) as h:
            hook = h.hook_argv()
            rows.append(f"hook command (as install writes it): {shlex.join(hook)}")
            h.start()
            up_s, bare_up = hook_vs_bare(runner, hook, bare, h.env, opts.runs)
            h.stop()
            local_s, bare_local = hook_vs_bare(runner, hook, bare, h.env, opts.runs)
        rows.append(f"python -c pass (median)                 {bare_up * 1000:8.1f} ms")
        rows.append(f"hook, daemon up, allowed (median)       {up_s * 1000:8.1f} ms   "
                    f"{up_s / bare_up:5.2f}x python   (target <= 1.2x)")
        rows.append(f"hook, no daemon, local (median)         {local_s * 1000:8.1f} ms   "
                    f"{local_s / bare_local:5.2f}x python   (target <= 4x)")
        with home(exe) as h:
            h.start()
            load = run_load(runner, python, h, opts.clients, opts.seconds)
        rows.append(f"daemon, {opts.clients} concurrent hook clients  {load['rate']:8.0f} "
                    f"decisions/s, p50 {load['p50'] * 1000:.1f} ms, p99 "
                    f"{load['p99'] * 1000:.1f} ms   (target >= 2,000/s, p99 < 40 ms)")
        rates = policy_rates(exe, opts.lines, opts.policy_runs)
        rows.append(f"policy test --jsonl, one process        {statistics.median(rates):8.0f} "
                    f"decisions/s   (target >= 6,000/s; median of {len(rates)} runs, "
                    f"{min(rates):.0f}-{max(rates):.0f})")
        for label, binary in (("one-file", opts.binary), ("one-folder", opts.onedir)):
            if binary:
                rows += binary_figures(runner, os.path.abspath(binary), bare, opts.runs, label)
        running, starting = [], []
        for _ in range(opts.dashboard_runs):
            with home(exe) as h:
                h.start()
                running.append(dashboard_until_connected(exe, h.env))
            with home(exe) as h:
                starting.append(dashboard_until_connected(exe, h.env, stops_daemon=True))
        rows.append(f"dashboard until connected, daemon up    {median_ms(running):8.1f} ms   "
                    "(target < 1 s)")
        rows.append(f"dashboard until connected, starts it    {median_ms(starting):8.1f} ms   "
                    "(target < 1 s)")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
