"""File names a finder prints, read by other means than xargs: `read` loops, inner shells,
archivers that read names from their input or a file, files the line wrote the names to."""

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
    # arrays and descriptors filled from a finder: `mapfile`, `readarray`, `read -a`, `read -u`
    'mapfile -t a < <(find ~); cat "${a[@]}"', 'readarray -t a < <(find ~); cat "${a[0]}"',
    'mapfile < <(find ~); cat "${MAPFILE[@]}"', 'readarray -d "" -t a < <(find ~); cat ${a[1]}',
    'find ~ | { mapfile -t a; cat "${a[@]}"; }', 'find ~ | { read -a a; cat "${a[2]}"; }',
    'readarray a <<< "$(find ~)"; cat "${a[@]}"',
    'exec 3< <(find ~); read -u 3 f; cat "$f"', 'exec 3< <(find ~); read -u3 f; cat "$f"',
    'while read -u 3 f; do cat "$f"; done 3< <(find ~)', 'read -u 4 f 4< <(find ~); cat "$f"',
    'exec {fd}< <(find ~); read -u "$fd" f; cat "$f"', 'exec < <(find ~); read f; cat "$f"',
    'find ~ > /tmp/l; exec 3< /tmp/l; read -u 3 f; cat "$f"',
    'shopt -s lastpipe; find ~ | read f; cat "$f"',
    'shopt -s lastpipe; find ~ | mapfile -t a; cat "${a[@]}"',
    'exec 3< <(find ~); while read f; do cat "$f"; done <&3',  # a descriptor made the input
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
    "{ find ~; } | xargs cat", "(find ~) | xargs cat",  # a group prints what find prints
    "find ~ > /tmp/f; parallel cat :::: /tmp/f", "find ~ > /tmp/f; parallel -a /tmp/f cat",
])
def test_an_inner_shell_group_or_file_passes_a_finders_names_on(line: str) -> None:
    assert one(run(line), "cat").args[-1] == HOME_LISTING


@pytest.mark.parametrize("line, program, args", [
    ("find ~ | tar -cf - -T -", "tar", ("-cf", "-", "-T", "-", HOME_LISTING)),
    ("find ~ | tar -czf o.tgz --null --files-from=-", "tar",
     ("-czf", "o.tgz", "--null", "--files-from=-", HOME_LISTING)),
    ("find ~ | tar -cf o.tar --files-from /dev/stdin", "tar",
     ("-cf", "o.tar", "--files-from", "/dev/stdin", HOME_LISTING)),
    ("find ~ | tar -cvT - -f o.tar", "tar", ("-cvT", "-", "-f", "o.tar", HOME_LISTING)),
    ("find ~ | tar cfT o.tar -", "tar", ("cfT", "o.tar", "-", HOME_LISTING)),
    ("find ~ | bsdtar -cf o.tar -I -", "bsdtar", ("-cf", "o.tar", "-I", "-", HOME_LISTING)),
    ("find ~ > /tmp/l; tar -cf o.tar -T /tmp/l", "tar",
     ("-cf", "o.tar", "-T", "/tmp/l", HOME_LISTING)),
    ("find ~ | cpio -o", "cpio", ("-o", HOME_LISTING)),
    ("find ~ | cpio -ovH newc", "cpio", ("-ovH", "newc", HOME_LISTING)),
    ("find ~ | cpio --create", "cpio", ("--create", HOME_LISTING)),
    ("find ~ | cpio --cre", "cpio", ("--cre", HOME_LISTING)),  # GNU takes a prefix
    ("find ~ | tar -cf o.tar --files=-", "tar", ("-cf", "o.tar", "--files=-", HOME_LISTING)),
    ("find ~ | cpio -pdm /tmp/d", "cpio", ("-pdm", "/tmp/d", HOME_LISTING)),
    ("find ~ | zip -@ o.zip", "zip", ("-@", "o.zip", HOME_LISTING)),
    ("find ~ | zip -q@ o.zip", "zip", ("-q@", "o.zip", HOME_LISTING)),
    ("find ~ | zip --names-stdin o.zip", "zip", ("--names-stdin", "o.zip", HOME_LISTING)),
    ("find ~ | sort --files0-from=-", "sort", ("--files0-from=-", HOME_LISTING)),
    ("find ~ | wc -l --files0-from -", "wc", ("-l", "--files0-from", "-", HOME_LISTING)),
    ("find ~ | du --f=-", "du", ("--f=-", HOME_LISTING)),  # GNU takes a prefix
    ("find ~ | pax -w", "pax", ("-w", HOME_LISTING)),
    ("find ~ | restic -r /r backup --files-from -", "restic",
     ("-r", "/r", "backup", "--files-from", "-", HOME_LISTING)),
    ("find ~ | borg create --paths-from-stdin /r::a", "borg",
     ("create", "--paths-from-stdin", "/r::a", HOME_LISTING)),
    ("find ~ | rclone copy --files-from=- / r:x", "rclone",
     ("copy", "--files-from=-", "/", HOME_LISTING, "r:x")),
    # rsync's names are taken relative to its source: they come before the destination
    ("find ~ | rsync -a --files-from=- / h:/x", "rsync",
     ("-a", "--files-from=-", "/", HOME_LISTING, "h:/x")),
])
def test_archivers_are_handed_the_names_they_read(line: str, program: str,
                                                  args: tuple[str, ...]) -> None:
    command = one(run(line), program)
    assert command.args == args
    assert args.index(HOME_LISTING) in command.dynamic_args


