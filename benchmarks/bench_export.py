"""OTLP export: does it slow decisions, and what does it cost? Prints figures.

    .venv/bin/python benchmarks/bench_export.py [--decisions 400] [--clients 20] [--seconds 3]

1. Decision latency (one decision per connection, one after another) and throughput (20
   concurrent clients) through a real daemon: export off; to a healthy collector; to a port
   nothing listens on (down); to a collector that accepts and never answers (hung). Export must
   not move these figures; the status counts after each run are printed with them.
2. What a producer pays per record: approvald's `Exporter.offer_audit`, and, when the
   OpenTelemetry SDK is installed (`pip install opentelemetry-sdk
   opentelemetry-exporter-otlp-proto-http`), the SDK's `Logger.emit` into its
   BatchLogRecordProcessor with the OTLP/HTTP exporter, for the same attributes.
   Records/s delivered to a local collector.
3. How late an event loop's 1 ms timer fires in the process that exports a burst of records
   (the daemon's loop shares the GIL with the export thread), against the same loop idle.
4. The import time of each pipeline.

The collectors here are minimal local HTTP servers (answer 200 without decoding, or hang), so
their own cost stays out of the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench_daemon import BenchDaemon, hook_payload, throughput

from approvald.telemetry.config import ExportConfig
from approvald.telemetry.exporter import Exporter

# -- local collectors -------------------------------------------------------------------------


def serve(mode: str) -> None:
    """Run a collector that answers 200 (`ok`) or never answers (`hung`); print its URL."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if mode == "hung":
                threading.Event().wait(3600)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


