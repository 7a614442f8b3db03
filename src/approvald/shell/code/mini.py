"""Small languages whose programs sit on a command line: awk, sed, vim commands, AppleScript,
Tcl / expect. Same `Findings` as the scanner of general-purpose languages."""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.shell.code.literals import read_string
from approvald.shell.code.scan import Findings, Spawn, normalize_home
from approvald.shell.words import decode_ansi_c

MAX_PROGRAM = 64 * 1024

# --- awk ---------------------------------------------------------------------------------
_AWK_SYSTEM = lazy_compile(r"\bsystem\s*\(")
_AWK_TO_PIPE = lazy_compile(r"\|&?\s*(?=\")")
_AWK_FROM_PIPE = lazy_compile(r"(\"(?:[^\"\\]|\\.)*\")\s*\|&?\s*getline")
_AWK_TO_FILE = lazy_compile(r"\bprintf?\b[^;{}\n]*?>>?\s*(\"(?:[^\"\\]|\\.)*\")")
_AWK_FROM_FILE = lazy_compile(r"getline\b[^;{}\n]*?<\s*(\"(?:[^\"\\]|\\.)*\")")


def _awk_string(code: str, pos: int) -> str | None:
    """The value of awk string literals at `pos`, concatenated the way awk joins adjacent
    strings (`"a" "b"`); None when a run-time value joins in (`"rm " $1`)."""
    parts: list[str] = []
    while pos < len(code) and code[pos] == '"' and len(parts) < 256:
        literal = read_string(code, pos, "js")
        if literal is None or literal.value is None:
            return None
        parts.append(literal.value)
        pos = literal.end
        while pos < len(code) and code[pos] in " \t":
            pos += 1
    if not parts:
        return None
    if pos < len(code) and code[pos] not in ");}|\n,>":
        return None  # joined with something only known at run time
    return "".join(parts)


def awk(code: str) -> Findings:
    found = Findings()
    code = normalize_home(code[:MAX_PROGRAM])
    for match in _AWK_SYSTEM.finditer(code):
        start = match.end()
        while start < len(code) and code[start] in " \t":
            start += 1
        value = _awk_string(code, start) if start < len(code) and code[start] == '"' else None
        _spawn(found, value, "awk system()")
    for match in _AWK_TO_PIPE.finditer(code):
        _spawn(found, _awk_string(code, match.end()), "awk print | cmd")
    for match in _AWK_FROM_PIPE.finditer(code):
        _spawn(found, _awk_string(code, match.start(1)), "awk cmd | getline")
    for match in _AWK_TO_FILE.finditer(code):
        found.writes.append(_awk_string(code, match.start(1)))
    for match in _AWK_FROM_FILE.finditer(code):
        value = _awk_string(code, match.start(1))
        if value:
            found.reads.append(value)
    if "/inet/" in code:
        found.flags.add("reverse-shell" if ("|&" in code or "system" in code) else "network")
    return found


# --- sed ---------------------------------------------------------------------------------
_SED_ADDRESS = lazy_compile(r"^\s*(?:(?:\d+|\$|/(?:[^/\\]|\\.)*/|\\(.)(?:(?!\1).)*\1)[I M]*"
                          r"(?:\s*,\s*(?:\d+|\$|/(?:[^/\\]|\\.)*/|[+~]\d+))?\s*!?\s*)?")


def sed(script: str) -> Findings:
    found = Findings()
    for raw in _sed_commands(script[:MAX_PROGRAM]):
        command = raw[_SED_ADDRESS.match(raw).end():].strip()  # type: ignore[union-attr]
        if not command:
            continue
        letter = command[0]
        argument = command[1:].strip()
        if letter == "e":
            _spawn(found, argument or None, "sed e")
        elif letter in "wW" and argument:
            found.writes.append(argument)
        elif letter in "rR" and argument:
            found.reads.append(argument)
        elif letter == "s" and len(command) > 1:
            parts = _sed_substitute(command)
            if parts is None:
                continue
            replacement, flags = parts
            if "e" in flags.split("w", 1)[0]:
                literal = "\\" not in replacement and "&" not in replacement
                _spawn(found, replacement if literal else None, "sed s///e")
            if "w" in flags:
                target = flags.split("w", 1)[1].strip()
                if target:
                    found.writes.append(target)
    return found


