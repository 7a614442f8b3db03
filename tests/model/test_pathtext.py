"""`approvald.model.pathtext` reads paths as pathlib does (the hook's local check uses it so as
not to import pathlib): the same text, the same answers, the same errors."""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.model import pathtext

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Windows defers to pathlib")

_PATHS = st.lists(st.sampled_from(["/", ".", "..", "a", "b.yaml", ".approvald", " "]),
                  max_size=12).map("".join)


@settings(max_examples=500, deadline=None)
@given(_PATHS)
def test_text_and_its_parts_read_as_pathlib_reads_them(text: str) -> None:
    pure = PurePosixPath(text)
    normalized = pathtext.normalized(text)
    assert normalized == str(pure)
    assert pathtext.parent(normalized) == str(pure.parent)
    assert pathtext.name(normalized) == pure.name
    assert pathtext.suffix(pure.name) == pure.suffix
    assert pathtext.child(normalized, ".approvald", "policy.yaml") == str(
        pure / ".approvald" / "policy.yaml")


@settings(max_examples=200, deadline=None)
@given(_PATHS, _PATHS)
def test_same_is_path_equality(a: str, b: str) -> None:
    assert pathtext.same(a, b) == (PurePosixPath(a) == PurePosixPath(b))


def test_file_tests_answer_as_pathlib(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    (tmp_path / "d").mkdir()
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    for name in ("f", "d", "missing", "f/below", "loop", "bad\0name"):
        path = tmp_path / name
        text = str(tmp_path) + "/" + name
        assert pathtext.exists(text) == path.exists(), name
        assert pathtext.is_dir(text) == path.is_dir(), name
        assert pathtext.is_file(text) == path.is_file(), name


def test_a_stat_that_fails_otherwise_is_an_error_as_in_pathlib(tmp_path: Path) -> None:
    """A policy file that cannot be looked at must not pass for one that is not there."""
    too_long = tmp_path / ("x" * 300)
    for check in ("exists", "is_dir", "is_file"):
        with pytest.raises(OSError) as from_pathlib:
            getattr(too_long, check)()
        with pytest.raises(OSError) as from_text:
            getattr(pathtext, check)(str(too_long))
        assert from_text.value.errno == from_pathlib.value.errno
