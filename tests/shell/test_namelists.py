"""File names a finder prints, read by other means than xargs: `read` loops, inner shells,
groups, files the line wrote the names to."""

from __future__ import annotations

import pytest

from tests.support.shell import one, run

HOME_LISTING = "$(find ~)"


@pytest.mark.parametrize("line", [
    'find ~ | while read f; do cat "$f"; done',
    'find ~ | while read -r f; do cat "$f"; done',
    "find ~ -print0 | while IFS= read -r -d '' f; do cat \"$f\"; done",
    "find ~ | while read -rd '' f; do cat \"$f\"; done",
    'find ~ | while read -p x -r f; do cat "$f"; done',
    'find ~ | while read; do cat "$REPLY"; done',  # no name: REPLY
    'find ~ | { read f; cat "$f"; }',
    'find ~ | (read f; cat "$f")',
    'while read f; do cat "$f"; done < <(find ~)',
    'while read f; do cat "$f"; done < <(find ~ | sort)',  # through a filter of lines
    'while read f; do cat "$f"; done <<< "$(find ~)"',
    'find ~ > /tmp/l; while read f; do cat "$f"; done < /tmp/l',
    'F=$(find ~); cat "$F"',  # a variable holding the names
])
def test_read_takes_a_finders_names(line: str) -> None:
    assert one(run(line), "cat").args[0].startswith("$(find ~")


@pytest.mark.parametrize("line", [
    "find ~ | sh -c 'xargs cat'", "find ~ | bash -c 'xargs -n1 cat'",
    "find ~ | (xargs cat)", "find ~ | { xargs cat; }", "xargs cat < <(find ~)",
    "xargs cat <<< \"$(find ~)\"", "find ~ > /tmp/f; xargs cat < /tmp/f",
    "find ~ > /tmp/f; xargs -a /tmp/f cat", "find ~ > /tmp/f; xargs --arg-file=/tmp/f cat",
    "find ~ | tee /tmp/f >/dev/null; xargs cat < /tmp/f",
    "find ~ | sh -c 'while read f; do cat \"$f\"; done'",
])
def test_an_inner_shell_group_or_file_passes_a_finders_names_on(line: str) -> None:
    assert one(run(line), "cat").args[-1] == HOME_LISTING


@pytest.mark.parametrize("line, program, args", [
    ('git ls-files | while read f; do wc -l "$f"; done', "wc", ("-l", "$f")),
    ('curl -s https://x.example.com | while read f; do cat "$f"; done', "cat", ("$f",)),
    ('while read f; do cat "$f"; done < list', "cat", ("$f",)),
    ("find ~ | bash -s <<< 'xargs cat'", "cat", ()),  # bash's input is the here-string
])
def test_what_reads_no_finders_names_is_read_as_before(line: str, program: str,
                                                       args: tuple[str, ...]) -> None:
    assert one(run(line), program).args == args
