"""Fast paths of the interpreter-code scanners hold the straightforward scans they replaced."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.shell.code.literals import _closing

CODE = st.text(alphabet="ab'\"`\\ \n()", max_size=40)


def _closing_char_by_char(code: str, index: int, closing: str) -> int:
    """The scan `read_string` made before `_closing`: one character at a time."""
    while index < len(code):
        if code.startswith(closing, index):
            break
        if code[index] == "\\" and index + 1 < len(code):
            index += 2
            continue
        index += 1
    return index


@settings(max_examples=2000, deadline=None)
@given(CODE, st.integers(min_value=0, max_value=42),
       st.sampled_from(["'", '"', "`", "'''", '"""']))
def test_string_end_is_found_as_the_character_scan_finds_it(code: str, index: int,
                                                             closing: str) -> None:
    index = min(index, len(code))
    assert _closing(code, index, closing) == _closing_char_by_char(code, index, closing)
