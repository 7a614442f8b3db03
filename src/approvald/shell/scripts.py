"""Shells and the scripts they run: `bash -c TEXT`, `bash FILE`, `... | sh`, `. /dev/stdin`.

A script's text is looked into when it is known: given on the command line, fed by a pipe or a
here-document whose text is known, or a file the same line wrote (`cat > x.sh <<EOF ... EOF;
bash x.sh`). Fed by a program whose output is only known at run time (`base64 -d | sh`, `curl |
sh`), or a file written with unknown content, the shell is dynamic (a person decides), and any
text that can be recovered (a decoded payload) is still looked into.
"""

from __future__ import annotations

from approvald.model.actions import normalize_path
from approvald.model.lazyre import lazy_compile
from approvald.shell import positional
from approvald.shell.model import DYNAMIC_NAME
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

# Script operands that mean "read the script from standard input".
STDIN_PATHS = frozenset({"/dev/stdin", "/dev/fd/0", "/proc/self/fd/0", "-"})
# Shells whose quoting is not bash's (fish: `\'` inside '...'; csh: `!` and its own quoting):
# their text is read as bash only when it is plain words, which every shell reads alike.
NOT_POSIX = frozenset({"fish", "csh", "tcsh"})


def written(an: Analyzer, word: Word, cwd: str) -> Word | None:
    """The content of a file this line wrote earlier, when `word` names it."""
    if not word.literal or not an.written:
        return None
    return an.written.get(normalize_path(word.text, cwd, an.home))


def script_from(an: Analyzer, operand: Word, cwd: str, stdin: Word | None,
                what: str) -> tuple[Word | None, bool]:
    """The text a program runs from its script operand: (text or None, unknown).

    `/dev/stdin` and `-` read the pipe; a file the line wrote runs what was written; any other
    file is a project script, recorded as a read (its text is not looked into).
    """
    if operand.literal and operand.text in STDIN_PATHS:
        return stdin, False
    content = written(an, operand, cwd)
    if content is not None:
        return content, False
    an.add_path(operand, cwd, "read", what)
    return None, not operand.literal


