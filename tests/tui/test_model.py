"""The pure helpers behind what the dashboard shows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from approvald_tui.model import (
    age,
    command_of,
    countdown,
    diff_of,
    fetch_of,
    fmt_duration,
    matches_filter,
    offset_to_line_col,
    parse_ts,
    project,
    short_fingerprint,
    trigger_span,
)
from tests.support.tui import NOW, approval, edit_approval, push_approval


def test_durations_and_countdown() -> None:
    assert [fmt_duration(s) for s in (0, 7, 60, 125, 3600 + 120)] == [
        "0s", "7s", "1m00s", "2m05s", "1h02m"]
    item = push_approval(age_s=75)  # expires 600 s after creation
    assert age(item, NOW) == "1m15s"
    assert countdown(item, NOW) == "8m45s"
    assert countdown(item, NOW + timedelta(seconds=600)) == "expired"
    assert countdown({"expires_at": None}, NOW) == "-"


def test_parse_ts_accepts_z_offsets_and_naive() -> None:
    utc = datetime(2025, 6, 2, 9, 30, tzinfo=timezone.utc)
    assert parse_ts("2025-06-02T09:30:00Z") == utc
    assert parse_ts("2025-06-02T11:30:00+02:00") == utc
    assert parse_ts("2025-06-02T09:30:00") == utc
    assert parse_ts("yesterday") is None and parse_ts(None) is None


def test_project_is_the_cwd_folder() -> None:
    assert project("/home/dev/src/webshop") == "webshop"
    assert project("/home/dev/src/webshop/") == "webshop"
    assert project("C:\\Users\\dev\\api") == "api"
    assert project("") == "-" and project("/") == "/"


def test_short_fingerprint_is_12_hex() -> None:
    assert short_fingerprint("sha256:" + "ab" * 32) == "abababababab"
    assert short_fingerprint(None) == "-"


def test_trigger_span_marks_the_sub_command() -> None:
    command = "npm test && git push origin main"
    start, end = trigger_span(command, "git push origin main") or (0, 0)
    assert command[start:end] == "git push origin main"
    assert trigger_span(command, "terraform apply") is None
    assert trigger_span(command, None) is None
    multi = "set -e\ncd app && git push"
    span = trigger_span(multi, "git push")
    assert span is not None and offset_to_line_col(multi, span[0]) == (2, 10)


def test_diff_for_edit_write_and_multiedit() -> None:
    diff = diff_of(edit_approval()) or ""
    assert "-    branches: [main]" in diff and "+    branches: [main, staging]" in diff
    write = approval(5, "/p/new.txt", tool="Write", kind="fs.write",
                     tool_input={"file_path": "/p/new.txt", "content": "hello\nworld\n"})
    assert (diff_of(write) or "").splitlines()[-2:] == ["+hello", "+world"]
    multi = approval(6, "/p/a.py", tool="MultiEdit", kind="fs.write",
                     tool_input={"file_path": "/p/a.py", "edits": [
                         {"old_string": "x = 1", "new_string": "x = 2"},
                         {"old_string": "y = 1", "new_string": "y = 3"}]})
    text = diff_of(multi) or ""
    assert "+x = 2" in text and "+y = 3" in text
    assert diff_of(push_approval()) is None


def test_a_patch_is_shown_as_it_is() -> None:
    patch = "*** Begin Patch\n*** Update File: a.py\n@@\n-x = 1\n+x = 2\n*** End Patch\n"
    codex = approval(8, "/p/a.py", tool="apply_patch", kind="fs.write",
                     tool_input={"patch": patch})
    codex["agent"] = "codex"
    assert diff_of(codex) == patch.strip("\n")
    assert command_of(codex) is None  # a patch is not a shell line


def test_fetch_and_command() -> None:
    fetch = approval(7, "https://example.com/", tool="WebFetch", kind="net.http",
                     tool_input={"url": "https://example.com/", "method": "GET"})
    assert fetch_of(fetch) == ("GET", "https://example.com/")
    assert fetch_of(push_approval()) is None
    assert command_of(push_approval()) == "git fetch && git push origin main"
    assert command_of(fetch) is None


def test_filter_needs_every_word() -> None:
    row = ["09:30:00", "DENY", "claude-code", "webshop", "Read", ".env"]
    assert matches_filter(row, "")
    assert matches_filter(row, "deny webshop")
    assert not matches_filter(row, "deny allow")