def _sed_commands(script: str) -> list[str]:
    """Commands of a sed script: split at newlines, and at `;` outside s/// and y///."""
    commands: list[str] = []
    for line in script.split("\n"):
        current = ""
        index = 0
        while index < len(line):
            char = line[index]
            if char in "sy" and not current.strip(" !0123456789$,") and index + 1 < len(line):
                delimiter = line[index + 1]
                end = index + 2
                seen = 0
                while end < len(line) and seen < 2:
                    if line[end] == "\\":
                        end += 2
                        continue
                    if line[end] == delimiter:
                        seen += 1
                    end += 1
                while end < len(line) and line[end] not in ";}":
                    end += 1
                current += line[index:end]
                index = end
                continue
            if char in "wWrRe" and not current.strip(" !0123456789$,/"):
                commands.append(current + line[index:])  # the rest of the line is its argument
                current = ""
                break
            if char in ";{}":
                commands.append(current)
                current = ""
            else:
                current += char
            index += 1
        if current:
            commands.append(current)
    return commands


def _sed_substitute(command: str) -> tuple[str, str] | None:
    delimiter = command[1]
    parts: list[str] = []
    current = ""
    index = 2
    while index < len(command) and len(parts) < 2:
        char = command[index]
        if char == "\\" and index + 1 < len(command):
            current += command[index:index + 2]
            index += 2
            continue
        if char == delimiter:
            parts.append(current)
            current = ""
        else:
            current += char
        index += 1
    if len(parts) < 2:
        return None
    return parts[1], command[index:]


# --- vim -------------------------------------------------------------------------------------
_VIM_PREFIX = lazy_compile(r"^(?::|\s|silent!?|sil!?|exe(?:cute)?\s|keepalt\s|noautocmd\s)+")
_VIM_SHELL = lazy_compile(r"^(?:r(?:ead)?|w(?:rite)?|\d*,?\d*)?\s*!(.*)$", re.DOTALL)
_VIM_TERMINAL = lazy_compile(r"^ter(?:minal)?!?\s+(?:\+\+\w+\s+)*(.+)$", re.DOTALL)
_VIM_SYSTEM = lazy_compile(r"\b(?:system|systemlist|jobstart|termopen)\s*\(")
_VIM_NESTED = lazy_compile(r"^(py3|python3|py|python|pyx|pythonx|lua|perl|ruby)\s+(.+)$",
                           re.DOTALL)
_VIM_WRITE = lazy_compile(
    r"^(?:w(?:rite)?!?|sav(?:eas)?!?|wq!?|x(?:it)?!?|up(?:date)?!?)\s+(\S.*)$")
_VIM_READ = lazy_compile(
    r"^(?:e(?:dit)?!?|r(?:ead)?|so(?:urce)?|sp(?:lit)?|tabe(?:dit)?)\s+(\S.*)$")
_NESTED_LANGUAGE = {"py3": "python", "python3": "python", "py": "python", "python": "python",
                    "pyx": "python", "pythonx": "python", "lua": "lua", "perl": "perl",
                    "ruby": "ruby"}


def vim(commands: list[str]) -> Findings:
    found = Findings()
    for text in commands:
        for command in _vim_split(text[:MAX_PROGRAM]):
            command = _VIM_PREFIX.sub("", command).strip()
            shell = _VIM_SHELL.match(command)
            if shell and shell.group(1).strip():
                _spawn(found, shell.group(1).strip(), "vim !")
                continue
            terminal = _VIM_TERMINAL.match(command)
            if terminal:
                _spawn(found, terminal.group(1).strip(), "vim :terminal")
                continue
            nested = _VIM_NESTED.match(command)
            if nested:
                found.nested.append((_NESTED_LANGUAGE[nested.group(1)], nested.group(2)))
                continue
            for match in _VIM_SYSTEM.finditer(command):
                start = match.end()
                literal = read_string(command, start, "python")
                _spawn(found, literal.value if literal is not None else None, "vim system()")
            write = _VIM_WRITE.match(command)
            if write:
                found.writes.append(write.group(1).strip())
            read = _VIM_READ.match(command)
            if read:
                found.reads.append(read.group(1).strip())
    return found


