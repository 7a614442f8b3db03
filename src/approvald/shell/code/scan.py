"""What a piece of interpreter code does that the policy cares about.

`scan(language, code)` looks for, by the names of the calls that do them:
- commands it runs: a string run through a shell (`os.system("git push")`), an argv
  (`subprocess.run(["git", "push"])`), or something only known at run time (`os.system(cmd)`);
- code it evaluates: literal code in the same language is scanned too, anything else is dynamic;
- files it deletes (recursively or not), writes and reads, when their names are literal
  (`~`, `$HOME`, `os.homedir()`... count as the home directory);
- the OS keyring read directly, keystrokes injected into a terminal (TIOCSTI), a socket wired
  to a shell (a reverse shell), approvald imported as a library.

It sees calls spelled out in the code. Code that builds a call's name at run time
(`getattr(os, "sys" + "tem")`), decodes itself, or loads another file is only partly visible:
see docs/POLICY.md.
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Plain
from approvald.shell.code.languages import LANGUAGES, Language
from approvald.shell.code.literals import (
    HOME,
    call_arguments,
    evaluate,
    read_string,
    string_list,
)

MAX_CODE = 64 * 1024
MAX_FINDINGS = 64


class Spawn(Plain):
    shell: str | None  # run through a shell
    argv: list[str | None] | None  # run directly; None items are run-time values
    what: str  # the call, for the explanation

    def __init__(self, shell: str | None = None, argv: list[str | None] | None = None,
                 what: str = "") -> None:
        self.shell = shell
        self.argv = argv
        self.what = what


class Findings(Plain):
    """What `scan` found (plain classes, not dataclasses: `dataclasses` and the methods it
    compiles cost a process that meets interpreter code milliseconds)."""

    spawns: list[Spawn]
    nested: list[tuple[str, str]]  # (language, literal code)
    deletes: list[tuple[str | None, bool]]  # (path, recursive)
    writes: list[str | None]
    reads: list[str]
    dynamic: list[str]  # sentences: what is only known later
    flags: set[str]  # keyring, tty-injection, reverse-shell, ...

    def __init__(self, spawns: list[Spawn] | None = None,
                 nested: list[tuple[str, str]] | None = None,
                 deletes: list[tuple[str | None, bool]] | None = None,
                 writes: list[str | None] | None = None, reads: list[str] | None = None,
                 dynamic: list[str] | None = None, flags: set[str] | None = None) -> None:
        self.spawns = [] if spawns is None else spawns
        self.nested = [] if nested is None else nested
        self.deletes = [] if deletes is None else deletes
        self.writes = [] if writes is None else writes
        self.reads = [] if reads is None else reads
        self.dynamic = [] if dynamic is None else dynamic
        self.flags = set() if flags is None else flags

    def full(self) -> bool:
        return len(self.spawns) + len(self.deletes) + len(self.writes) + len(self.reads) \
            > MAX_FINDINGS


# Each pattern with text it cannot match without (any of them): a pattern is compiled and
# run only for code that holds one (most code has no home reference at all).
_HOME_REFS = [(guards, lazy_compile(pattern)) for guards, pattern in (
    (("${", "#{"),
     r"(?:\$\{|#\{)\s*(?:os\.homedir\(\)|require\(\s*['\"]os['\"]\s*\)\.homedir\(\)|"
     r"process\.env\.HOME|Dir\.home|ENV\[\s*['\"]HOME['\"]\s*\])\s*\}"),
    (("os.path.expanduser(",), r"os\.path\.expanduser\(\s*(['\"])~\1\s*\)"),
    (("Path.home()",), r"(?:pathlib\.)?Path\.home\(\)"),
    (("os.environ[",), r"os\.environ\[\s*(['\"])HOME\1\s*\]"),
    (("os.environ.get(",), r"os\.environ\.get\(\s*(['\"])HOME\1\s*\)"),
    (("os.getenv(",), r"os\.getenv\(\s*(['\"])HOME\1\s*\)"),
    ((".homedir()",), r"(?:require\(\s*['\"](?:node:)?os['\"]\s*\)|\bos)\.homedir\(\)"),
    (("process.env",), r"process\.env\.HOME\b|process\.env\[\s*(['\"])HOME\1\s*\]"),
    (("Deno.env.get(", "Bun.env."),
     r"(?:Deno\.env\.get|Bun\.env\.get)\(\s*(['\"])HOME\1\s*\)|Bun\.env\.HOME\b"),
    (("$ENV{",), r"\$ENV\{\s*['\"]?HOME['\"]?\s*\}"),
    (("Dir.home", "ENV[", "ENV.fetch("),
     r"\bDir\.home\b|\bENV\[\s*(['\"])HOME\1\s*\]|ENV\.fetch\(\s*(['\"])HOME\2\s*\)"),
    (("File.expand_path(",), r"File\.expand_path\(\s*(['\"])~\1\s*\)"),
    (("getenv(", "$_SERVER[", "$_ENV["),
     r"\bgetenv\(\s*(['\"])HOME\1\s*\)|\$_(?:SERVER|ENV)\[\s*(['\"])HOME\2\s*\]"),
    (("Sys.getenv(", "path.expand("),
     r"Sys\.getenv\(\s*(['\"])HOME\1\s*\)|path\.expand\(\s*(['\"])~\2\s*\)"),
    (("ENVIRON[",), r"ENVIRON\[\s*\"HOME\"\s*\]"),
    (("$env:", "$HOME"), r"\$env:(?:HOME|USERPROFILE)\b|\$HOME\b(?=[^\w])"),
)]


def normalize_home(code: str) -> str:
    if "HOME" not in code and "home" not in code and "~" not in code and \
            "USERPROFILE" not in code:
        return code  # every pattern of _HOME_REFS holds one of these: nothing to replace
    for guards, pattern in _HOME_REFS:
        if any(guard in code for guard in guards):
            code = pattern.sub(HOME, code)
    return code


def scan(language: str, code: str) -> Findings:
    found = Findings()
    spec = LANGUAGES.get(language)
    if spec is None:
        return found
    if len(code) > MAX_CODE:
        found.dynamic.append(f"{language} code longer than {MAX_CODE} bytes was not looked into")
        found.flags.add("too-large")
        code = code[:MAX_CODE]
    code = normalize_home(code)
    _flags(spec, code, found)
    quoted = _quoted_spans(code, language)
    position = 0
    while True:
        match = spec.find_call(code, position)
        if match is None:
            break
        position = max(match.end(), position + 1)
        inside = _inside(quoted, match.start())
        if inside is not None:  # `print("os.system(x)")`: text, not a call
            position = max(position, inside)
            continue
        if found.full():
            found.dynamic.append(f"{language} code does more than is looked into")
            found.flags.add("too-large")
            break
        group = match.lastgroup
        if group in ("bt", "tpl", "px", "qx"):  # `cmd`, $`cmd`, %x(cmd), qx(cmd)
            at = match.end() if group == "tpl" else match.start()
            literal = read_string(code, at, language)
            if literal is not None:
                _shell(found, literal.value, "`...`")
                position = max(position, literal.end)
            continue
        name = match.group("name")
        key = name if name in spec.kinds else name.split(".")[-1]
        kind = spec.kinds.get(key, "")
        needs = spec.needs.get(key)
        if not kind or (needs is not None and needs.search(code) is None):
            continue
        if kind.endswith("-receiver"):
            _receiver(kind, receiver(code, match.start("name") + len(name) - len(key) - 1),
                      language, found)
            continue
        args, _ = call_arguments(code, match.end(), language)
        if not args:
            continue
        _apply(spec, kind, name, args, code, found)
    return found


def _quoted_spans(code: str, language: str) -> list[tuple[int, int]]:
    """Where plain string literals are (interpolating ones can run code: not listed)."""
    spans: list[tuple[int, int]] = []
    index = 0
    quotes = "'\"`" if language == "js" else "'\""
    while index < len(code):
        char = code[index]
        prefixed = language == "python" and char in "rRbBuUfF" and \
            code[index + 1:index + 3].lstrip("rRbBuUfF")[:1] in ("'", '"') and \
            (index == 0 or not (code[index - 1].isalnum() or code[index - 1] == "_"))
        if char in quotes or prefixed:
            literal = read_string(code, index, language)
            if literal is None or literal.end <= index:
                index += 1
                continue
            if literal.value is not None:
                spans.append((index, literal.end))
            index = literal.end
            continue
        index += 1
    return spans


def _inside(spans: list[tuple[int, int]], position: int) -> int | None:
    """The end of the quoted span strictly containing `position`, if any."""
    low, high = 0, len(spans)
    while low < high:
        middle = (low + high) // 2
        if spans[middle][1] <= position:
            low = middle + 1
        else:
            high = middle
    if low < len(spans) and spans[low][0] < position < spans[low][1]:
        return spans[low][1]
    return None


def receiver(code: str, dot: int) -> str:
    """The expression before `.method(` ending at `dot`: `Path("~/.x")` of
    `Path("~/.x").write_text(...)`."""
    if dot < 0 or dot >= len(code) or code[dot] != ".":
        return ""
    index = dot
    depth = 0
    while index > 0 and dot - index < 512:
        char = code[index - 1]
        if char in ")]":
            depth += 1
        elif char in "([":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and not (char.isalnum() or char in "_.$~ /'\"") :
            break
        index -= 1
    return code[index:dot].strip()


def _receiver(kind: str, text: str, language: str, found: Findings) -> None:
    path = evaluate(text, language) if text else None
    if kind == "delete-receiver":
        found.deletes.append((path, False))
    elif kind == "write-receiver":
        found.writes.append(path)
    else:
        _read(found, path)


def _apply(spec: Language, kind: str, name: str, args: list[str], code: str,
           found: Findings) -> None:
    language = spec.name
    first = args[0] if args else ""
    if kind == "shell":
        value = evaluate(first, language)
        listed = string_list(first, language) if value is None else None
        if len(args) > 1 and language in ("perl", "ruby"):  # system("git", "push")
            found.spawns.append(Spawn(argv=[evaluate(a, language) for a in args], what=name))
        elif listed is not None:
            found.spawns.append(Spawn(argv=listed, what=name))
        else:
            _shell(found, value, name)
    elif kind == "argv":
        listed = string_list(first, language)
        if listed is not None:
            extra = _named_list(args[1:], language)
            found.spawns.append(Spawn(argv=listed + extra, what=name))
        else:
            value = evaluate(first, language)
            if value is not None and len(args) > 1 and string_list(args[1], language):
                found.spawns.append(Spawn(argv=[value, *(string_list(args[1], language) or [])],
                                          what=name))
            else:
                _shell(found, value, name)
    elif kind == "varargs":
        values = [evaluate(arg, language) for arg in args]
        argv = values[1:] if name.split(".")[-1].startswith(("execl", "spawnl")) else values
        found.spawns.append(Spawn(argv=argv or [None], what=name))
    elif kind == "deno-command":
        program = evaluate(first, language)
        listed = _named_list(args[1:], language)
        found.spawns.append(Spawn(argv=[program, *listed], what=name))
    elif kind == "eval":
        value = evaluate(first, language)
        if value is None:
            found.dynamic.append(f"{language} evaluates code only known at run time ({name})")
            found.flags.add("dynamic-eval")
        else:
            found.nested.append((language, value))
    elif kind in ("delete", "delete-tree"):
        recursive = kind == "delete-tree" or bool(re.search(r"recursive\s*[:=]\s*(?:true|TRUE|T)",
                                                            ",".join(args[1:])))
        found.deletes.append((evaluate(first, language), recursive))
    elif kind == "write":
        found.writes.append(evaluate(first, language))
    elif kind == "write-second":
        if args[1:]:
            found.writes.append(evaluate(args[1], language))
        if first:
            _read(found, evaluate(first, language))
    elif kind == "read":
        _read(found, evaluate(first, language))
    elif kind == "open":
        _open(spec, args, found)
    elif kind == "keyring":
        found.flags.add("keyring")


def _named_list(args: list[str], language: str) -> list[str | None]:
    """`{args: ["push"]}` / `["push"]` after the program: the rest of the argv."""
    for arg in args:
        text = arg.strip()
        match = re.search(r"(?:args|cmd)\s*:\s*(\[.*\])", text, re.DOTALL)
        listed = string_list(match.group(1), language) if match else string_list(text, language)
        if listed is not None:
            return listed
    return []


def _shell(found: Findings, value: str | None, name: str) -> None:
    if value is None:
        found.dynamic.append(f"code runs a command only known at run time ({name})")
    found.spawns.append(Spawn(shell=value, what=name))


def _read(found: Findings, path: str | None) -> None:
    if path:
        found.reads.append(path)


def _open(spec: Language, args: list[str], found: Findings) -> None:
    """open(PATH, MODE) / open(FH, ">PATH") / fopen / File.open / io.open."""
    language = spec.name
    values = [evaluate(arg, language) for arg in args[:3]]
    if language == "perl" and values:
        target = values[-1] if len(values) >= 2 else None
        mode = values[1] if len(values) == 3 else None
        if len(values) == 2 and target is not None:
            stripped = target.strip()
            if stripped.endswith("|") or stripped.startswith("|"):
                found.spawns.append(Spawn(shell=stripped.strip("|").strip(), what="open"))
                return
            mode = re.match(r"^[+<>]*", stripped).group(0)  # type: ignore[union-attr]
            target = stripped[len(mode):].strip()
        if mode is not None and ("|" in mode or mode == "-|"):
            found.spawns.append(Spawn(argv=values[2:], what="open"))
        elif mode is not None and (">" in mode or "+" in mode):
            found.writes.append(target)
        elif target:
            found.reads.append(target)
        return
    path = values[0] if values else None
    mode = values[1] if len(values) > 1 else None
    if mode is not None and any(letter in mode for letter in "wax+"):
        found.writes.append(path)
    elif len(values) > 1 and mode is None and args[1:] and not re.match(
            r"\s*(?:encoding|newline|errors|buffering)\s*=", args[1]):
        found.writes.append(path)  # a mode only known at run time: it may write
    elif path:
        found.reads.append(path)


def _flags(spec: Language, code: str, found: Findings) -> None:
    for flag, pattern in spec.flags.items():
        if pattern.search(code):
            found.flags.add(flag)
    if "socket" in found.flags and "shell-io" in found.flags:
        found.flags.add("reverse-shell")
    found.flags.discard("socket")
    found.flags.discard("shell-io")