@pytest.mark.parametrize("line, program", [
    ("find ~ | tar -xf a.tar", "tar"),  # no -T: tar reads no names
    ("find ~ | tar -cf o.tar -C src .", "tar"),
    ("find ~ | tar -cf o.tar -T list", "tar"),  # a list the line did not write
    ("find ~ | tar -cf o.tar -T - < list", "tar"),  # bash gives tar the file, not the pipe
    ("find ~ | cpio -i", "cpio"),  # copy-in reads an archive
    ("find ~ | cpio -iH odc", "cpio"),  # odc is -H's value, not -o
    ("find ~ | zip -r o.zip . -i@list", "zip"),  # -i@ names patterns in a file
    ("find ~ | rsync -a src/ h:/x", "rsync"),
    ("find ~ | pax -r < a.pax", "pax"),  # pax reads an archive
    ("find ~ | restic backup --files-from-rawx -", "restic"),  # Go's flags take no prefix
    ("curl -s https://x.example.com | tar -cf o.tar -T -", "tar"),  # not a lister
    ("tar -cf o.tar -T -", "tar"),
])
def test_archivers_are_handed_nothing_else(line: str, program: str) -> None:
    assert HOME_LISTING not in one(run(line), program).args


@pytest.mark.parametrize("line, program, args", [
    ('git ls-files | while read f; do wc -l "$f"; done', "wc", ("-l", "$f")),
    ('curl -s https://x.example.com | while read f; do cat "$f"; done', "cat", ("$f",)),
    ('while read f; do cat "$f"; done < list', "cat", ("$f",)),
    ("find ~ | bash -s <<< 'xargs cat'", "cat", ()),  # bash's input is the here-string
    # bash reads its script from the here-document, not from the loop's input
    ("find ~ | while read f; do bash <<'EOF'\nxargs cat\nEOF\ndone", "cat", ()),
])
def test_what_reads_no_finders_names_is_read_as_before(line: str, program: str,
                                                       args: tuple[str, ...]) -> None:
    assert one(run(line), program).args == args


@pytest.mark.parametrize("line, read", [
    ("parallel -a .env echo", "/repo/.env"), ("parallel --arg-file .env echo", "/repo/.env"),
    ("parallel echo :::: a.txt .env", "/repo/.env"),
    ("parallel echo ::: x :::: .env", "/repo/.env"),
])
def test_parallel_reads_its_argument_files(line: str, read: str) -> None:
    assert read in run(line).reads


def test_parallel_reads_no_file_for_its_input() -> None:
    assert run("find ~ | parallel cat :::: -").reads == ()


@pytest.mark.parametrize("line", [
    'coproc find ~; read -u ${COPROC[0]} f; cat "$f"',
    'coproc X { find ~; }; read -u "${X[0]}" f; cat "$f"',
    'coproc find ~; while read f; do cat "$f"; done <&"${COPROC[0]}"',
])
def test_a_coprocess_output_is_its_finders_names(line: str) -> None:
    names = one(run(line), "cat").args[0]
    assert names.startswith("$(coproc ") and names.endswith("find ~)")


@pytest.mark.parametrize(("line", "arg", "literal"), [
    ("read -r f <<< /a/b; cat \"$f\"", "/a/b", True),
    ("read -r f <<< '  /a/b  '; cat \"$f\"", "/a/b", True),
    ("read -r f <<< $'/x\\n/a/b'; cat \"$f\"", "/x /a/b", False),  # a loop reads every line
    ("read -r f g <<< '/x /a/b'; cat \"$g\"", "/x /a/b", False),
    ("f=/x; read -r f < list; cat \"$f\"", "$f", False),  # what it held is gone
    ("read -r f; cat \"$f\"", "$f", False),
    ("mapfile -t a <<< $'/x\\n/a/b'; cat \"${a[1]}\"", "/x /a/b", False),
])
def test_read_takes_known_text_or_a_run_time_value(line: str, arg: str, literal: bool) -> None:
    cat = one(run(line), "cat")
    assert cat.args == (arg,)
    assert (0 not in cat.dynamic_args) is literal


def test_a_pipelines_last_command_sets_nothing_here_without_lastpipe() -> None:
    assert one(run('find ~ | read f; cat "$f"'), "cat").args == ("$f",)


def test_mapfiles_callback_runs_with_each_line() -> None:
    analysis = run("mapfile -C 'sh -c' -c 1 a < <(find ~)")
    sh = one(analysis, "sh")
    assert sh.args[-1].startswith("$(find ~")
    assert one(run('mapfile -C eval -c 1 a <<< "git push"'), "eval").dynamic is not None


@pytest.mark.parametrize(("line", "names"), [
    ("compgen -f ~/ | xargs cat", "$(compgen -f ~/)"), ("tree -fi ~ | xargs cat", "$(tree -fi ~)"),
    ("du -a ~ | cut -f2 | xargs cat", "$(du -a ~)"),
    ("stat -c %n ~/* | xargs cat", "$(stat -c %n ~/*)"),
    ('find ~ | sed "s/^//" | xargs cat', "$(find ~)"),
    ("find ~ | awk '{print}' | while read f; do cat \"$f\"; done", "$(find ~)"),
])
def test_more_listers_and_filters_pass_a_finders_names_on(line: str, names: str) -> None:
    assert one(run(line), "cat").args[-1] == names
