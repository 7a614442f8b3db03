"""Project runners: tools whose subcommand runs a command in the project's environment.

`poetry run CMD`, `uv run CMD`, `uv tool run CMD`, `pnpm exec CMD`, `npm exec [-c CMD | -- CMD]`,
`bundle exec`, `direnv exec DIR CMD`, `npx [-c CMD | CMD]`, `bunx`, `uvx`, `pipx run`,
`deno run npm:PKG`, `deno x PKG` (and its alias `dx`), `deno task --eval TEXT`, `bun exec TEXT`.
"""

from __future__ import annotations

import re

from approvald.shell.peel import (
    Handler,
    OptionSpec,
    Peel,
    join_words,
    names,
    option_value,
    parse_options,
)
from approvald.shell.words import Word

_NO_OPTIONS = OptionSpec()


def _set(*items: str) -> frozenset[str]:
    return frozenset(items)


UV_RUN = OptionSpec(short_value="p", long_value=_set(
    "--with", "--with-editable", "--with-requirements", "--python", "--directory",
    "--project", "--env-file", "--extra", "--group", "--package", "--index", "--from"))
# npx's (and `npm exec`'s) options that take a value; `-w NAME` picks a workspace to run in
NPX = OptionSpec(short_value="pcw", long_value=_set("--package", "--call", "--workspace"))
PIPX_RUN = OptionSpec(long_value=_set("--spec", "--python", "--pip-args", "--index-url"))


def package_runner(words: list[Word]) -> Peel | None:
    """`npx [-y] [-p PKG] CMD ...`, `bunx`, `uvx`; `npx -c 'CMD'` runs CMD through a shell."""
    options, index = parse_options(words, NPX)
    command = option_value(options, "-c", "--call")
    if command is not None:
        return Peel([], nested="npx -c", shell_text=command)
    if index >= len(words):
        return None
    return Peel(words[index:])


def exec_after(spec: OptionSpec = _NO_OPTIONS) -> Handler:
    """`poetry run CMD`, `npm exec [-c CMD | -- CMD]`, `uv tool run CMD`: after the subcommand's
    options comes the command (or `-c`/`--call` text for a shell)."""

    def handler(words: list[Word]) -> Peel | None:
        options, index = parse_options(words, spec)
        command = option_value(options, "-c", "--call")
        if command is not None:
            return Peel([], nested="exec -c", shell_text=command)
        return Peel(words[index:]) if index < len(words) else None

    return handler


def direnv_exec(words: list[Word]) -> Peel | None:
    """`direnv exec DIR CMD`: CMD runs in DIR."""
    if len(words) < 2:
        return None
    return Peel(words[1:], chdir=words[0])


# deno's options that take the next word as their value (permissions take theirs glued:
# `--allow-read=~/x`); `deno task`'s: `--cwd DIR`, `-c FILE`, `-f FILTER`.
DENO_RUN = OptionSpec(short_value="cL", long_value=_set(
    "--config", "--import-map", "--cert", "--location", "--seed", "--log-level", "--ext",
    "--preload", "--require"))
DENO_X = OptionSpec(short_value="cLp", long_value=DENO_RUN.long_value | _set("--package"))
DENO_TASK = OptionSpec(short_value="cf", long_value=_set("--cwd", "--config", "--filter"))
# npm:[@scope/]name[@version][/bin]: the package's command, by its bin name or its own name
_NPM_SPECIFIER = re.compile(r"npm:(?:@[^/@]+/)?([^/@]+)(?:@[^/]*)?(?:/(.+))?")


def deno_run(words: list[Word]) -> Peel | None:
    """`deno run [-A ...] npm:rimraf ARGS` runs the package's command, as `npx rimraf ARGS`
    does; any other script is left to the interpreter's reading of deno."""
    _, index = parse_options(words, DENO_RUN)
    if index < len(words):
        match = _NPM_SPECIFIER.fullmatch(words[index].text)
        if match and words[index].literal:
            program = match.group(2) or match.group(1)
            return Peel([Word(program), *words[index + 1:]], label="deno run")
    return None


def deno_task(words: list[Word]) -> Peel | None:
    """`deno task --eval TEXT` runs TEXT as a task (through deno's shell); a named task is
    read from the project's files at decision time (policy/expand.py)."""
    options, index = parse_options(words, DENO_TASK)
    if "--eval" in names(options) and index < len(words):
        return Peel([], nested="deno task --eval", shell_text=join_words(words[index:]))
    return None


def deno_x(words: list[Word]) -> Peel | None:
    """`deno x [-p PKG] [npm:]PKG ARGS` (and `dx`, the alias `deno x --install-alias` makes) runs
    the package's command, as npx does; a `jsr:` package is code from JSR, left as `deno run`
    leaves it."""
    options, index = parse_options(words, DENO_X)
    if index >= len(words):
        return None
    first = words[index]
    if option_value(options, "-p", "--package") is not None or not first.literal:
        return Peel(words[index:], label="deno x")  # `-p typescript tsc`: the command is named
    if first.text.startswith("jsr:"):
        return None
    spec = first.text if first.text.startswith("npm:") else f"npm:{first.text}"
    match = _NPM_SPECIFIER.fullmatch(spec)
    program = (match.group(2) or match.group(1)) if match else first.text
    return Peel([Word(program), *words[index + 1:]], label="deno x")


def bun_exec(words: list[Word]) -> Peel | None:
    """`bun exec TEXT` runs TEXT through Bun Shell, a bash-like shell."""
    if not words:
        return None
    return Peel([], nested="bun exec", shell_text=join_words(words))
