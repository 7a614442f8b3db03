from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.doctor.findings import Finding
from approvald.doctor.parsing import line_of, read_json, read_toml, strip_jsonc


def test_strip_jsonc_keeps_lines_and_strings(tmp_path: Path) -> None:
    text = '{\n  // a comment\n  "url": "http://x//y", /* block\n comment */ "a": [1, 2,],\n}\n'
    cleaned = strip_jsonc(text)
    assert cleaned.count("\n") == text.count("\n")
    assert json.loads(cleaned) == {"url": "http://x//y", "a": [1, 2]}


def test_strict_file_with_comment_is_analysed_but_marked(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{\n  "a": 1,\n  // why\n  "b": [1,],\n}\n')
    findings: list[Finding] = []
    doc = read_json(path, "claude-code", findings)
    assert doc is not None and doc.data == {"a": 1, "b": [1]}
    assert doc.agent_can_read is False
    [f] = findings
    assert f.id.startswith("claude-code/not-strict-json/")
    assert f.file == str(path) and f.line == 3


def test_jsonc_agent_accepts_comments(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{ /* ok */ "a": 1, }')
    findings: list[Finding] = []
    doc = read_json(path, "gemini", findings, jsonc=True)
    assert doc is not None and doc.agent_can_read and doc.data == {"a": 1}
    assert findings == []


def test_broken_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{\n  "a": 1\n  "b": 2\n}\n')
    findings: list[Finding] = []
    assert read_json(path, "cursor", findings, jsonc=True) is None
    [f] = findings
    assert f.line == 3 and f.file == str(path) and f.severity == "medium"
    assert str(path) in f.fix


def test_bad_toml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('a = 1\nb = [1, 2\nc = 3\n')
    findings: list[Finding] = []
    assert read_toml(path, "codex", findings) is None
    [f] = findings
    assert f.line is not None and f.line >= 2 and "TOML" in f.title


def test_unreadable_shapes_never_raise(tmp_path: Path) -> None:
    findings: list[Finding] = []
    (tmp_path / "bin.json").write_bytes(b'{"a": "\xff\xfe"}')
    (tmp_path / "arr.json").write_text("[1, 2]")
    (tmp_path / "dir.json").mkdir()
    (tmp_path / "empty.json").write_text("  \n")
    assert read_json(tmp_path / "bin.json", "x", findings) is None
    assert read_json(tmp_path / "arr.json", "x", findings) is None
    assert read_json(tmp_path / "dir.json", "x", findings) is None  # not a file: absent
    assert read_json(tmp_path / "missing.json", "x", findings) is None
    empty = read_json(tmp_path / "empty.json", "x", findings)
    assert empty is not None and empty.data == {}
    assert [f.file for f in findings] == [str(tmp_path / "bin.json"), str(tmp_path / "arr.json")]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet='{}[]",:/*\n ab1\\tru', max_size=60))
def test_read_json_never_raises(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.json"
        path.write_text(text, encoding="utf-8")
        findings: list[Finding] = []
        doc = read_json(path, "x", findings)  # must not raise, whatever the text
        if doc is None:
            assert len(findings) == 1 and findings[0].file == str(path)
        else:
            assert isinstance(doc.data, dict)


def test_line_of() -> None:
    text = 'a\n"allow": [\n  "x",\n  "Bash(*)"\n]\n"Bash(*)"'
    assert line_of(text, '"allow"', '"Bash(*)"') == 4
    assert line_of(text, "nothing") is None