def _vim_split(text: str) -> list[str]:
    """Vim separates commands with `|`, except after `!` (the rest goes to the shell)."""
    parts: list[str] = []
    current = ""
    for char in text:
        if char == "|" and "!" not in _VIM_PREFIX.sub("", current).lstrip()[:12]:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


# --- AppleScript (osascript) ------------------------------------------------------------------
_DO_SHELL = lazy_compile(r"\bdo\s+(?:shell\s+)?script\s+|\.doShellScript\(\s*|\.doScript\(\s*")
_KEYSTROKE = lazy_compile(r"\bkeystroke\b|\bkey\s+code\b|\.keystroke\(|\.keyCode\(")


def applescript(code: str) -> Findings:
    found = Findings()
    code = code[:MAX_PROGRAM]
    for match in _DO_SHELL.finditer(code):
        literal = read_string(code, match.end(), "js")
        value = literal.value if literal is not None else None
        if literal is not None:
            rest = code[literal.end:literal.end + 40].lstrip()
            if rest.startswith("&"):
                value = None  # "rm " & theFile: built at run time
        _spawn(found, value, "osascript do shell script")
    if _KEYSTROKE.search(code):
        found.flags.add("keystrokes")
    return found


# --- Tcl / expect -----------------------------------------------------------------------------
_TCL_COMMAND = lazy_compile(
    r"(?:^|[\n;\[])\s*(spawn|exec|system|send|open)\b((?:\"[^\"\n]*\"|\{[^}\n]*\}|[^;\n\"{])*)")
_SHELL_NAMES = lazy_compile(r"(?:^|/)(?:ba|z|da|k|c|tc|fi)?sh$")


def tcl(code: str) -> Findings:
    found = Findings()
    spawned = ""
    for match in _TCL_COMMAND.finditer(code[:MAX_PROGRAM]):
        verb, rest = match.group(1), match.group(2).strip()
        rest = rest.split(";", 1)[0].rstrip("]").strip()
        words = _tcl_words(rest)
        if verb in ("spawn", "exec"):
            while words and words[0] is not None and words[0].startswith("-") and \
                    words[0] not in ("--",):
                words.pop(0)
            if words and words[0] == "--":
                words.pop(0)
            if words:
                found.spawns.append(Spawn(argv=words, what=f"expect {verb}"))
                if verb == "spawn":
                    spawned = words[0] or ""
        elif verb == "system":
            value = " ".join(w for w in words if w is not None) if all(
                w is not None for w in words) else None
            _spawn(found, value, "expect system")
        elif verb == "open" and words and words[0] and words[0].startswith("|"):
            _spawn(found, words[0][1:], "tcl open |")
        elif verb == "send" and words:
            program = spawned.rsplit("/", 1)[-1].lower()
            if program.startswith("approvald"):
                found.flags.add("keystrokes")
            elif _SHELL_NAMES.search(program) or program in ("ssh", "su", "sudo"):
                text = words[-1]
                if text is not None:
                    text = text.replace("\r", "\n").strip()
                _spawn(found, text, "expect send")
    return found


def _tcl_words(text: str) -> list[str | None]:
    words: list[str | None] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in " \t":
            index += 1
            continue
        if char == "{":
            depth, end = 0, index
            while end < len(text):
                if text[end] == "{":
                    depth += 1
                elif text[end] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                end += 1
            words.append(text[index + 1:end])
            index = end + 1
            continue
        if char == '"':
            end = index + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            body = text[index + 1:end]
            words.append(None if "$" in body or "[" in body else decode_ansi_c(body))
            index = end + 1
            continue
        end = index
        while end < len(text) and text[end] not in " \t":
            end += 1
        word = text[index:end]
        words.append(None if "$" in word or "[" in word else word)
        index = end
    return words


def _spawn(found: Findings, value: str | None, what: str) -> None:
    if value is None:
        found.dynamic.append(f"{what} runs a command only known at run time")
    found.spawns.append(Spawn(shell=value, what=what))
