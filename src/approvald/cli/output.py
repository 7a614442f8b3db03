"""What every command prints and reads the same way: errors, `--help` with examples, "did you
mean" for a mistyped word, and durations such as `10m`."""

from __future__ import annotations

import argparse
import sys

from approvald.model.lazyre import lazy_compile

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: typing costs every command time
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, NoReturn


def fail(prog: str, message: str, code: int = 1) -> int:
    """`PROG: message` on stderr; returns the exit code to return."""
    print(f"{prog}: {message}", file=sys.stderr)
    return code


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """` (did you mean X?)` for the closest known word, or ""."""
    import difflib  # only for a mistyped word

    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


_INVALID_CHOICE = lazy_compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


class Parser(argparse.ArgumentParser):
    """argparse with "did you mean" for a mistyped subcommand or choice, and a one-line error
    (the usage line, then `PROG: error: ...`). Options are never abbreviated: what a person
    typed is what every reader of the same line (the dashboard's lease panel) sees."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        found = _INVALID_CHOICE.search(message)
        if found:
            choices = [c.strip().strip("'") for c in found.group(2).split(",")]
            message += did_you_mean(found.group(1), choices)
        elif message.startswith("unrecognized arguments: "):
            options = _options(self)
            first = message.removeprefix("unrecognized arguments: ").split()[0]
            if first.startswith("-"):
                message += did_you_mean(first, options)
        super().error(message)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    """Every option of `parser` and its subcommands (argparse reports a subcommand's unknown
    option from the top parser)."""
    found: list[str] = []
    for action in parser._actions:
        found += action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _options(sub)
    return found


def parser_with_examples(prog: str, description: str | None, examples: str) -> Parser:
    """A parser whose `--help` ends with `examples` as written (its line breaks kept)."""
    return Parser(prog=prog, description=description, epilog=examples,
                  formatter_class=argparse.RawDescriptionHelpFormatter)


_DURATION = lazy_compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """Seconds from `90`, `90s`, `10m`, `1h30m` or `2d` (an argparse `type`)."""
    value = text.strip().lower()
    try:
        seconds = float(value)
    except ValueError:
        parts = _DURATION.findall(value)
        if not parts or "".join(n + u for n, u in parts) != value:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a duration (e.g. 90, 90s, 10m, 1h30m, 2d)") from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 seconds")
    return seconds