@contextmanager
def collector(mode: str) -> Iterator[str]:
    """A collector in its own process (so that its work is not counted as the daemon's or the
    load generator's)."""
    proc = subprocess.Popen([sys.executable, __file__, "--serve", mode], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.kill()
        proc.wait(10)


def closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"  # nothing listens there once the socket is closed


# -- 1. decisions through a real daemon ---------------------------------------------------------

def decision_latencies(daemon: BenchDaemon, count: int) -> list[float]:
    async def one(i: int) -> float:
        body = json.dumps({"agent": "claude-code", "wait": False,
                           "payload": json.loads(hook_payload(f"ls -la dir{i}"))}).encode()
        request = (b"POST /v1/decide HTTP/1.1\r\nHost: approvald\r\nConnection: close\r\n"
                   b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                   % (len(body), body))
        started = time.perf_counter()
        reader, writer = await asyncio.open_unix_connection(str(daemon.paths.unix_socket))
        writer.write(request)
        await writer.drain()
        data = await reader.read()
        writer.close()
        if not data.startswith(b"HTTP/1.1 200"):
            raise SystemExit(f"a decision failed: {data[:200]!r}")
        return time.perf_counter() - started

    async def run() -> list[float]:
        return [await one(i) for i in range(count)]

    return asyncio.run(run())


def daemon_run(name: str, env: dict[str, str], opts: argparse.Namespace) -> None:
    with BenchDaemon(APPROVALD_DOCTOR_WATCH="0", **env) as daemon:
        time.sleep(1.0)
        decision_latencies(daemon, 50)  # warm up
        latencies = sorted(decision_latencies(daemon, opts.decisions))
        before, cpu_before = daemon.client().status()["decisions"], cpu_s(daemon)
        rate = throughput(daemon, opts.clients, opts.seconds)
        status = daemon.client().status()
        cpu_per_decision = (cpu_s(daemon) - cpu_before) / (status["decisions"] - before)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    export = status.get("export")
    counts = (f"sent {export['sent']:6d} dropped {export['dropped']:6d} queued "
              f"{export['queued']:5d}" if export else "export off")
    print(f"  {name:<18} p50 {p50:5.2f} ms  p99 {p99:6.2f} ms  {rate:5.0f}/s  daemon CPU "
          f"{cpu_per_decision * 1e6:5.0f} us/decision  {counts}")


def cpu_s(daemon: BenchDaemon) -> float:
    """User + system CPU seconds the daemon process (all its threads) has used."""
    assert daemon.proc is not None
    stat = Path(f"/proc/{daemon.proc.pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- 2. what a producer pays ----------------------------------------------------------------------

def _audit_record(i: int) -> dict[str, Any]:
    return {"event": "decision", "seq": i, "ts": "2026-01-02T03:04:05.678Z",
            "hash": "sha256:" + "a" * 64, "agent": "claude-code", "session_id": "sess-1",
            "cwd": "/tmp/project", "tool": "Bash", "kind": "process.exec",
            "summary": f"npm test -- --grep case{i}", "decision": "ALLOW", "rules": ["r1"],
            "reason": "No rule matched; the policy's default is ALLOW.",
            "fingerprint": "sha256:" + "b" * 64, "policy_hash": "sha256:" + "c" * 64,
            "call_id": f"toolu_{i}"}


def _attributes(i: int) -> dict[str, Any]:
    from approvald.telemetry.records import from_audit

    event = from_audit(_audit_record(i), lambda cwd: cwd)
    assert event is not None
    return dict(event.attributes)


def ours(url: str, records: int) -> tuple[float, float]:
    """(microseconds per offer, records/s delivered) for approvald's exporter."""
    config = ExportConfig(logs_url=url + "/v1/logs", max_queue_size=records + 1,
                          schedule_delay_s=0.2)
    exporter = Exporter(config, project=lambda cwd: cwd).start()
    items = [_audit_record(i) for i in range(records)]
    started = time.perf_counter()
    for item in items:
        exporter.offer_audit(item)
    offer_us = (time.perf_counter() - started) / records * 1e6
    while exporter.status()["sent"] + exporter.status()["dropped"] < records:
        time.sleep(0.005)
    rate = records / (time.perf_counter() - started)
    exporter.stop()
    return offer_us, rate


def sdk(url: str, records: int) -> tuple[float, float] | None:
    """The same through the OpenTelemetry SDK's logs pipeline, or None when not installed."""
    try:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    except ImportError:
        return None
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(BatchLogRecordProcessor(
        OTLPLogExporter(endpoint=url + "/v1/logs"), max_queue_size=records + 1,
        schedule_delay_millis=200))
    logger = provider.get_logger("approvald")
    attributes = [_attributes(i) for i in range(records)]
    started = time.perf_counter()
    for attrs in attributes:
        logger.emit(event_name="approvald.decision", body="ALLOW: npm test",
                    attributes=attrs)
    offer_us = (time.perf_counter() - started) / records * 1e6
    provider.force_flush()
    rate = records / (time.perf_counter() - started)
    provider.shutdown()
    return offer_us, rate


def loop_overshoot_ms(url: str | None, records: int) -> tuple[float, float]:
    """(median, p99) ms by which a 1 ms asyncio timer fires late while `records` records are
    exported from this process (url None: the same loop for 2 s, nothing exported)."""
    done = threading.Event()

    async def probe() -> list[float]:
        late = []
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(time.perf_counter() - started - 0.001)
        return late

    async def run() -> list[float]:
        task = asyncio.create_task(probe())
        if url is None:
            await asyncio.sleep(2.0)
        else:
            exporter = Exporter(ExportConfig(logs_url=url + "/v1/logs",
                                             max_queue_size=records + 1, schedule_delay_s=0.05),
                                project=lambda cwd: cwd).start()
            for i in range(records):
                exporter.offer_audit(_audit_record(i))
                if i % 50 == 0:
                    await asyncio.sleep(0)
            while exporter.status()["sent"] < records:
                await asyncio.sleep(0.01)
            exporter.stop()
        done.set()
        return await task

    late = sorted(asyncio.run(run()))
    return statistics.median(late) * 1000, late[int(len(late) * 0.99)] * 1000


def import_ms(statement: str, runs: int = 7) -> float:
    """Median wall time of a fresh interpreter running `statement`, less a bare one."""
    def timed(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    bare = statistics.median(timed("pass") for _ in range(runs))
    return (statistics.median(timed(statement) for _ in range(runs)) - bare) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=2, help="daemon runs per condition")
    parser.add_argument("--serve", choices=("ok", "hung"), help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.serve:
        serve(opts.serve)
        return 0

    print("1. decisions through a real daemon (sequential latency; throughput with "
          f"{opts.clients} clients)")
    for _ in range(opts.rounds):  # interleaved, so a neighbour's load spreads over all
        daemon_run("export off", {}, opts)
        with collector("ok") as url:
            daemon_run("collector healthy", {"OTEL_EXPORTER_OTLP_ENDPOINT": url}, opts)
        daemon_run("collector down", {"OTEL_EXPORTER_OTLP_ENDPOINT": closed_port()}, opts)
        with collector("hung") as url:
            daemon_run("collector hung", {"OTEL_EXPORTER_OTLP_ENDPOINT": url,
                                          "OTEL_BLRP_MAX_QUEUE_SIZE": "2048"}, opts)

    print(f"2. per record, {opts.records} records to a local collector")
    with collector("ok") as url:
        offer_us, rate = ours(url, opts.records)
        print(f"  approvald Exporter.offer_audit  {offer_us:7.2f} us/record on the producer; "
              f"{rate:8.0f} records/s delivered")
        measured = sdk(url, opts.records)
        if measured is None:
            print("  OpenTelemetry SDK: not installed (see the docstring)")
        else:
            print(f"  SDK Logger.emit + Batch + OTLP  {measured[0]:7.2f} us/record on the "
                  f"producer; {measured[1]:8.0f} records/s delivered")

    print("3. a 1 ms event-loop timer in the exporting process: how late it fires")
    idle = loop_overshoot_ms(None, 0)
    print(f"  idle loop                      median {idle[0]:6.2f} ms  p99 {idle[1]:6.2f} ms")
    with collector("ok") as url:
        for _ in range(2):
            busy = loop_overshoot_ms(url, opts.records)
            print(f"  exporting {opts.records} records     median {busy[0]:6.2f} ms  "
                  f"p99 {busy[1]:6.2f} ms")

    print("4. import time in a fresh interpreter (median of 7, less a bare interpreter)")
    ours_ms = import_ms("import approvald.telemetry.exporter, approvald.telemetry.sender, "
                        "approvald.telemetry.otlp")
    print(f"  approvald exporter + sender + otlp (httpx, protobuf): {ours_ms:7.1f} ms")
    try:
        sdk_ms = import_ms("import opentelemetry.sdk._logs, "
                           "opentelemetry.exporter.otlp.proto.http._log_exporter")
        print(f"  OpenTelemetry SDK logs + OTLP/HTTP exporter:          {sdk_ms:7.1f} ms")
    except subprocess.CalledProcessError:
        print("  OpenTelemetry SDK: not installed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