def shell(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
          ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """`bash -c TEXT`, `bash SCRIPT`, `bash <<EOF` / `... | bash`: the shell and what it runs."""
    from approvald.shell.commands import can_nest, dynamic_text, emit, walk_nested

    rest = words[1:]
    index = 0
    command_mode = False
    from_stdin = False
    unknown = False
    inline: list[Word] = []  # fish's --command / -C / --init-command TEXT: code in an option
    while index < len(rest):
        word = rest[index]
        option = word.text
        if not word.literal:
            unknown = True
            break
        if option in ("--", "-"):
            index += 1
            if option == "-":
                from_stdin = True
            break
        if option.startswith("--"):
            key, equals, value = option.partition("=")
            if name == "fish" and key in ("--command", "--init-command"):
                index += _option_code(inline, rest, index, Word(value) if equals else None)
                continue
            index += 2 if option in ("--rcfile", "--init-file") else 1
            continue
        if len(option) > 1 and option[0] in "-+":
            letters = option[1:]
            if name == "fish" and option[0] == "-" and "C" in letters:
                at = letters.index("C")
                command_mode = command_mode or "c" in letters[:at]
                glued = letters[at + 1:]
                index += _option_code(inline, rest, index, Word(glued) if glued else None)
                continue
            command_mode = command_mode or (option[0] == "-" and "c" in letters)
            from_stdin = from_stdin or "s" in letters
            index += 1 + letters.count("o") + letters.count("O")
            continue
        break
    operands = rest[index:]
    if site.appended and not operands and (command_mode or not from_stdin):
        unknown = True  # `xargs sh -c`, `xargs bash`: the code or script is what xargs appends
    script: Word | None = None
    via = f"{name} -c"
    if command_mode:
        script = operands[0] if operands else None
    elif operands and not from_stdin:
        operands = [site.filled(operands[0]), *operands[1:]]  # xargs -I{} bash {}
        script, unknown_file = script_from(an, operands[0], site.cwd, stdin, f"{name} script")
        unknown = unknown or unknown_file
        via = f"{name} {operands[0].text}"
    elif stdin is not None:
        script, via = stdin, f"{name} <stdin"
    if inline:  # fish runs its option code too
        parts = [*inline, *([script] if script is not None else [])]
        script = Word("\n".join(p.text for p in parts), all(p.literal for p in parts))
    dynamic = None
    if unknown:
        an.note_dynamic(f"{name} runs a script or options only known at run time")
        dynamic = DYNAMIC_NAME
    if script is not None:
        script = site.filled(script)  # xargs -I{} sh -c '... {} ...'
        dynamic = dynamic_text(an, script, name) or dynamic
        if name in NOT_POSIX and script.literal and not _plain(script.text):
            an.note_dynamic(f"{name} reads {script.text!r} by its own rules, not bash's")
            dynamic = DYNAMIC_NAME
        if not can_nest(an, ctx, via):
            dynamic, script = DYNAMIC_NAME, None
    position = emit(an, words, assignments, ctx, site, dynamic=dynamic)
    if script is not None and script.text:
        inner = scope.copy()  # its commands read the shell's input (`| sh -c 'xargs cat'`),
        inner.stdin = stdin if script is not stdin else None  # what is left of its script
        inner.args = positional.of_shell(name, operands, command_mode, from_stdin, site)
        walk_nested(an, script.text, inner, ctx, via, site)
    return position


def _option_code(inline: list[Word], rest: list[Word], index: int, glued: Word | None) -> int:
    """Take the code of an option at `rest[index]` (glued to it, or the next word) into
    `inline`; how many words the option used."""
    if glued is not None:
        inline.append(glued)
        return 1
    inline.append(rest[index + 1] if index + 1 < len(rest) else Word("", False))
    return 2


def _plain(text: str) -> bool:
    """Plain words that fish and csh read as bash does: no backslash (fish escapes `\\'`
    inside single quotes), no `!` (csh's history) and no unquoted `*` or `?` (fish takes `?`
    as a letter, csh fails a glob that matches nothing)."""
    from approvald.shell.plain import plain_words

    if "\\" in text or "!" in text:
        return False
    words = plain_words(text.strip(), None)
    return words is not None and not any(word.glob for word in words)


def source(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
           ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """`source FILE` / `. FILE`: the file's text runs in this very shell."""
    from approvald.shell.commands import dynamic_text, emit, walk_nested

    operands = [word for word in words[1:] if word.text != "--"]
    if not operands:
        return emit(an, words, assignments, ctx, site, scope=scope)
    script, unknown = script_from(an, operands[0], site.cwd, stdin, f"{name} file")
    if unknown:  # `source <(curl ...)`: code only known at run time
        an.note_dynamic(f"{name} runs a file only known at run time")
        return emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
    if script is None:
        return emit(an, words, assignments, ctx, site, scope=scope)
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic_text(an, script, name))
    if script.text:
        walk_nested(an, script.text, scope, ctx, f"{name} {operands[0].text}", site)
    return index


def run_written_program(an: Analyzer, words: list[Word], assignments: list[str], scope: Scope,
                        ctx: Ctx, site: Site, content: Word) -> int:
    """`./deploy.sh` after the line wrote deploy.sh: run what was written, by its `#!` line."""
    from approvald.shell import interpreters, interpspecs
    from approvald.shell.commands import dynamic_text, emit, walk_nested

    via = f"{words[0].text} (written by this line)"
    first_line = content.text.split("\n", 1)[0]
    language = interpspecs.shebang_language(first_line) if first_line.startswith("#!") \
        else "sh"
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic_text(an, content, via))
    if language == "sh":
        walk_nested(an, content.text, scope.copy(), ctx, via, site)
    elif language:
        interpreters.run_code(an, language, content, scope, ctx, site, via)
    return index


_AT_LOOKS = frozenset({"-l", "-r", "-d", "-c", "-V"})
_CRON_LOOKS = frozenset({"-l", "-r", "-e", "-i", "-T", "-V"})


