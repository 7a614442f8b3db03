"""Launchers that start commands in terminal sessions or in parallel: tmux, screen, parallel.

(`tmux send-keys` types into a pane: self-protection decides about it as tmux's own argument.)
"""

from __future__ import annotations

from approvald.shell.peel import (
    Option,
    OptionSpec,
    Peel,
    join_words,
    names,
    option_value,
    parse_options,
)
from approvald.shell.words import Word


def _set(*items: str) -> frozenset[str]:
    return frozenset(items)


_TMUX_GLOBAL = OptionSpec(short_value="LSfcT")
_TMUX_NEW_SESSION = OptionSpec(short_value="cefFnstxy")
_TMUX_NEW_WINDOW = OptionSpec(short_value="ceFnt")
_TMUX_SPLIT = OptionSpec(short_value="celtFp")
_TMUX_RESPAWN = OptionSpec(short_value="cet")
_TMUX_RUN = OptionSpec(short_value="cdt")
_TMUX_POPUP = OptionSpec(short_value="bcdehsStTwxy")
_TMUX_IF = OptionSpec(short_value="t")
_TMUX_PIPE = OptionSpec(short_value="t")
_TMUX_STARTS = {
    "new-session": _TMUX_NEW_SESSION, "new": _TMUX_NEW_SESSION, "new-window": _TMUX_NEW_WINDOW,
    "neww": _TMUX_NEW_WINDOW, "split-window": _TMUX_SPLIT, "splitw": _TMUX_SPLIT,
    "respawn-pane": _TMUX_RESPAWN, "respawnp": _TMUX_RESPAWN, "respawn-window": _TMUX_RESPAWN,
    "respawnw": _TMUX_RESPAWN, "run-shell": _TMUX_RUN, "run": _TMUX_RUN,
    "display-popup": _TMUX_POPUP, "popup": _TMUX_POPUP, "if-shell": _TMUX_IF, "if": _TMUX_IF,
    "pipe-pane": _TMUX_PIPE, "pipep": _TMUX_PIPE,
}


def tmux(words: list[Word]) -> Peel | None:
    """`tmux [-c CMD] new-window|split-window|run-shell ... CMD`: CMD runs through a shell.
    (`send-keys` types into a pane: the policy decides about it as tmux's own argument.)"""
    options, index = parse_options(words, _TMUX_GLOBAL)
    command = option_value(options, "-c")
    if command is not None:
        return Peel([], nested="tmux -c", shell_text=command, label="tmux")
    rest = words[index:]
    if not rest or not rest[0].literal or rest[0].text not in _TMUX_STARTS:
        return None
    _, start = parse_options(rest[1:], _TMUX_STARTS[rest[0].text])
    command_words = [w for w in rest[1 + start:] if not (w.literal and w.text in (";", "\\;"))]
    if not command_words:
        return None
    return Peel([], nested=f"tmux {rest[0].text}", each=command_words if rest[0].text in (
        "if-shell", "if") else [], shell_text=None if rest[0].text in ("if-shell", "if")
        else join_words(command_words), label="tmux")


_SCREEN = OptionSpec(short_value="cehpSsTtX", long_value=_set("-Logfile"))


def screen(words: list[Word]) -> Peel | None:
    """`screen -dmS name CMD ARGS`: CMD starts in a detached window."""
    options, index = parse_options(words, _SCREEN)
    if "-X" in names(options) or "-Q" in names(options) or "-r" in names(options) or \
            "-x" in names(options) or "-ls" in names(options):
        return None
    if index >= len(words):
        return None
    return Peel(words[index:], label="screen")


_PARALLEL = OptionSpec(short_value="jPSadIEJNnLlesC", long_value=_set(
    "--jobs", "--delay", "--results", "--colsep", "--arg-file", "--joblog", "--sshlogin",
    "--timeout", "--retries", "--max-args", "--tmpdir", "--workdir", "--env", "--halt",
    "--tagstring", "--basefile", "--return", "--transfer-file", "--max-chars", "--delimiter",
    "--nice", "--termseq", "--max-replace-args", "--max-lines", "--block", "--memfree",
    "--load", "--sshloginfile", "--profile", "--eof", "--arg-sep", "--arg-file-sep",
    "--replace", "--tag-string", "--header"))
# Options after which one command gets several arguments or its input is split its own way:
# the arguments are not known one per command.
_PARALLEL_GROUPING = _set("-X", "-m", "--xargs", "-n", "-N", "--max-args", "--max-replace-args",
                          "-L", "--max-lines", "-l", "-C", "--colsep", "--arg-sep",
                          "--arg-file-sep", "-E", "--eof", "--header", "--pipe", "--pipepart")
# Options that name other replacement strings (`-I @`): where they go is only known at run time.
_PARALLEL_CUSTOM = _set("-I", "--replace", "-i", "--extensionreplace", "--basenamereplace",
                        "--dirnamereplace", "--basenameextensionreplace", "--seqreplace",
                        "--slotreplace", "--plus")
_PARALLEL_SEPARATORS = _set(":::", "::::", ":::+", "::::+")
_PARALLEL_INFO = _set("--version", "--help", "-h", "--citation", "--bibtex", "--number-of-cpus",
                      "--number-of-cores")


