"""A stand-in agent: one long-lived process that runs commands through `sh -c`, as coding agents
run their hooks and tools. Everything it runs descends from it, so the daemon (which learns
agents from their hooks' ancestry) takes it for the agent; the test process is the person.

    with StandInAgent(env) as agent:
        hook = agent.start("approvald hook claude-code", stdin=payload)   # in the background
        result = agent.run("python3 tools/x.py")                          # waits; .code, .stdout
        hook.wait()                                                       # .code, .stdout
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The agent: reads one JSON command a line; runs it through `sh -c`; answers one JSON line.
_AGENT = r'''
import json, subprocess, sys
jobs = {}
for line in sys.stdin:
    req = json.loads(line)
    if req["op"] == "start":
        stdin = open(req["stdin"], "rb") if req["stdin"] else subprocess.DEVNULL
        jobs[req["id"]] = subprocess.Popen(["sh", "-c", req["cmd"]], stdin=stdin,
                                           stdout=open(req["out"], "wb"),
                                           stderr=open(req["err"], "wb"))
        reply = {"id": req["id"], "pid": jobs[req["id"]].pid}
    elif req["op"] == "run":
        p = subprocess.run(["sh", "-c", req["cmd"]], capture_output=True,
                           input=req["input"].encode())
        reply = {"id": req["id"], "code": p.returncode, "stdout": p.stdout.decode(),
                 "stderr": p.stderr.decode()}
    else:
        p = jobs[req["job"]]
        try:
            code = p.wait(req["timeout"])
        except subprocess.TimeoutExpired:
            p.kill()
            code = None
        reply = {"id": req["id"], "code": code}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
'''


@dataclass
class Result:
    code: int | None
    stdout: str
    stderr: str


class Job:
    def __init__(self, agent: StandInAgent, job_id: int, out: Path, err: Path):
        self.agent = agent
        self.id = job_id
        self._out, self._err = out, err

    def wait(self, timeout: float = 60) -> Result:
        reply = self.agent._ask({"op": "wait", "job": self.id, "timeout": timeout})
        return Result(reply["code"], self._out.read_text(errors="replace"),
                      self._err.read_text(errors="replace"))


class StandInAgent:
    def __init__(self, env: dict[str, str], workdir: Path):
        self.env = env
        self.workdir = workdir
        self._next = 0
        self.proc = subprocess.Popen([sys.executable, "-c", _AGENT], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=workdir, text=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _ask(self, request: dict[str, object]) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._next += 1
        request["id"] = self._next
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise AssertionError("the stand-in agent died")
        reply: dict[str, object] = json.loads(line)
        return reply

    def start(self, command: str, stdin: bytes = b"") -> Job:
        stamp = time.monotonic_ns()
        inp = self.workdir / f"job-{stamp}.in"
        inp.write_bytes(stdin)
        out, err = self.workdir / f"job-{stamp}.out", self.workdir / f"job-{stamp}.err"
        reply = self._ask({"op": "start", "cmd": command, "stdin": str(inp), "out": str(out),
                           "err": str(err)})
        return Job(self, int(str(reply["id"])), out, err)

    def run(self, command: str, input: str = "") -> Result:
        reply = self._ask({"op": "run", "cmd": command, "input": input})
        code = reply["code"]
        return Result(int(str(code)), str(reply["stdout"]), str(reply["stderr"]))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> StandInAgent:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
