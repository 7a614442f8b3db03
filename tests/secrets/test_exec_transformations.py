"""Issue 11: `approvald exec` redaction against the cheap transformations a child can apply to
a leased value before printing it. Each is a real program run through `run_redacted`."""

from __future__ import annotations

import io
import shutil
import sys

import pytest

from approvald.secrets.exec import run_redacted

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shell")

VALUE = "s3cr3t-Value/with+chars==Zq7"
SECRETS = [("TOKEN", VALUE)]
PY = sys.executable

# name -> a shell line printing $TOKEN transformed
TRANSFORMS = {
    "xxd -p": 'printf %s "$TOKEN" | xxd -p',
    "od -An -tx1": 'printf %s "$TOKEN" | od -An -tx1',
    "hex upper": f'{PY} -c "import os; print(os.environ[\'TOKEN\'].encode().hex().upper())"',
    "hex lower": f'{PY} -c "import os; print(os.environ[\'TOKEN\'].encode().hex())"',
    "rev": 'printf %s "$TOKEN" | rev',
    "json \\u escapes": (f'{PY} -c "import os; t = os.environ[\'TOKEN\']; '
                         f'print(\'\'.join(\'\\\\\\\\u%04x\' % ord(c) for c in t))"'),
    "json dumps": f'{PY} -c "import json, os; print(json.dumps(os.environ[\'TOKEN\']))"',
    # Pieces alternating between the streams (a pause between writes keeps the order in which
    # they arrive: bytes written to two pipes within microseconds may be read in either order,
    # docs/SECURITY.md).
    "interleaved stdout/stderr": (
        f'{PY} -c "import os, sys, time\n'
        f't = os.environ[\'TOKEN\']\n'
        f'for i in range(0, len(t), 3):\n'
        f'    s = sys.stdout if i % 2 else sys.stderr\n'
        f'    s.write(t[i:i + 3]); s.flush(); time.sleep(0.02)"'),
    # (the same pause: without it CI once read the stderr half first, the documented race)
    "half on each stream": (
        f'{PY} -c "import os, sys, time; t = os.environ[\'TOKEN\']; '
        f'sys.stdout.write(t[:10]); sys.stdout.flush(); time.sleep(0.02); '
        f'sys.stderr.write(t[10:]); sys.stderr.flush()"'),
}


def _run(script: str) -> tuple[int, bytes, bytes]:
    out, err = io.BytesIO(), io.BytesIO()
    code = run_redacted(["sh", "-c", script], env_values={"TOKEN": VALUE}, secrets=SECRETS,
                        stdout=out, stderr=err)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def _leaks(out: bytes, err: bytes) -> list[str]:
    """The value, or a transformation of it, found in either stream or in the two merged."""
    raw = VALUE.encode()
    looked = {"raw": raw, "hex": raw.hex().encode(), "HEX": raw.hex().upper().encode(),
              "reversed": raw[::-1]}
    merged = bytes(b for pair in zip(err, out, strict=False) for b in pair)
    found = []
    for name, needle in looked.items():
        for text in (out, err, out + err, err + out, merged,
                     out.replace(b" ", b"").replace(b"\n", b"")):
            if needle[:16] in text:
                found.append(name)
                break
    return found


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_transformed_value_is_redacted(name: str) -> None:
    if "xxd" in name and shutil.which("xxd") is None:
        pytest.skip("no xxd here")
    code, out, err = _run(TRANSFORMS[name])
    assert code == 0, err
    assert _leaks(out, err) == [], (out, err)
    assert b"[REDACTED:TOKEN]" in out + err


def test_output_that_is_not_the_value_passes_untouched() -> None:
    code, out, err = _run(f'printf "a1b2 %s\\n" ok; printf "{VALUE[:5]}" >&2; echo done')
    assert code == 0
    assert out == b"a1b2 ok\ndone\n" and err == VALUE[:5].encode()
