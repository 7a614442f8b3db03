"""What a command prints, when that is known before the line runs.

Used for what a pipe feeds the next command (`echo 'git push' | sh`), what a command
substitution becomes (`"$(cat <<'EOF' ... EOF)"`, `$(pwd)`), and what a redirect writes into a
file a later command runs.

A result whose text was *decoded* (`base64 -d`, `xxd -r`, `rev`, escapes in `printf` / `echo -e`)
is returned with `literal=False`: a shell reading it is dynamic (a person decides), and the
decoded text is still looked into, so a decoded `rm -rf ~` is denied like the plain one.
"""

from __future__ import annotations

import posixpath
import re

from approvald.model.actions import normalize_path
from approvald.model.lazyre import lazy_compile
from approvald.shell.model import DYNAMIC_NAME
from approvald.shell.words import MAX_VALUE, Word, decode_ansi_c

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.walk import Analyzer

_ESCAPE = lazy_compile(r"\\(?:[0-7]{1,3}|x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|[abefnrtv\\c])")
_ECHO_FLAGS = frozenset({"-n", "-e", "-E", "-ne", "-en", "-nE", "-En"})
_DECODE_FLAGS = frozenset({"-d", "--decode", "-D"})


def stdout_of(an: Analyzer, index: int | None, stdin: Word | None) -> Word | None:
    """What command `index` prints, or None when only known at run time."""
    if index is None:
        return None
    command = an.commands[index]
    if command.dynamic == DYNAMIC_NAME or "xargs" in command.wrappers:
        return None
    literal = not command.dynamic_args
    args = list(command.args)
    program = command.program
    result: Word | None = None
    if program == "echo":
        flags = set()
        while args and args[0] in _ECHO_FLAGS:
            flags.add(args.pop(0))
        text = " ".join(args)
        if any("e" in flag for flag in flags) and "\\" in text:
            text, literal = _unescape(text), False
        result = Word(text if any("n" in f for f in flags) else text + "\n", literal)
    elif program == "printf" and args:
        result = printf_output(args, literal)
    elif program == "cat":
        ended = args.index("--") if "--" in args else len(args)  # after `--`, all are files
        operands = [arg for arg in args[:ended] if arg == "-" or not arg.startswith("-")] + \
            args[ended + 1:]
        if not operands or operands == ["-"]:
            result = stdin
        elif len(operands) == 1 and literal:
            path = normalize_path(operands[0], command.cwd, an.home)
            result = an.written.get(path)
    elif program == "tee":  # (its input, into its files and out)
        result = stdin
    elif program == "pwd":
        result = Word(command.cwd + "\n")
    elif program in ("basename", "dirname") and literal and args:
        operand = next((a for a in args if not a.startswith("-")), None)
        if operand is not None:
            split = posixpath.basename if program == "basename" else posixpath.dirname
            result = Word((split(operand.rstrip("/")) or "/") + "\n")
    elif program in ("realpath", "readlink") and literal and args:
        operand = next((a for a in args if not a.startswith("-")), None)
        if operand is not None and (program == "realpath" or "-f" in args):
            result = Word(normalize_path(operand, command.cwd, an.home) + "\n")
    elif stdin is not None:
        result = _transform(program, args, stdin)
    if result is not None and len(result.text) > MAX_VALUE:
        return Word(result.text[:MAX_VALUE], False)
    return result


def printf_output(args: list[str], literal: bool) -> Word:
    """printf's output: escapes in the format are decoded (a decoded result is not literal);
    `%s` arguments are printed as they are, `%b` arguments have their escapes decoded."""
    form = args[0]
    values = args[1:]
    if form in ("%s", "%s\\n", "%s\\n\\n") and values:
        newline = "\n" if "\\n" in form else ""
        return Word(newline.join(values) + newline, literal)
    if form.startswith("%b") and values:
        text = "".join(values)
        decoded = _unescape(text)
        return Word(decoded, literal and decoded == text)
    if "%" in form:
        return Word(" ".join(args), False)
    if "\\" in form:
        plain = form.replace("\\n", "\n")
        decoded = _unescape(form)
        return Word(decoded, literal and decoded == plain)
    return Word(form, literal)


def _unescape(text: str) -> str:
    """Backslash escapes as printf and `echo -e` read them."""
    converted = re.sub(r"\\0([0-7]{1,3})", r"\\\1", text)  # echo -e's \0NNN octal
    return decode_ansi_c(converted)


def _transform(program: str, args: list[str], stdin: Word) -> Word | None:
    """Programs that turn known input into other text: the result is decoded, not literal."""
    data = stdin.text
    try:
        if program in ("base64", "base32", "basenc") and _DECODE_FLAGS & set(args):
            import base64  # only here: the hook imports this module for every line

            raw = data.encode("ascii", "ignore")
            cleaned = b"".join(raw.split())
            decoded = base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4)) \
                if program != "base32" else base64.b32decode(cleaned)
            return Word(decoded.decode("utf-8", "replace"), False)
        if program == "xxd" and "-r" in args:
            digits = re.sub(r"[^0-9A-Fa-f]", "", data) if "-p" in args or "-ps" in args \
                else "".join(line.split(":", 1)[-1].split("  ")[0] for line in data.splitlines())
            hexdigits = re.sub(r"[^0-9A-Fa-f]", "", digits)
            return Word(bytes.fromhex(hexdigits[: len(hexdigits) // 2 * 2]).decode(
                "utf-8", "replace"), False)
        if program == "rev":
            return Word("\n".join(line[::-1] for line in data.split("\n")), False)
    except ValueError:  # binascii.Error (base64) is one too
        return None
    return None
