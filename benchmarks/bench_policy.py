"""Policy decisions per second over the Claude Code corpus.

    .venv/bin/python benchmarks/bench_policy.py [--lines 5000] [--check]

Measures, with the corpus repeated to about `--lines` payloads:
  1. `approvald policy test --from claude-code --jsonl -` in one process, wall time of the whole
     subprocess (interpreter start, imports, policy load and every evaluation included), in a
     home where approvald has run before (`used_home`: its parsed-policy cache is there);
  2. the same with the corpus repeated verbatim (every cache warm after the first copy);
  3. in-process `engine.evaluate(adapter(payload))`, after the engine is loaded.
No two Bash lines are alike in (1) and (3): see `payload_lines`.
The target is >= 4,000 decisions/s for (1) (issue 12). `--check` exits 1 when it is missed.
On a busy machine the wall-clock figure drops; the per-CPU-second figure shows the cost itself.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus" / "claude_code.jsonl"
FAKE_HOME = "/home/dev"
CORPUS_APPROVALD_HOME = "/tmp/ad-corpus-home"
TARGET = 4000.0


def payload_lines(total: int, distinct: bool = True, corpus: Path = CORPUS) -> list[str]:
    """The corpus repeated to about `total` payloads.

    With `distinct`, the k-th copy of each Bash command gets k leading spaces: bash runs the same
    thing, but no line repeats, so a cache keyed on the command text cannot flatter the figure.
    """
    entries = [
        json.loads(line)["payload"]
        for line in corpus.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    repeats = max(1, round(total / len(entries)))
    lines = []
    for k in range(repeats):
        for payload in entries:
            if distinct and k and payload["tool_name"] == "Bash":
                payload = copy.deepcopy(payload)
                payload["tool_input"]["command"] = " " * k + payload["tool_input"]["command"]
            lines.append(json.dumps(payload, ensure_ascii=False))
    return lines


def approvald_argv() -> list[str]:
    exe = shutil.which("approvald", path=os.path.dirname(sys.executable))
    return [exe] if exe else [sys.executable, "-m", "approvald"]


def corpus_env() -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = FAKE_HOME
    env["APPROVALD_HOME"] = CORPUS_APPROVALD_HOME
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed approvald has its bytecode
    return env


@contextmanager
def used_home(argv: list[str]) -> Iterator[dict[str, str]]:
    """The corpus's APPROVALD_HOME as on a machine where approvald has run before: its state
    directory exists and holds the parsed-policy cache (one line is checked first to write
    it). What this made is removed afterwards (the corpus tests expect no such directory)."""
    home = Path(CORPUS_APPROVALD_HOME)
    made = [p for p in (home, home / "state") if not p.exists()]
    (home / "state").mkdir(mode=0o700, parents=True, exist_ok=True)
    env = corpus_env()
    try:
        subprocess.run([*argv, "policy", "test", "--from", "claude-code", "--jsonl", "-"],
                       input=payload_lines(1)[0].encode() + b"\n", capture_output=True,
                       env=env, timeout=120, check=True)
        yield env
    finally:
        if made:
            shutil.rmtree(made[0], ignore_errors=True)


def bench_cli(lines: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + system) of the subprocess, and lines printed."""
    stdin = ("\n".join(lines) + "\n").encode("utf-8")
    argv = [*approvald_argv(), "policy", "test", "--from", "claude-code", "--jsonl", "-"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, input=stdin, capture_output=True, env=env,
                          timeout=600, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"policy test failed ({proc.returncode}): "
                 f"{proc.stderr.decode('utf-8', 'replace')[-500:]}")
    outputs = proc.stdout.decode("utf-8").count("\n")
    if outputs != len(lines):
        sys.exit(f"policy test printed {outputs} lines for {len(lines)} inputs")
    return elapsed, cpu, outputs


def bench_in_process(lines: list[str]) -> tuple[float, float, float, int]:
    os.environ.update({"HOME": FAKE_HOME, "APPROVALD_HOME": CORPUS_APPROVALD_HOME})
    from approvald.agents import payload_reader
    from approvald.policy import load_engine

    start = time.perf_counter()
    engine = load_engine(include_user=False)
    load_seconds = time.perf_counter() - start
    adapter = payload_reader("claude-code")
    payloads = [json.loads(line) for line in lines]
    start, cpu_start = time.perf_counter(), time.process_time()
    for payload in payloads:
        engine.evaluate(adapter(payload))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return load_seconds, wall, cpu, len(payloads)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000, help="payloads to evaluate")
    parser.add_argument("--check", action="store_true", help=f"exit 1 below {TARGET:.0f}/s")
    parser.add_argument("--corpus", type=Path, default=CORPUS,
                        help="another corpus file (to compare figures across corpus versions)")
    args = parser.parse_args(argv)

    lines = payload_lines(args.lines, corpus=args.corpus)
    print(f"machine: {platform.machine()} {platform.system()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    shown = args.corpus.relative_to(ROOT) if args.corpus.is_relative_to(ROOT) else args.corpus
    print(f"corpus: {shown} repeated to {len(lines)} payloads "
          "(no two Bash lines alike)")

    with used_home(approvald_argv()) as env:
        cli_seconds, cli_cpu, count = bench_cli(lines, env)
        same = payload_lines(args.lines, distinct=False, corpus=args.corpus)
        same_seconds, same_cpu, same_count = bench_cli(same, env)
    cli_rate = count / cli_seconds
    print(f"policy test --jsonl (one process, start-up included): {count} decisions in "
          f"{cli_seconds:.2f} s = {cli_rate:,.0f} decisions/s (target >= {TARGET:,.0f}/s); "
          f"CPU {cli_cpu:.2f} s = {count / cli_cpu:,.0f} decisions per CPU-second")

    print(f"policy test --jsonl, corpus repeated verbatim (caches warm): {same_count} decisions "
          f"in {same_seconds:.2f} s = {same_count / same_seconds:,.0f} decisions/s; "
          f"{same_count / same_cpu:,.0f} per CPU-second")

    load_seconds, eval_seconds, eval_cpu, n = bench_in_process(lines)
    print(f"in-process evaluate(), no two Bash lines alike: {n} decisions in {eval_seconds:.2f} s"
          f" = {n / eval_seconds:,.0f} decisions/s ({eval_seconds / n * 1e6:.0f} us each; "
          f"engine load {load_seconds * 1000:.0f} ms); {n / eval_cpu:,.0f} per CPU-second")

    if args.check and cli_rate < TARGET:
        print(f"FAIL: {cli_rate:,.0f}/s is below the target of {TARGET:,.0f}/s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
