"""Per-program rules for `fileargs`: which arguments a program reads, writes or takes as text.

One entry in `RULES` per program (see `fileargs.py`).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from approvald.model.lazyre import lazy_compile
from approvald.shell.argrules_tools import TOOL_RULES
from approvald.shell.argscan import Acc, has, option_values, scan

# --- per program --------------------------------------------------------------------------

_GREP_VALUES = frozenset({"-e", "-f", "-A", "-B", "-C", "-m", "-d", "-D", "--regexp", "--file",
                          "--include", "--exclude", "--exclude-dir", "--max-count",
                          "--after-context", "--before-context", "--context", "--label",
                          "--color", "--colour", "--binary-files"})
_RG_VALUES = frozenset({"-e", "-f", "-g", "-t", "-T", "-A", "-B", "-C", "-m", "-j", "-M", "-r",
                        "-E", "--regexp", "--file", "--glob", "--iglob", "--type",
                        "--type-not", "--replace", "--max-count", "--threads", "--context",
                        "--after-context", "--before-context", "--max-columns", "--encoding",
                        "--pre", "--pre-glob", "--type-add", "--sort", "--sortr",
                        "--max-depth", "--max-filesize", "--colors", "--color", "--path-separator",
                        "--ignore-file", "--engine"})
_AG_VALUES = frozenset({"-G", "-A", "-B", "-C", "-m", "-p", "--ignore", "--file-search-regex",
                        "--max-count", "--path-to-ignore", "--depth", "--pager"})


def _search(values: frozenset[str], pattern_options: tuple[str, ...],
            file_options: tuple[str, ...], glob_options: tuple[str, ...],
            listing_options: tuple[str, ...] = ()) -> Callable[[Acc], None]:
    """grep / rg / ag / ack: the first operand is the pattern unless -e/-f gave one, or an
    option that takes none (`rg --files ~` lists the files under ~) was given."""

    def rule(acc: Acc) -> None:
        seen, operands = scan(acc.cmd.args, values)
        for name, _, index in seen:
            if name in pattern_options:
                acc.patterns.add(index)
        for value, _ in option_values(seen, *file_options):
            acc.read(value)
        given = has(seen, *pattern_options, *file_options, *listing_options)
        if operands and not given:
            acc.patterns.add(operands[0])
            operands = operands[1:]
        for value, index in option_values(seen, *glob_options):
            acc.patterns.add(index)  # a filter, not a file; but what it selects is read
            for root in [acc.cmd.args[i] for i in operands] or ["."]:
                acc.read(posixpath.join(root, "**", value.lstrip("!")))
        for index in operands:
            acc.read(acc.cmd.args[index])

    return rule


_GREP = _search(_GREP_VALUES, ("-e", "--regexp"), ("-f", "--file"), ("--include",))
_RG = _search(_RG_VALUES, ("-e", "--regexp", "-r", "--replace"), ("-f", "--file"),
              ("-g", "--glob", "--iglob"), ("--files", "--type-list"))
_AG = _search(_AG_VALUES, ("-G", "--file-search-regex"), (), ())
_ACK = _search(frozenset({"--match", "-A", "-B", "-C", "-m", "--type"}), ("--match",), (), ())


_GIT_DIFF_VALUES = frozenset({"-S", "-G", "-O", "-L", "--output", "--contents", "--src-prefix",
                              "--dst-prefix", "--line-prefix"})


def _git(acc: Acc) -> None:
    args = acc.cmd.args
    sub = args[0]
    rest = args[1:]
    if sub == "grep":
        seen, operands = scan(rest, frozenset({"-e", "-f", "-A", "-B", "-C", "-m", "-O"}))
        for name, _, index in seen:
            if name == "-e":
                acc.patterns.add(index + 1)
        if operands and not has(seen, "-e", "-f"):
            acc.patterns.add(operands[0] + 1)
            operands = operands[1:]
        for position in operands:  # paths it searches (and prints: --no-index, any file)
            acc.read(rest[position])
    elif sub in ("commit", "tag", "merge", "notes", "stash", "revert", "cherry-pick"):
        seen, _ = scan(rest, frozenset({"-m", "--message", "-F", "--file", "-t",
                                         "--template", "-C", "-c"}))
        for name, value, index in seen:
            if name in ("-m", "--message") and value is not None:
                acc.patterns.add(index + 1)
            elif name in ("-F", "--file") and value is not None:
                acc.read(value)
    elif sub in ("checkout", "restore"):
        seen, operands = scan(rest, frozenset({"-b", "-B", "--orphan", "-s", "--source",
                                                "--conflict", "--pathspec-from-file"}))
        dashes = "--" in rest
        after = rest.index("--") + 1 if dashes else 0
        for position in operands:
            if sub == "checkout" and not dashes and position == operands[0] and \
                    len(operands) == 1 and rest[position] not in (".", "./"):
                continue  # `git checkout BRANCH`
            if sub == "checkout" and dashes and position < after:
                continue  # the tree-ish before `--`
            acc.write(rest[position])
    elif sub in ("diff", "blame", "annotate"):
        # Their paths are read and shown: a path outside the work tree turns diff's --no-index
        # on by itself (`git diff /dev/null ~/.aws/credentials`); revisions read as paths in
        # the directory, which no secret rule names.
        seen, operands = scan(rest, _GIT_DIFF_VALUES)
        for value, _ in option_values(seen, "--contents"):
            acc.read(value)
        for value, _ in option_values(seen, "--output"):
            acc.write(value)
        for position in operands:
            acc.read(rest[position])
    elif sub in ("rm", "mv", "clean"):
        _, operands = scan(rest, frozenset({"-e", "--exclude"}))
        for position in operands:
            acc.write(rest[position])


def _copy(dest_last: bool = True) -> Callable[[Acc], None]:
    """cp / mv / install / ln / rsync / scp: sources are read, the destination written."""

    def rule(acc: Acc) -> None:
        values = frozenset({"-t", "--target-directory", "-S", "--suffix", "-m", "--mode",
                            "-o", "--owner", "-g", "--group", "-e", "--rsh", "-i", "-P", "-F",
                            "-l", "--exclude", "--include", "--filter", "--backup-dir",
                            "--chmod", "--chown", "--rsync-path", "--log-file",
                            "--password-file", "--files-from", "--exclude-from",
                            "--include-from", "-c", "-J", "-D", "-B", "--bwlimit"})
        seen, operands = scan(acc.cmd.args, values)
        given = [acc.cmd.args[i] for i in operands]
        # only scp and rsync read `host:path` as remote: cp's `a:b` is a file (a repository's
        # directory `x:` makes `cp x:/../../.ssh/id_rsa out` read a key)
        copier = acc.cmd.program in _REMOTE_COPIERS
        remote = _remote if copier else _never
        target = option_values(seen, "-t", "--target-directory")
        if target:
            destination: str | None = target[-1][0]
            sources = given
        elif len(operands) > 1 and dest_last:
            destination = None if remote(given[-1]) else given[-1]
            sources = given[:-1]
        else:
            destination, sources = None, given
        for source in sources:
            if not remote(source):  # a remote source is read on its host
                acc.read(source)
                if acc.cmd.program == "mv":
                    acc.write(source)  # moved away
        if destination is not None:
            recursive = any(a in ("-r", "-R", "-a", "--recursive", "--archive") or
                            (a.startswith("-") and not a.startswith("--") and
                             any(c in a for c in "rRa")) for a in acc.cmd.args)
            if recursive or (len(sources) == 1 and not destination.endswith("/")):
                acc.write(destination)  # replaced: `cp a b`, `mv dir new`, `scp h:x .bashrc`
            for source in sources:  # a remote one's name too: `scp h:settings.json .claude/`
                names = {posixpath.basename(source.rstrip("/"))}
                if copier and ":" in source:  # `h:x`: a one-letter host, or a drive
                    names.add(posixpath.basename(source.partition(":")[2].rstrip("/")))
                for name in names:
                    if name and name not in (".", ".."):
                        acc.write(posixpath.join(destination, name))
        for value, _ in option_values(seen, "--password-file", "--files-from"):
            acc.read(value)

    return rule


_REMOTE_COPIERS = frozenset({"scp", "rsync"})


def _never(text: str) -> bool:
    return False


def _remote(text: str) -> bool:
    """`host:path` / `user@host:path` (scp, rsync), not `./a:b` or `C:\\x`."""
    head, colon, _ = text.partition(":")
    return bool(colon) and "/" not in head and len(head) > 1


def _operands_written(values: frozenset[str] = frozenset(), skip: int = 0,
                      reads: tuple[str, ...] = ()) -> Callable[[Acc], None]:
    """tee / touch / truncate / rm / shred / chmod ...: the operands are written (the first
    `skip` operands are not files: chmod's mode)."""

    def rule(acc: Acc) -> None:
        seen, operands = scan(acc.cmd.args, values)
        for value, _ in option_values(seen, *reads):
            acc.read(value)
        start = skip
        if acc.cmd.program in ("chmod", "chown", "chgrp") and has(seen, "--reference"):
            start = 0
        if acc.cmd.program == "chmod" and any(_MODE_OPTION.match(a) for a in acc.cmd.args):
            start = 0  # `chmod -x FILE`: the mode looked like an option
        for index in operands[start:]:
            acc.write(acc.cmd.args[index])

    return rule


_MODE_OPTION = lazy_compile(r"^-[rwxXst]+$")


def _in_place(long_names: tuple[str, ...], script_operand: bool) -> Callable[[Acc], None]:
    """sed -i / perl -pi / ruby -i / yq -i: the files after the script are rewritten."""

    def rule(acc: Acc) -> None:
        args = acc.cmd.args
        in_place = any(a.startswith(long_names) or (a.startswith("-") and not a.startswith("--")
                                                    and "i" in a[1:].split("e", 1)[0] + "i"[:0]
                                                    and "i" in a[1:])
                       for a in args)
        if not in_place:
            return
        values = frozenset({"-e", "--expression", "-f", "--file", "-l", "-I", "-M", "-r"})
        seen, operands = scan(args, values)
        given = has(seen, "-e", "--expression", "-f", "--file", "-E")
        if script_operand and not given and operands:
            operands = operands[1:]
        for index in operands:
            acc.write(args[index])

    return rule


def _dd(acc: Acc) -> None:
    for arg in acc.cmd.args:
        if arg.startswith("if="):
            acc.read(arg[3:])
        elif arg.startswith("of="):
            acc.write(arg[3:])


def _curl(acc: Acc) -> None:
    values = frozenset({"-o", "--output", "-T", "--upload-file", "-d", "--data",
                        "--data-binary", "--data-urlencode", "--data-ascii", "--json", "-F",
                        "--form", "-K", "--config", "-c", "--cookie-jar", "-b", "--cookie",
                        "-D", "--dump-header", "--trace", "--trace-ascii", "--netrc-file",
                        "--cacert", "-E", "--cert", "--key", "--unix-socket", "-H", "--header",
                        "-X", "--request", "-u", "--user", "-A", "-e", "--referer",
                        "--data-raw", "--form-string", "--stderr", "--libcurl", "-w"})
    seen, _ = scan(acc.cmd.args, values)
    for name, value, _ in seen:
        if value is None:
            if name in ("-n", "--netrc"):
                acc.read("~/.netrc")
            continue
        if name in ("-o", "--output", "-c", "--cookie-jar", "-D", "--dump-header", "--trace",
                    "--trace-ascii", "--stderr", "--libcurl"):
            acc.write(value)
        elif name in ("-T", "--upload-file", "-K", "--config", "--netrc-file", "--cacert",
                      "-E", "--cert", "--key", "--unix-socket"):
            acc.read(value)
        elif name in ("-d", "--data", "--data-binary", "--data-urlencode", "--data-ascii",
                      "--json", "-H", "--header") and "@" in value:
            acc.read(value.split("@", 1)[1])
        elif name in ("-F", "--form"):
            for marker in ("=@", "=<"):
                if marker in value:
                    acc.read(value.split(marker, 1)[1].split(";", 1)[0])
        elif name in ("-b", "--cookie") and "=" not in value:
            acc.read(value)


def _wget(acc: Acc) -> None:
    values = frozenset({"-O", "--output-document", "-o", "--output-file", "-a",
                        "--append-output", "-i", "--input-file", "--post-file", "--body-file",
                        "--load-cookies", "--save-cookies", "--certificate", "--private-key",
                        "--ca-certificate", "-P", "--directory-prefix"})
    seen, _ = scan(acc.cmd.args, values)
    for name, value, _ in seen:
        if value is None:
            continue
        if name in ("-O", "--output-document", "-o", "--output-file", "-a", "--append-output",
                    "--save-cookies"):
            acc.write(value)
        elif name in ("-P", "--directory-prefix"):
            acc.write(posixpath.join(value, "*"))
        else:
            acc.read(value)


def _tar(acc: Acc) -> None:
    args = acc.cmd.args
    first = args[0]
    old_style = not first.startswith("-")
    letters = first if old_style else "".join(a[1:] for a in args if a.startswith("-")
                                              and not a.startswith("--"))
    extract = "x" in letters or "--extract" in args or "--get" in args
    values = frozenset({"-f", "--file", "-C", "--directory", "-T", "--files-from", "-X",
                        "--exclude-from", "-I", "--use-compress-program", "--to-command",
                        "--checkpoint-action", "-K", "-N", "--newer", "-b", "-g"})
    scan_args = args[1:] if old_style else args
    seen, operands = scan(scan_args, values)
    archive = option_values(seen, "-f", "--file")
    if old_style and "f" in first and operands:
        archive = [(scan_args[operands[0]], operands[0])]
        operands = operands[1:]
    directory = (option_values(seen, "-C", "--directory") or [(".", -1)])[-1][0]
    if extract:
        for name, _ in archive:
            acc.read(name)
        if option_values(seen, "-C", "--directory"):
            acc.write(posixpath.join(directory, "*"))
        for index in operands:
            acc.write(posixpath.join(directory, scan_args[index]))
    else:
        for name, _ in archive:
            acc.write(name)
        for index in operands:
            acc.read(posixpath.join(directory, scan_args[index]))


def _unzip(acc: Acc) -> None:
    seen, operands = scan(acc.cmd.args, frozenset({"-d", "-x", "-P"}))
    target = option_values(seen, "-d")
    if operands:
        acc.read(acc.cmd.args[operands[0]])
    directory = target[-1][0] if target else "."
    if target:
        acc.write(posixpath.join(directory, "*"))
    for index in operands[1:]:
        acc.write(posixpath.join(directory, acc.cmd.args[index]))


def _find(acc: Acc) -> None:
    args = acc.cmd.args
    roots = []
    for arg in args:
        if arg.startswith("-") or arg in ("(", "!", ")"):
            break
        roots.append(arg)
    names = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-name", "-iname")]
    paths = [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-path", "-ipath", "-wholename")]
    for i, arg in enumerate(args[:-1]):
        if arg in ("-name", "-iname", "-path", "-ipath", "-wholename", "-regex", "-iregex",
                   "-newer", "-samefile"):
            acc.patterns.add(i + 1)
    if "-delete" in args:
        for root in roots or ["."]:
            for name in names:
                acc.write(posixpath.join(root, "**", name))
        for pattern in paths:
            acc.write(pattern)


RULES: dict[str, Callable[[Acc], None]] = {
    "grep": _GREP, "egrep": _GREP, "fgrep": _GREP, "zgrep": _GREP, "rg": _RG, "ag": _AG,
    "ack": _ACK, "git": _git, "cp": _copy(), "mv": _copy(), "install": _copy(),
    "ln": _copy(), "rsync": _copy(), "scp": _copy(), "tee": _operands_written(),
    "sponge": _operands_written(), "touch": _operands_written(frozenset({"-r", "-d", "-t"}),
                                                              reads=("-r",)),
    "truncate": _operands_written(frozenset({"-s", "-r", "--size", "--reference"})),
    "rm": _operands_written(), "unlink": _operands_written(), "rmdir": _operands_written(),
    "shred": _operands_written(frozenset({"-n", "-s", "--iterations", "--size"})),
    "chmod": _operands_written(skip=1), "chown": _operands_written(skip=1),
    "chgrp": _operands_written(skip=1), "chattr": _operands_written(skip=1),
    "setfacl": _operands_written(frozenset({"-m", "-x", "-M", "-X"})),
    "sed": _in_place(("--in-place",), True), "gsed": _in_place(("--in-place",), True),
    "perl": _in_place(("--in-place",), False), "ruby": _in_place(("--in-place",), False),
    "yq": _in_place(("--inplace",), True), "dd": _dd, "curl": _curl, "wget": _wget,
    "tar": _tar, "bsdtar": _tar, "unzip": _unzip, "find": _find,
    "vi": _operands_written(), "vim": _operands_written(), "nvim": _operands_written(),
    "nano": _operands_written(), "emacs": _operands_written(), "ed": _operands_written(),
    "code": _operands_written(), "subl": _operands_written(),
    "patch": _operands_written(frozenset({"-i", "-p", "-d", "-o", "-r", "-B", "-z", "-D",
                                          "--input"}), reads=("-i", "--input")),
    **TOOL_RULES,
}