def scheduled(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
              ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """`at` / `batch` run their stdin (or `-f FILE`) later; `crontab FILE|-` installs lines
    whose commands run later. What runs is judged now; text only known at run time is dynamic."""
    from approvald.shell.commands import dynamic_text, emit, walk_nested

    args = words[1:]
    texts = [a.text for a in args]
    looks = _CRON_LOOKS if name == "crontab" else _AT_LOOKS
    if any(text in looks for text in texts) or name in ("atq", "atrm"):
        return emit(an, words, assignments, ctx, site, scope=scope)
    script: Word | None = None
    unknown = False
    if name == "crontab":
        operands = [a for a in args if not (a.literal and a.text.startswith("-") and a.text != "-")]
        operands = [a for a in operands if a.text not in ("-u",)]
        if "-u" in texts:  # crontab -u USER FILE
            operands = operands[1:]
        source_word = operands[0] if operands else Word("-")
        script, unknown = script_from(an, source_word, site.cwd, stdin, "crontab file")
        if script is None:
            unknown = True
        elif script.text:
            script = Word(cron_commands(script.text), script.literal)
    else:
        file = next((args[i + 1] for i, a in enumerate(args[:-1]) if a.text == "-f"), None)
        if file is not None:
            script, unknown = script_from(an, file, site.cwd, stdin, f"{name} file")
        else:
            script = stdin
            unknown = stdin is None
    dynamic = None
    if unknown:
        an.note_dynamic(f"{name} schedules commands only known at run time")
        dynamic = DYNAMIC_NAME
    elif script is not None:
        dynamic = dynamic_text(an, script, name)
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic)
    if script is not None and script.text:
        walk_nested(an, script.text, scope.copy(), ctx, f"{name} (scheduled)", site)
    return index


def cron_commands(text: str) -> str:
    """The command part of each crontab line (after the five time fields or an @keyword)."""
    commands = []
    for line in text.split("\n"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(None, 1 if line.startswith("@") else 5)
        first = fields[0]
        if "=" in first and not line.startswith("@") and not first[0].isdigit() and \
                not first.startswith("*"):
            continue  # VAR=value
        if len(fields) < (2 if line.startswith("@") else 6):
            continue
        command = fields[-1]
        cut = 0
        while True:  # an unescaped % ends the command (the rest is its stdin)
            cut = command.find("%", cut)
            if cut == -1 or command[cut - 1:cut] != "\\":
                break
            cut += 1
        commands.append(command if cut == -1 else command[:cut])
    return "\n".join(commands)


_MAKE_FILE_OPTIONS = ("-f", "--file", "--makefile")
_MAKE_SHELL = lazy_compile(r"\$[({]shell\s+([^)}]*)[)}]")


def make(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
         ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`make -f /dev/stdin`, `make -f -`, `make -f x.mk` written by this line, `make --eval`:
    the recipes of that makefile text are shell lines; text only known at run time is
    dynamic. A project's own Makefile is not looked into (like a project script)."""
    from approvald.shell.commands import dynamic_text, emit, walk_nested

    args = words[1:]
    texts: list[Word] = []
    unknown = False
    for index, word in enumerate(args):
        value: Word | None = None
        for name in (*_MAKE_FILE_OPTIONS, "--eval", "-E"):
            if word.text == name and index + 1 < len(args):
                value = args[index + 1]
            elif word.text.startswith(name + "=") and name.startswith("--"):
                value = Word(word.text.split("=", 1)[1], word.literal)
            elif name in ("-f", "-E") and word.text.startswith(name) and len(word.text) > 2:
                value = Word(word.text[2:], word.literal)
            if value is None:
                continue
            if name in ("--eval", "-E"):
                texts.append(value)
            else:
                script, unknown_file = script_from(an, value, site.cwd, stdin, "makefile")
                unknown = unknown or (unknown_file or (script is None and value.literal and
                                                       value.text in STDIN_PATHS))
                if script is not None:
                    texts.append(script)
            break
    if not texts and not unknown:
        return None
    recipes = Word("\n".join(recipe_lines(t.text) for t in texts), all(t.literal for t in texts))
    dynamic = DYNAMIC_NAME if unknown else dynamic_text(an, recipes, "make")
    if unknown:
        an.note_dynamic("make runs a makefile only known at run time")
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic)
    if recipes.text.strip():
        walk_nested(an, recipes.text, scope.copy(), ctx, "make recipe", site)
    return index


def recipe_lines(text: str) -> str:
    """The shell lines of a makefile: tab-indented recipe lines, text after `;` on a rule line,
    and `$(shell ...)` calls; `$$` is `$`, and `@`, `-`, `+` prefixes are dropped."""
    lines = []
    for raw in text.replace("\\\n", " ").split("\n"):
        if raw.startswith("\t"):
            lines.append(raw[1:].lstrip("@-+ \t"))
        elif ":" in raw and ";" in raw.split("#", 1)[0] and not raw.lstrip().startswith("#"):
            lines.append(raw.split(";", 1)[1].strip().lstrip("@-+ \t"))
        for call in _MAKE_SHELL.findall(raw):
            lines.append(call)
    return "\n".join(line.replace("$$", "$") for line in lines if line)


