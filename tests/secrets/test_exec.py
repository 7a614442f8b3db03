"""`run_redacted`: injection, redaction of stdout and stderr, exit codes, signal forwarding."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from approvald.secrets.exec import run_redacted

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell and signals")

VALUE = "s3cr3t-Value/with+chars=="
SECRETS = [("TOKEN", VALUE)]


class Sink(io.BytesIO):
    pass


def run(script: str, **kwargs: object) -> tuple[int, bytes, bytes]:
    out, err = Sink(), Sink()
    code = run_redacted(["sh", "-c", script], env_values={"TOKEN": VALUE}, secrets=SECRETS,
                        stdout=out, stderr=err, **kwargs)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def test_value_is_in_the_environment_and_redacted_from_both_streams() -> None:
    code, out, err = run('echo "out $TOKEN"; echo "err $TOKEN" >&2; '
                         'printf %s "$TOKEN" | base64; '
                         'python3 -c "import os,urllib.parse as u;'
                         'print(u.quote(os.environ[\'TOKEN\'], safe=\'\'))"; '
                         '[ "$TOKEN" = "' + VALUE + '" ] && echo same')
    assert code == 0
    assert out.splitlines() == [b"out [REDACTED:TOKEN]", b"[REDACTED:TOKEN]",
                                b"[REDACTED:TOKEN]", b"same"]
    assert err == b"err [REDACTED:TOKEN]\n"


def test_value_written_byte_by_byte_is_still_redacted() -> None:
    script = ('import os,sys,time\n'
              'v=os.environ["TOKEN"].encode()\n'
              'for b in v:\n'
              '    sys.stdout.buffer.write(bytes([b])); sys.stdout.flush(); time.sleep(0.002)\n'
              'print()\n')
    out = Sink()
    code = run_redacted([sys.executable, "-c", script], env_values={"TOKEN": VALUE},
                        secrets=SECRETS, stdout=out, stderr=Sink(), idle_flush_s=0.001)
    assert code == 0
    assert out.getvalue() == b"[REDACTED:TOKEN]\n"


def test_large_output_passes_intact() -> None:
    code, out, _ = run('i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done; '
                       'echo "$TOKEN"')
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 20001
    assert lines[12345] == b"line 12345" and lines[-1] == b"[REDACTED:TOKEN]"


@pytest.mark.parametrize("status", [0, 1, 3, 255])
def test_exit_code_propagates(status: int) -> None:
    assert run(f"exit {status}")[0] == status


def test_killed_child_gives_128_plus_signal() -> None:
    assert run("kill -KILL $$")[0] == 128 + signal.SIGKILL


def test_missing_command_gives_127() -> None:
    err = Sink()
    code = run_redacted(["/nonexistent/definitely-not-here"], env_values={}, secrets=SECRETS,
                        stdout=Sink(), stderr=err)
    assert code == 127
    assert b"command not found" in err.getvalue()


def test_not_executable_gives_126(tmp_path: Path) -> None:
    script = tmp_path / "script"
    script.write_text("#!/bin/sh\necho hi\n")
    assert run_redacted([str(script)], env_values={}, secrets=SECRETS, stdout=Sink(),
                        stderr=Sink()) == 126


def test_stdin_is_inherited() -> None:
    wrapper = ("import sys; from approvald.secrets.exec import run_redacted; "
               "sys.exit(run_redacted(['sh','-c','read l; echo \"got $l $TOKEN\"'], "
               f"env_values={{'TOKEN': {VALUE!r}}}, secrets=[('TOKEN', {VALUE!r})]))")
    result = subprocess.run([sys.executable, "-c", wrapper], input=b"hello\n",
                            capture_output=True, timeout=30)
    assert result.returncode == 0
    assert result.stdout == b"got hello [REDACTED:TOKEN]\n"


CHILD = ("trap 'echo got-$SIG; exit 42' $SIG; echo ready; "
         "while :; do sleep 0.05; done")


def _default_signals() -> None:
    """A signal ignored when a shell starts cannot be trapped in it (POSIX), and the ignoring
    is inherited: under `nohup` the child's trap for HUP would never run. The wrapper and its
    child start as a terminal would start them."""
    for name in ("SIGINT", "SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), signal.SIG_DFL)


@contextlib.contextmanager
def _wrapper(script: str, sig: str) -> Iterator[subprocess.Popen[bytes]]:
    """`run_redacted` running `script` in its own session, once the script said ready; the
    session is killed afterwards, whatever the test found."""
    wrapper = ("import sys; from approvald.secrets.exec import run_redacted; "
               f"sys.exit(run_redacted(['sh','-c',{script!r}], env_values={{'SIG': {sig!r}}}, "
               "secrets=[]))")
    proc = subprocess.Popen([sys.executable, "-c", wrapper], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            start_new_session=True,  # no terminal: nothing else sends signals
                            preexec_fn=_default_signals)
    assert proc.stdout is not None
    try:
        deadline = time.monotonic() + 20
        line = b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            line += proc.stdout.read(1)
        assert line == b"ready\n"
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()


@pytest.mark.parametrize("sig", ["TERM", "INT", "HUP"])
def test_signals_are_forwarded_to_the_child(sig: str) -> None:
    with _wrapper(CHILD, sig) as proc:
        os.kill(proc.pid, getattr(signal, f"SIG{sig}"))
        out, _ = proc.communicate(timeout=20)
    assert out == f"got-{sig}\n".encode()
    assert proc.returncode == 42


def test_child_dying_of_a_forwarded_signal_gives_128_plus_it() -> None:
    with _wrapper("echo ready; exec sleep 30", "TERM") as proc:
        os.kill(proc.pid, signal.SIGTERM)
        proc.communicate(timeout=20)
    assert proc.returncode == 128 + signal.SIGTERM
