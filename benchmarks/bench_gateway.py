"""The MCP gateway's cost: per allowed call, against calling the upstream directly; its start;
its memory. Prints figures; a real daemon runs in a temporary home, the client is the SDK's
stdio client, the upstream a one-tool SDK server written to a temporary file.

    .venv/bin/python benchmarks/bench_gateway.py [--calls 1000] [--warmup 50]

Target: 5 ms or less gateway overhead at p50.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_daemon import BenchDaemon, approvald_exe

UPSTREAM = '''
from mcp.server.mcpserver import MCPServer
server = MCPServer("bench-upstream")

@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text

server.run()
'''


@asynccontextmanager
async def session(command: list[str], env: dict[str, str]) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=command[0], args=command[1:], env=env)
    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), \
                ClientSession(read, write, read_timeout_seconds=60) as client:
            await client.initialize()
            yield client


class Measured:
    start_s = 0.0
    latencies: list[float]
    rss_kib: int | None = None
    cpu_ms: dict[str, float]  # CPU time per call of each process taking part


async def measure(command: list[str], env: dict[str, str], calls: int, warmup: int,
                  daemon_pid: int) -> Measured:
    found = Measured()
    started = time.perf_counter()
    async with session(command, env) as client:
        found.start_s = time.perf_counter() - started
        for i in range(warmup):
            await client.call_tool("echo", {"text": f"warm {i}"})
        server = server_pid(command)
        pids = {"server": server, "daemon": daemon_pid, "client": os.getpid()}
        before = {name: cpu_s(pid) for name, pid in pids.items()}
        found.latencies = []
        for i in range(calls):
            t0 = time.perf_counter()
            result = await client.call_tool("echo", {"text": f"call {i}"})
            found.latencies.append((time.perf_counter() - t0) * 1000)
            if result.is_error:
                raise SystemExit(f"call {i} failed: {result.content}")
        found.cpu_ms = {name: (cpu_s(pid) - before[name]) * 1000 / calls
                        for name, pid in pids.items()}
        found.rss_kib = rss_kib(server)
    return found


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":", 1) for line in lines if ":" in line)


def server_pid(command: list[str]) -> int:
    """Our child process running `command` (Linux /proc)."""
    me = str(os.getpid())
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            parent = _status(int(status.parent.name)).get("PPid", "").strip()
            cmdline = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if parent == me and command[-1].encode() in cmdline:
            return int(status.parent.name)
    raise SystemExit(f"no process runs {command}")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (its children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> int:
    return int(_status(pid)["VmRSS"].split()[0])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="adg-") as scratch, BenchDaemon() as daemon:
        upstream = Path(scratch) / "upstream.py"
        upstream.write_text(UPSTREAM, encoding="utf-8")
        direct = [sys.executable, str(upstream)]
        gateway = [*approvald_exe(), "mcp", "wrap", "--name", "bench", "--", *direct]
        env = dict(daemon.env)
        assert daemon.proc is not None
        pid = daemon.proc.pid
        direct_run = anyio.run(measure, direct, env, opts.calls, opts.warmup, pid)
        gateway_run = anyio.run(measure, gateway, env, opts.calls, opts.warmup, pid)
        decisions = daemon.client().status()["decisions"]
    d_lat, g_lat = direct_run.latencies, gateway_run.latencies
    print(f"calls: {opts.calls} sequential (after {opts.warmup} warm-up), tool `echo`, "
          f"daemon decisions made: {decisions}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")
    print(f"{'':>18} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for label, values in (("direct", d_lat), ("through gateway", g_lat)):
        print(f"{label:>18} {percentile(values, 50):8.2f} {percentile(values, 99):8.2f} "
              f"{statistics.fmean(values):8.2f}")
    print(f"{'overhead':>18} {percentile(g_lat, 50) - percentile(d_lat, 50):8.2f} "
          f"{percentile(g_lat, 99) - percentile(d_lat, 99):8.2f} "
          f"{statistics.fmean(g_lat) - statistics.fmean(d_lat):8.2f}")
    cpu = gateway_run.cpu_ms
    print(f"CPU per call through the gateway: gateway {cpu['server']:.2f} ms, daemon "
          f"{cpu['daemon']:.2f} ms (direct: upstream {direct_run.cpu_ms['server']:.2f} ms)")
    print(f"start to an initialized session: direct {direct_run.start_s:.2f} s, through the "
          f"gateway {gateway_run.start_s:.2f} s")
    print(f"RSS: gateway process {gateway_run.rss_kib} KiB; the upstream alone "
          f"{direct_run.rss_kib} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
