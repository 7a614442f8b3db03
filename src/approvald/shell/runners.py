"""Project runners: tools whose subcommand runs a command in the project's environment.

`poetry run CMD`, `uv run CMD`, `uv tool run CMD`, `pnpm exec CMD`, `npm exec [-c CMD | -- CMD]`,
`bundle exec`, `direnv exec DIR CMD`, `npx [-c CMD | CMD]`, `bunx`, `uvx`, `pipx run`.
"""

from __future__ import annotations

from approvald.shell.peel import Handler, OptionSpec, Peel, option_value, parse_options
from approvald.shell.words import Word

_NO_OPTIONS = OptionSpec()


def _set(*items: str) -> frozenset[str]:
    return frozenset(items)


UV_RUN = OptionSpec(short_value="p", long_value=_set(
    "--with", "--with-editable", "--with-requirements", "--python", "--directory",
    "--project", "--env-file", "--extra", "--group", "--package", "--index", "--from"))
NPX = OptionSpec(short_value="pc", long_value=_set("--package", "--call"))
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
