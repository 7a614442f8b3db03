from __future__ import annotations

import errno
import json
import multiprocessing
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald import audit
from approvald.audit import GENESIS, AuditError, AuditLog, verify_chain
from approvald.audit.body import record_body, scrub
from approvald.model.actions import canonical_json

GH = "ghp_" + "Q7w8E9r0" * 4 + "AbCd"


def _decision(i: int, **extra: Any) -> dict[str, Any]:
    return {"event": "decision", "agent": "claude-code", "session_id": "s1", "cwd": "/w",
            "summary": f"echo {i}", "decision": "ALLOW", "rules": ["r"], "reason": "ok",
            "fingerprint": "sha256:" + f"{i:064x}", **extra}


def _fill(directory: Path, n: int, max_bytes: int = 10_000_000) -> AuditLog:
    log = AuditLog(directory, max_bytes=max_bytes)
    for i in range(n):
        log.append(_decision(i))
    return log


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_append_chains_records_and_verifies(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a")
    first = log.append(_decision(1))
    second = log.append({"event": "approval.requested", "approval_id": "ap_1"})
    assert first["seq"] == 1 and second["seq"] == 2
    assert first["prev"] == GENESIS and second["prev"] == first["hash"]
    body = {k: v for k, v in second.items() if k != "hash"}
    import hashlib
    assert second["hash"] == "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()
    assert second["ts"].endswith("Z") and len(second["ts"]) == len("2025-01-01T00:00:00.000Z")
    on_disk = [json.loads(line) for line in _lines(log.path)]
    assert on_disk == [first, second]
    result = log.verify()
    assert result.ok and result.records == 2 and result.file is None


def test_record_needs_an_event(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    with pytest.raises(ValueError):
        log.append({"decision": "ALLOW"})
    with pytest.raises(AuditError):
        log.append({"event": "x", "bad": float("nan")})
    assert not log.path.exists() or log.path.read_bytes() == b""


def test_reserved_fields_cannot_be_forged(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    log.append(_decision(0))
    written = log.append({"event": "x", "seq": 99, "prev": "sha256:forged", "hash": "h"})
    assert written["seq"] == 2 and written["prev"] != "sha256:forged"
    assert log.verify().ok


def test_permissions(tmp_path: Path) -> None:
    if sys.platform == "win32":
        pytest.skip("POSIX modes")
    directory = tmp_path / "audit"
    _fill(directory, 2)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    for name in ("audit.jsonl", "audit.head", "audit.lock"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600


def test_secrets_are_redacted_before_hashing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    written = log.append(_decision(1, summary=f"git push https://x:{GH}@github.com/o/r",
                                   headers={"Authorization": "Bearer tok-Qz9"}),
                         extra_values=[("LEASED", "s3cr3t-value")])
    log.append({"event": "lease.used", "note": "value s3cr3t-value"},
               extra_values=[("LEASED", "s3cr3t-value")])
    raw = log.path.read_text(encoding="utf-8")
    assert GH not in raw and "tok-Qz9" not in raw and "s3cr3t-value" not in raw
    assert "[REDACTED:url_password]" in written["summary"]
    assert "[REDACTED:LEASED]" in raw
    # The hash covers the redacted record: verify recomputes it from the file alone.
    assert log.verify().ok


def test_keys_are_redacted_before_hashing_and_none_is_lost(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    other = "ghp_" + "Zq8XbT3kLm9PwR2vN5cY7dF1hJ4sA6gE0uWi"
    written = log.append({"event": "x", "scopes": {GH: ["repo"], other: ["gist"]},
                          "env": {"s3cr3t-value": "1", "PATH": "/bin"},
                          "creds": {"password": "[REDACTED:x] hunter2", "token": "[REDACTED:y]"}},
                         extra_values=[("LEASED", "s3cr3t-value")])
    raw = log.path.read_text(encoding="utf-8")
    assert GH not in raw and other not in raw and "s3cr3t-value" not in raw
    assert "hunter2" not in raw
    assert written["scopes"] == {"[REDACTED:github_token]": ["repo"],
                                 "[REDACTED:github_token] #2": ["gist"]}
    assert written["env"] == {"[REDACTED:LEASED]": "1", "PATH": "/bin"}
    assert written["creds"] == {"password": "[REDACTED:password]", "token": "[REDACTED:y]"}
    assert log.verify().ok


def test_chain_continues_across_restart(tmp_path: Path) -> None:
    log = _fill(tmp_path, 3)
    last = log.append(_decision(3))
    log.close()
    again = AuditLog(tmp_path)
    assert again.last_hash == last["hash"]
    nxt = again.append(_decision(4))
    assert nxt["seq"] == 5 and nxt["prev"] == last["hash"]
    assert again.verify().ok and again.verify().records == 5


def test_rotation_keeps_one_chain(tmp_path: Path) -> None:
    log = _fill(tmp_path, 40, max_bytes=1500)
    rotated = sorted(p.name for p in tmp_path.glob("audit.*.jsonl"))
    assert len(rotated) >= 3
    assert all(p.stat().st_size <= 1500 for p in tmp_path.glob("audit*.jsonl"))
    result = log.verify()
    assert result.ok and result.records == 40
    # Each rotated file's first record links to the last record of the file before.
    first_of_2 = json.loads(_lines(tmp_path / "audit.2.jsonl")[0])
    last_of_1 = json.loads(_lines(tmp_path / "audit.1.jsonl")[-1])
    assert first_of_2["prev"] == last_of_1["hash"] and first_of_2["seq"] == last_of_1["seq"] + 1
    assert first_of_2["segment"] == 2
    tail = log.tail(25)
    assert [r["seq"] for r in tail] == list(range(16, 41))
    # A new instance picks up the chain after rotation too.
    log.close()
    again = AuditLog(tmp_path, max_bytes=1500)
    assert again.append(_decision(99))["seq"] == 41
    assert again.verify().ok


def test_tail(tmp_path: Path) -> None:
    log = _fill(tmp_path, 5)
    assert [r["seq"] for r in log.tail(3)] == [3, 4, 5]
    assert [r["seq"] for r in log.tail(50)] == [1, 2, 3, 4, 5]
    assert AuditLog(tmp_path / "empty").tail(5) == []


def test_empty_or_missing_log_verifies(tmp_path: Path) -> None:
    assert verify_chain(tmp_path / "nothing").ok
    result = AuditLog(tmp_path / "new").verify()
    assert result.ok and result.records == 0


# -- tampering -------------------------------------------------------------------------------

def _rewrite(path: Path, lines: list[str]) -> None:
    path.write_text("".join(lines), encoding="utf-8")


def test_edited_field_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    lines = _lines(log.path)
    lines[3] = lines[3].replace('"decision":"ALLOW"', '"decision":"DENY"')
    _rewrite(log.path, lines)
    result = log.verify()
    assert not result.ok and result.line == 4 and result.file == str(log.path)
    assert "altered" in result.message and result.records == 3


def test_edited_field_with_recomputed_hash_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    lines = _lines(log.path)
    record = json.loads(lines[2])
    record["decision"] = "DENY"
    record["hash"] = audit.record_hash(record)
    lines[2] = json.dumps(record, separators=(",", ":")) + "\n"
    _rewrite(log.path, lines)
    result = log.verify()
    assert not result.ok and result.line == 4 and "prev" in result.message


def test_deleted_line_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    lines = _lines(log.path)
    del lines[2]
    _rewrite(log.path, lines)
    result = log.verify()
    assert not result.ok and result.line == 3 and "record 3 missing" in result.message


def test_swapped_lines_are_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    lines = _lines(log.path)
    lines[1], lines[2] = lines[2], lines[1]
    _rewrite(log.path, lines)
    result = log.verify()
    assert not result.ok and result.line == 2


def test_truncated_mid_record_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    data = log.path.read_bytes()
    log.path.write_bytes(data[: len(data) - 40])
    result = log.verify()
    assert not result.ok and result.line == 6 and "incomplete" in result.message


def test_removed_last_records_are_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 6)
    _rewrite(log.path, _lines(log.path)[:4])
    result = log.verify()
    assert not result.ok and result.line == 5 and "removed from the end" in result.message


def test_deleted_active_file_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 3)
    log.path.unlink()
    assert not log.verify().ok


def test_deleted_head_is_found(tmp_path: Path) -> None:
    _fill(tmp_path, 3)
    (tmp_path / "audit.head").unlink()
    result = verify_chain(tmp_path)
    assert not result.ok and "audit.head" in result.message


@pytest.mark.parametrize("victim", [1, 2])
def test_deleted_rotated_file_is_found(tmp_path: Path, victim: int) -> None:
    log = _fill(tmp_path, 30, max_bytes=1500)
    (tmp_path / f"audit.{victim}.jsonl").unlink()
    result = log.verify()
    assert not result.ok and result.file == str(tmp_path / f"audit.{victim}.jsonl")
    assert "missing" in result.message


def test_deleted_first_file_with_renumbering_is_found(tmp_path: Path) -> None:
    log = _fill(tmp_path, 30, max_bytes=1500)
    rotated = sorted(tmp_path.glob("audit.*.jsonl"), key=lambda p: int(p.name.split(".")[1]))
    rotated[0].unlink()
    for i, path in enumerate(rotated[1:], start=1):
        path.rename(tmp_path / f"audit.{i}.jsonl")
    result = log.verify()
    assert not result.ok and result.file == str(tmp_path / "audit.1.jsonl") and result.line == 1


def test_append_after_partial_line_keeps_records_on_their_own_lines(tmp_path: Path) -> None:
    log = _fill(tmp_path, 3)
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq": 4, "half')
    log.close()
    again = AuditLog(tmp_path)
    written = again.append(_decision(9))
    assert written["seq"] == 4
    assert json.loads(_lines(again.path)[-1]) == written
    result = again.verify()  # the damaged line stays visible
    assert not result.ok and result.line == 4


# -- a full disk -----------------------------------------------------------------------------

def test_full_disk_leaves_no_partial_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = _fill(tmp_path, 3)
    before = log.path.read_bytes()

    def half_then_full(fd: int, data: Any) -> int:
        os.write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(audit, "_write", half_then_full)
    with pytest.raises(AuditError, match="No space left"):
        log.append(_decision(3))
    assert log.path.read_bytes() == before
    monkeypatch.undo()
    written = log.append(_decision(4))
    assert written["seq"] == 4
    assert log.verify().ok and log.verify().records == 4


# -- several processes -----------------------------------------------------------------------

def _writer(directory: str, worker: int, count: int) -> None:
    log = AuditLog(Path(directory), max_bytes=20_000)
    for i in range(count):
        log.append({"event": "decision", "worker": worker, "i": i})
    log.close()


def test_concurrent_appends_from_processes(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    workers = [ctx.Process(target=_writer, args=(str(tmp_path), w, 60)) for w in range(4)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    result = verify_chain(tmp_path)
    assert result.ok, result
    assert result.records == 240
    seen = set()
    for path in [*sorted(tmp_path.glob("audit.*.jsonl")), tmp_path / "audit.jsonl"]:
        for line in _lines(path):
            record = json.loads(line)
            seen.add((record["worker"], record["i"]))
    assert seen == {(w, i) for w in range(4) for i in range(60)}


def test_huge_values_are_bounded_and_still_redacted(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    command = "echo " + "a" * (10 * 1024 * 1024) + " && git push"
    near_cut = "x" * (audit.MAX_TEXT - 600) + f" token={GH} " + "b" * audit.MAX_TEXT
    written = log.append({"event": "decision", "summary": command, "args": [near_cut]})
    assert len(written["summary"]) <= audit.MAX_TEXT + 64
    assert written["summary"].endswith(f"[truncated: {len(command)} characters in all]")
    assert GH not in log.path.read_text(encoding="utf-8")
    assert "token=[REDACTED:github_token]" in written["args"][0]
    assert log.path.stat().st_size < 3 * audit.MAX_TEXT
    assert log.verify().ok


def test_odd_values_are_written_as_json(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    written = log.append({"event": "x", "path": Path("/w/a"), "pair": (1, 2),
                          "lone": "a\ud800b", 3: "int key"})
    assert written["path"] == "/w/a" and written["pair"] == [1, 2]
    assert written["lone"] == "a?b" and written["3"] == "int key"
    assert log.verify().ok


def _round_trip_body(record: dict[str, Any], extra: tuple[tuple[str, str], ...]) -> Any:
    """What a record's body was before the one-walk path: scrubbed, through JSON, redacted."""
    from approvald.redaction import redact_obj

    plain = json.loads(json.dumps(scrub(record), default=lambda o: scrub(str(o)),
                                  allow_nan=False))
    return {k: v for k, v in redact_obj(plain, extra).items()
            if k not in ("seq", "ts", "segment", "prev", "hash")}


@pytest.mark.parametrize("record", [
    _decision(7),
    {"event": "decision", "summary": f"curl -H 'Authorization: Bearer {GH}' x", "n": 3,
     "ok": True, "none": None, "ratio": -0.0, "big": 2**80, "nested": {"password": "hunter2",
     "api_key": "", "token": "[REDACTED:x]", "list": [GH, ("t", 1.5), {"secret": 4}]}},
    {"event": "x", "text": "caf\u00e9 \u2603 a\ud800b", "caf\u00e9": "k", "k\udc00": "v",
     "long": "y" * (audit.MAX_TEXT + 10), "seq": 99, "hash": "forged"},
    {"event": "x", "path": Path("/w/a"), "pair": (1, 2), 3: "int key", "flag": 1.0},
    {"event": "x", "deep": [[[[{"a": [GH]}]]]], "empty": {}, "nothing": []},
    {"event": "x", GH: 1, "[REDACTED:github_token]": {f"token={GH}": "v", "s3cr3t-value-1234": 2,
     "password": "[REDACTED:x] hunter2", "[REDACTED:github_token] #2": [{GH: GH}]}},
])
@pytest.mark.parametrize("extra", [(), (("MY_KEY", "s3cr3t-value-1234"),)])
def test_one_walk_body_matches_the_json_round_trip(record: dict[str, Any],
                                                   extra: tuple[tuple[str, str], ...]) -> None:
    record = {**record, "cmd": "echo s3cr3t-value-1234"}
    body = record_body(record, extra)
    assert body == _round_trip_body(record, extra)
    assert list(body) == list(_round_trip_body(record, extra))


# Text near what the redaction looks for: its triggers, secret-looking names and values, case
# and Unicode that lowering changes (final sigma, dotted I, Kelvin sign), lone surrogates.
_NEAR_SECRETS = st.lists(
    st.sampled_from(["a", "K", "\u212a", "\u0130", "\u03a3", "\u03c3", "\0", " ", "=",
                              ":", "/", "-", "_", "$", "'", '"', "\ud800", "é", "x" * 20,
                              "token", "KEY", "pass", "secret", "sk-", "://u:p@h", "ghp_",
                              "eyJ", "AKIA", "[REDACTED:", "Authorization: Bearer ", "s3cr3t"]),
    max_size=12).map("".join)
# Keys as plain as a record's field names, and keys a secret is in (shapes, a known value), or
# that redact to the same text as another (they must stay distinct).
_KEYS = st.sampled_from(["cmd", "token", "API_KEY", "Σ", "k?", "k\udc00", "k\ud800", GH,
                         "ghp_" + "Zq8XbT3kLm9PwR2vN5cY7dF1hJ4sA6gE0uWi", f"token={GH}", "s3cr3t",
                         "[REDACTED:github_token]", "[REDACTED:github_token] #2",
                         "[REDACTED:MY_KEY]", "password"]) | _NEAR_SECRETS
_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | _NEAR_SECRETS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(fields=st.dictionaries(st.sampled_from(["summary", "password", "args", "reason"]) | _KEYS,
                              _JSON_VALUES, max_size=4),
       extra=st.sampled_from([(), (("MY_KEY", "s3cr3t"),)]))
def test_the_body_of_any_plain_record_matches_the_json_round_trip(
        fields: dict[str, Any], extra: tuple[tuple[str, str], ...]) -> None:
    """The walk that checks a record's strings and keys all at once, and redacts each only when
    that finds something, gives what redacting every string and key gives, in the same order."""
    record = {"event": "decision", **fields}
    body = record_body(record, extra)
    expected = _round_trip_body(record, extra)
    assert body == expected
    assert json.dumps(body) == json.dumps(expected)  # the keys in the same order too


@settings(max_examples=200, deadline=None)
@given(body=_JSON_VALUES, number=st.floats(allow_nan=False, allow_infinity=False)
       | st.integers())
def test_a_line_is_the_record_as_json_dumps_writes_it(body: Any, number: float) -> None:
    record = scrub({"seq": 1, "event": "x", "body": body, "n": number, "é☃": "\u2028 ü"})
    expected = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert audit._line(record) == expected.encode("utf-8")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_values_json_cannot_carry_are_refused(tmp_path: Path, bad: float) -> None:
    log = AuditLog(tmp_path)
    with pytest.raises(AuditError):
        log.append({"event": "x", "ok": 1, "value": {"deep": [bad]}})
    assert log.append({"event": "x"})["seq"] == 1
