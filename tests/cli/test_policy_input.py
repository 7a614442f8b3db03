"""What `policy test` reads: bytes that are no text, lone surrogates, huge or nested lines, and
answers that come out per batch yet before approvald waits for more input."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from approvald.cli import documents, policy_cmd
from approvald.cli.documents import InputError, line_batches, one_document


def _bash(command: str) -> bytes:
    return json.dumps({"kind": "process.exec", "tool": "Bash", "cwd": "/tmp",
                       "input": {"command": command}}).encode()


class Trickle(io.RawIOBase):
    """A stream whose reads return the given pieces, one per read (as a pipe may)."""

    def __init__(self, pieces: list[bytes]) -> None:
        self.pieces = list(pieces)

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        return self.pieces.pop(0) if self.pieces else b""


def _flat(batches: list[list[tuple[int, object]]]) -> list[tuple[int, object]]:
    return [item for batch in batches for item in batch]


def test_a_batch_is_the_complete_lines_of_one_read() -> None:
    ls, pwd = _bash("ls"), _bash("pwd")
    whole = ls + b"\n" + pwd + b"\n\n" + ls + b"\n"
    cut = len(ls) + 5  # line 2 split between reads, and line 4 from its newline
    batches = list(line_batches(Trickle([whole[:cut], whole[cut:-1], whole[-1:]])))
    assert [[n for n, _ in batch] for batch in batches] == [[1], [2], [4]]
    assert [doc["input"]["command"] for _, doc in _flat(batches)] == ["ls", "pwd", "ls"]


def test_a_character_split_between_reads_is_read_whole() -> None:
    line = _bash("echo h\u00e9llo \u2603")  # json.dumps escapes: make the bytes raw UTF-8
    line = line.replace(b"\\u00e9", "\u00e9".encode()).replace(b"\\u2603", "\u2603".encode())
    at = line.index("\u2603".encode()) + 1  # inside the snowman's three bytes
    [(number, doc)] = _flat(list(line_batches(Trickle([line[:at], line[at:]]))))
    assert number == 1 and doc["input"]["command"] == "echo h\u00e9llo \u2603"


def test_the_last_line_needs_no_newline_and_crlf_is_read() -> None:
    found = _flat(list(line_batches(Trickle([_bash("ls") + b"\r\n" + _bash("pwd")]))))
    assert [(n, doc["input"]["command"]) for n, doc in found] == [(1, "ls"), (2, "pwd")]


@pytest.mark.parametrize(("line", "says"), [
    (b'{"kind": "process.exec", "input": {"command": "ls \xff"}}', "not UTF-8 text (byte 51 of"),
    (_bash("rm -rf / \\udcff").replace(b"\\\\udcff", b"\\udcff"), "lone surrogate"),
    (b"[" * 100_000, "nested too deeply"),
    (b"{not json", "invalid JSON"),
    (b'{"kind": "process.exec", "input": {"n": NaN}}', "invalid JSON: NaN is not a JSON number"),
])
def test_a_bad_line_is_its_own_error_and_the_next_is_read(line: bytes, says: str) -> None:
    found = _flat(list(line_batches(Trickle([line + b"\n" + _bash("ls") + b"\n"]))))
    (first, error), (second, doc) = found
    assert first == 1 and isinstance(error, InputError) and says in str(error)
    assert str(error).startswith("line 1: ")
    assert second == 2 and doc["input"]["command"] == "ls"


def test_a_surrogate_pair_is_text() -> None:
    line = _bash("echo \U0001f600")  # json.dumps writes the pair as two escapes
    assert b"\\ud83d\\ude00" in line
    [(_, doc)] = _flat(list(line_batches(Trickle([line]))))
    assert doc["input"]["command"] == "echo \U0001f600"


def test_a_line_past_the_limit_is_dropped_as_it_comes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_INPUT_BYTES", 100)
    pieces = [b"x" * 80, b"x" * 80, b"x" * 80 + b"\n" + _bash("ls") + b"\n", b"y" * 150]
    stream = Trickle(pieces)
    found = []
    for batch in line_batches(stream):
        found += batch
    assert [n for n, _ in found] == [1, 2, 3]
    assert isinstance(found[0][1], InputError) and "larger than 100 bytes" in str(found[0][1])
    assert found[1][1]["input"]["command"] == "ls"
    assert isinstance(found[2][1], InputError) and str(found[2][1]).startswith("line 3: ")


def test_one_document_names_the_line_of_its_bad_byte() -> None:
    [[(number, error)]] = list(one_document(io.BytesIO(b'{\n"a":\n"\xff"}')))
    assert number == 3 and isinstance(error, InputError)
    assert str(error) == "line 3: not UTF-8 text (byte 9 of the input)"


# -- through the CLI ---------------------------------------------------------------------


def _test(exe: list[str], *args: str, stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*exe, "policy", "test", *args], input=stdin, capture_output=True,
                          timeout=60)


@pytest.mark.e2e
def test_bad_bytes_and_lone_surrogates_are_line_errors_and_lose_nothing(
        approvald_home: Path, approvald_exe: list[str]) -> None:
    claude = {"session_id": "s", "cwd": "/tmp", "hook_event_name": "PreToolUse",
              "tool_name": "Bash", "tool_input": {"command": "rm -rf / X"}}
    text = json.dumps(claude)
    lines = [text.replace("X", "\\udcff").encode(), text.replace("X", "\xff").encode(
        "latin-1"), text.replace(" X", "").encode(), json.dumps(
        {**claude, "tool_input": {"command": "ls"}}).encode()]
    result = _test(approvald_exe, "--from", "claude-code", "--jsonl",
                   stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 2
    outs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["decision"] for o in outs] == [None, None, "DENY", "ALLOW"]
    assert [o.get("line") for o in outs[:2]] == [1, 2]
    errors = result.stderr.decode().splitlines()
    bad_at = lines[1].index(b"\xff") + 1
    assert errors == [
        "approvald: line 1: holds a lone surrogate (\\uD800-\\uDFFF without its pair), "
        "which is not text",
        f"approvald: line 2: not UTF-8 text (byte {bad_at} of the line)"]


@pytest.mark.e2e
def test_a_shell_line_or_directory_that_is_not_utf8_is_a_clear_error(
        approvald_home: Path, approvald_exe: list[str], tmp_path: Path) -> None:
    exe = [*map(os.fsencode, approvald_exe), b"policy", b"test", b"-c"]
    result = subprocess.run([*exe, b"cat \xff.txt"], capture_output=True, timeout=60)
    assert result.returncode == 2 and result.stdout == b""
    assert b"is not UTF-8 text" in result.stderr and len(result.stderr.splitlines()) == 1
    odd = os.path.join(os.fsencode(tmp_path), b"caf\xe9")  # a Latin-1 directory name
    os.mkdir(odd)
    result = subprocess.run([*exe, b"ls"], cwd=odd, capture_output=True, timeout=60)
    assert result.returncode == 2 and result.stdout == b""
    assert result.stderr.decode().strip() == (
        f"approvald: the directory {os.fsencode(tmp_path) + b'/caf' + bytes([0xe9])!r} is not "
        "UTF-8 text, so no agent's shell tool sends it")


@pytest.mark.e2e
def test_each_answer_comes_before_the_next_line_is_awaited(
        approvald_home: Path, approvald_exe: list[str]) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as most users
    proc = subprocess.Popen([*approvald_exe, "policy", "test", "--jsonl"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        for command, decision in (("ls", "ALLOW"), ("rm -rf /", "DENY")):
            proc.stdin.write(_bash(command) + b"\n")
            proc.stdin.flush()  # stdin stays open: approvald must answer without an EOF
            assert select.select([proc.stdout], [], [], 30)[0], "no answer within 30 s"
            assert json.loads(proc.stdout.readline())["decision"] == decision
    finally:
        proc.stdin.close()
        assert proc.wait(30) == 0


def test_a_line_before_one_past_the_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_INPUT_BYTES", 100)
    found = _flat(list(line_batches(Trickle([_bash("ls") + b"\n" + b"z" * 150, b"z\n"]))))
    assert [n for n, _ in found] == [1, 2]
    assert found[0][1]["input"]["command"] == "ls"
    assert isinstance(found[1][1], InputError) and str(found[1][1]).startswith("line 2: ")


# -- from review: odd lines, long lines, a crash mid-batch ---------------------------------

LS = _bash("ls")


def test_an_integer_past_4300_digits_is_that_lines_error() -> None:
    (n1, e1), (n2, doc) = _flat(list(line_batches(io.BytesIO(b"1" * 5000 + b"\n" + LS + b"\n"))))
    assert (n1, n2) == (1, 2) and isinstance(e1, InputError) and doc["input"]["command"] == "ls"
    [[(_, error)]] = list(one_document(io.BytesIO(b"1" * 5000)))
    assert isinstance(error, InputError)


def test_nesting_loads_takes_but_dumps_does_not_is_that_lines_error() -> None:
    for depth in range(700, 1000):  # find the window: json.loads fine, json.dumps one deeper
        line = b"[" * depth + b'"\\ud800"' + b"]" * depth
        (_, e1), (_, doc) = _flat(list(line_batches(io.BytesIO(line + b"\n" + LS + b"\n"))))
        assert isinstance(e1, InputError) and doc["input"]["command"] == "ls"


def test_the_limit_is_bytes_even_when_the_batch_decodes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(documents, "MAX_INPUT_BYTES", 10)
    line = '"' + "\u00e9" * 7 + '"'  # 9 characters, 16 bytes
    [(_, error)] = _flat(list(line_batches(io.BytesIO(line.encode() + b"\n"))))
    assert isinstance(error, InputError) and "larger than 10 bytes" in str(error)


def test_answers_decided_before_a_crash_in_the_same_read_still_go_out(
        approvald_home: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    real = policy_cmd._load

    def load(files):
        engine = real(files)
        evaluate, calls = engine.evaluate, []

        def flaky(action):
            calls.append(action)
            if len(calls) == 2:
                raise RuntimeError("a bug in the engine")
            return evaluate(action)

        engine.evaluate = flaky
        return engine

    monkeypatch.setattr(policy_cmd, "_load", load)
    line = json.dumps({"kind": "process.exec", "tool": "Bash", "cwd": "/tmp",
                       "input": {"command": "rm -rf /"}})
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"{line}\n{line}\n".encode())))
    opts = policy_cmd.plain_options(["test", "--jsonl"])
    with pytest.raises(RuntimeError):
        policy_cmd.run_test(opts, explain=False)
    out = capsys.readouterr().out.splitlines()
    assert [json.loads(o)["decision"] for o in out] == ["DENY"]


# -- against a plain split, over any chunking of the input -------------------------------

LIMIT = 40


def reference(data: bytes):
    """Lines split on b"\\n" only; blank/ASCII-whitespace skipped; a line of more than LIMIT
    bytes (newline excluded) is an error; else the JSON it holds or an error."""
    out = []
    segments = data.split(b"\n")
    if segments and segments[-1] == b"":
        segments.pop()
    for number, line in enumerate(segments, start=1):
        if len(line) > LIMIT:
            out.append((number, "too-long"))
        elif not line.strip():
            continue
        else:
            try:
                out.append((number, json.loads(line.decode("utf-8"))))
            except (UnicodeDecodeError, ValueError):
                out.append((number, "error"))
    return out


def shape(found):
    return [(n, "too-long" if isinstance(d, InputError) and "larger than" in str(d)
             else "error" if isinstance(d, InputError) else d) for n, d in found]


line = st.one_of(
    st.sampled_from([b"{}", b"[1]", b'"\xc3\xa9"', b'"\xe2\x98\x83"', b"", b"  ", b"\r",
                     b"{bad", b"\xff", b'"' + b"x" * 38 + b'"', b'"' + b"\xc3\xa9" * 19 + b'"',
                     b'"' + b"\xc3\xa9" * 21 + b'"',
                     b'"' + b"x" * 60 + b'"']),
    st.builds(lambda n: json.dumps("a" * n).encode(), st.integers(0, 50)))


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture],
          deadline=None)
@given(lines=st.lists(line, max_size=8), final_newline=st.booleans(),
       cuts=st.lists(st.integers(0, 400), max_size=10))
def test_any_chunking_gives_the_reference_lines(monkeypatch, lines, final_newline, cuts):
    monkeypatch.setattr(documents, "MAX_INPUT_BYTES", LIMIT)
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    points = sorted({c for c in cuts if 0 < c < len(data)})
    pieces = [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)] \
        if data else []
    found = _flat(list(line_batches(Trickle(pieces))))
    assert shape(found) == reference(data)


# -- the usual line, parsed where it is read: as `_parse` parses it -------------------------

BLANK = st.sampled_from(["", " ", "\t", "  ", "\r", "\x0c"])
VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                  max_size=3),
    max_leaves=6).map(lambda v: json.dumps(v, ensure_ascii=False))
ODD_LINE = st.sampled_from(["{", "}", "[1,]", "NaN", "[Infinity]", '"\\ud800"', "1 2", "{} {}",
                            "[1]x", "tru", '"a', "-", "01", "[" * 30 + "]" * 30])


@given(st.tuples(BLANK, VALUE | ODD_LINE, BLANK, VALUE | ODD_LINE | st.just("")))
def test_a_line_read_is_what_parsing_it_alone_gives(parts: tuple[str, str, str, str]) -> None:
    line = "".join(parts).replace("\n", " ")
    if not line or line.isspace():
        return
    batch: list[tuple[int, object]] = []
    documents._read_lines((line + "\n").encode(), 0, batch)
    [(number, found)] = batch
    expected = documents._parse(1, line)
    assert number == expected[0]
    if isinstance(expected[1], InputError):
        assert isinstance(found, InputError) and str(found) == str(expected[1])
    else:
        assert found == expected[1]