# What parallel appends from its input, in the text it runs (commands.run_argv puts what a
# lister printed into that input in its place: `find ~/.ssh | parallel cat`).
PARALLEL_ARGUMENT = '"$parallel_argument"'


def parallel(words: list[Word]) -> Peel | None:
    """`parallel [opts] CMD ::: ARGS`: CMD runs through a shell with each argument in place of
    `{}`, or appended when CMD has no replacement string; `parallel ::: 'cmd a' 'cmd b'`: each
    argument is a command. Arguments from standard input, `::::` files or `--arg-file` are only
    known at run time, and so is a command built from them; those files are read."""
    options, index = parse_options(words, _PARALLEL)
    rest = words[index:]
    peel = _parallel(options, rest)
    if peel is not None:
        peel.reads.extend(_arg_files(options, rest))
    return peel


def _arg_files(options: list[tuple[str, Word | None]], rest: list[Word]) -> list[Word]:
    """The files parallel reads arguments from: `-a FILE`, `--arg-file FILE`, `:::: FILE...`
    (not its input, `-`)."""
    files = [value for name, value in options if name in ("-a", "--arg-file") and value]
    taking = False
    for word in rest:
        if word.literal and word.text in _PARALLEL_SEPARATORS:
            taking = word.text.startswith("::::")
        elif taking:
            files.append(word)
    return [word for word in files if word.text not in ("-", "/dev/stdin")]


def _parallel(options: list[tuple[str, Word | None]], rest: list[Word]) -> Peel | None:
    cut = next((i for i, w in enumerate(rest) if w.literal and w.text in _PARALLEL_SEPARATORS),
               len(rest))
    command, values = rest[:cut], rest[cut + 1:]
    known = (cut < len(rest) and rest[cut].text in (":::", ":::+")
             and not any(name in ("-a", "--arg-file") or name in _PARALLEL_GROUPING
                         for name, _ in options)
             and len(values) <= 16 and all(v.literal and v.text not in _PARALLEL_SEPARATORS
                                           for v in values))
    if command and any(name in _PARALLEL_CUSTOM for name, _ in options):
        return Peel([], nested="parallel", label="parallel",
                    shell_text=Word(_command_text(command, options).text, False))
    if command and any(name in ("--pipe", "--pipepart") for name, _ in options):
        # Blocks of parallel's input are the command's stdin (`parallel --pipe python3 -`
        # runs them as code): read as a pipe from a run-time source.
        text = _command_text(command, options)
        return Peel([], nested="parallel", label="parallel",
                    shell_text=Word(f'cat "$parallel_block" | {text.text}', text.literal))
    if command:
        text = _command_text(command, options)
        if "{" in text.text and "}" in text.text:  # {}, {.}, {/}, {#}, {1}, ...: filled in
            filled = [_filled(text.text, v.text, n) for n, v in enumerate(values, 1)] \
                if known else []
            if filled and all(f is not None for f in filled):
                return Peel([], nested="parallel", label="parallel", each=[
                    Word(f, text.literal) for f in filled if f is not None])
            return Peel([], nested="parallel", shell_text=Word(text.text, False),
                        label="parallel")
        if known:  # no replacement string: each argument is appended
            return Peel([], nested="parallel", label="parallel", each=[
                Word(f"{text.text} {_quoted(v.text)}", text.literal) for v in values])
        return Peel([], nested="parallel", label="parallel",
                    shell_text=Word(f"{text.text} {PARALLEL_ARGUMENT}", text.literal))
    if known:
        return Peel([], nested="parallel", each=values, label="parallel")
    if cut == len(rest) and any(name in _PARALLEL_INFO for name, _ in options):
        return None  # parallel --version: nothing runs
    # No command: each input line is a command, read at run time
    return Peel([], nested="parallel", shell_text=Word("", False), label="parallel")


def _command_text(command: list[Word], options: list[Option]) -> Word:
    """The text parallel runs for its command words: joined by blanks, as a shell line, or
    with `-q`/`--quote` each word quoted (`parallel -q sh -c 'cat "$1"' _` runs that sh). A
    word with a replacement string is left as it is: what is put there is quoted then."""
    if not any(name in ("-q", "--quote") for name, _ in options):
        return join_words(command)
    return Word(" ".join([_quoted(word.text) if word.literal and "{" not in word.text
                          else word.text for word in command]),
                all(word.literal for word in command))


def _filled(command: str, value: str, job: int) -> str | None:
    """`command` with parallel's replacement strings for `value` (the job-th), or None when it
    holds one this does not know ({1}, {= perl =}, ...: only known at run time). parallel
    quotes what it puts in (`sh -c {}` runs the value as one word)."""
    base = value.rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    head = (value.rsplit("/", 1)[0] or "/") if "/" in value else "."
    no_ext = value[:len(value) - len(base)] + stem
    for mark, text in (("{//}", head), ("{/.}", stem), ("{/}", base), ("{.}", no_ext),
                       ("{#}", str(job)), ("{}", value)):
        command = command.replace(mark, _quoted(text))
    return None if "{" in command and "}" in command else command


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
