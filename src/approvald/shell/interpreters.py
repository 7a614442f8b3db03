"""Interpreters: where their code comes from, and what it is seen to do.

`python -c CODE`, `perl -e CODE`, `node -e CODE`, `awk PROGRAM`, `sed SCRIPT`, `vim -c CMD`,
`osascript -e`, `expect -c`, code fed on stdin (`python3 - <<'EOF'`), or a file the line wrote:
the code is scanned (see `approvald.shell.code`) and what it does becomes commands of the line:
a command it runs is analysed like `bash -c`, a deletion is an `rm`, a file it writes or reads is
a redirect of that file, a keyring read is `keyring get`. `python -m MOD ARGS` runs MOD.
Code for a language with no scanner (julia, elixir and mix, erlang, lisps, emacs and
emacsclient, JVM scripting, raku, haskell, octave, crystal) is dynamic.
The interpreter command itself stays in the analysis as written (rules about python see it).
"""

from __future__ import annotations

from approvald.model.actions import normalize_path
from approvald.model.plain import Plain
from approvald.shell.interpspecs import (
    CLUSTERS,
    OPAQUE,
    PWSH,
    WHOLE_WORDS,
    Spec,
    spec_of,
)
from approvald.shell.model import DYNAMIC_NAME, Redirect
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.code import Findings
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer


_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_PWSH_ENCODED = frozenset({"-encodedcommand", "-enc", "-e", "-ec"})


class Parsed(Plain):
    code: list[Word]  # code given with options (-c / -e / +CMD), in order
    files: list[Word]  # program files (-f FILE, or the script operand)
    module: Word | None
    module_args: list[Word] | None
    unknown: bool  # an option only known at run time
    stdin_code: bool  # the program comes from standard input

    def __init__(self, code: list[Word], files: list[Word], module: Word | None = None,
                 module_args: list[Word] | None = None, unknown: bool = False,
                 stdin_code: bool = False) -> None:
        self.code = code
        self.files = files
        self.module = module
        self.module_args = module_args
        self.unknown = unknown
        self.stdin_code = stdin_code


def parse(spec: Spec, words: list[Word]) -> Parsed:
    """Where the interpreter's program comes from, getopt-style."""
    parsed = Parsed([], [])
    index = 0
    while index < len(words):
        word = words[index]
        text = word.text
        if spec.plus_commands and text.startswith("+") and len(text) > 1:
            parsed.code.append(Word(text[1:], word.literal))
            index += 1
            continue
        if not word.literal:
            parsed.unknown = not parsed.code and not parsed.files
            break
        if text == "--":
            index += 1
            break
        if spec.rest_is_code and (text.lower() in {c.lower() for c in spec.code} or
                                  _pwsh_command(text.lower())):
            rest = words[index + 1:]
            parsed.code.append(Word(" ".join(w.text for w in rest), all(w.literal for w in rest)))
            return parsed
        if spec.rest_is_code and text.lower() in _PWSH_ENCODED:
            parsed.code.append(_decode_powershell(words[index + 1] if index + 1 < len(words)
                                                  else Word("")))
            return parsed
        if not text.startswith("-") or text == "-":
            break
        index += 1
        option, equals, attached = text.partition("=")
        if option.startswith("--") or spec.rest_is_code or spec.whole_words:
            takes = option in spec.code or option in spec.values or option in spec.files
            value = Word(attached) if equals else (words[index] if index < len(words) else None)
            if takes and not equals:
                index += 1
            if value is not None and option in spec.code:
                parsed.code.append(value)
                if spec.code_stops:
                    return parsed
            elif value is not None and option in spec.files:
                parsed.files.append(value)
            continue
        letters = text[1:]
        for position, char in enumerate(letters):
            letter = "-" + char
            glued = letters[position + 1:]
            if char in spec.optional:
                break  # the rest of the cluster is its value
            if not (letter in spec.code or letter in spec.values or letter in spec.files or
                    letter == spec.module):
                continue
            value = Word(glued) if glued else (words[index] if index < len(words) else None)
            if not glued:
                index += 1
            if value is None:
                break
            if letter == spec.module:
                parsed.module, parsed.module_args = value, words[index:]
                return parsed
            if letter in spec.files:
                parsed.files.append(value)
            elif letter in spec.code:
                parsed.code.append(value)
                if spec.code_stops:
                    return parsed
            break
    operands = words[index:]
    if parsed.code or parsed.module is not None:
        return parsed
    if spec.operand_code and not parsed.files and operands:
        parsed.code.append(operands[0])
    elif parsed.files or not spec.operand_file:
        # `crystal i` alone is a REPL: piped in, its input is the program
        parsed.stdin_code = len(operands) == 1 and operands[0].text in spec.repl
    elif operands:
        first = operands[0]
        if first.literal and first.text in _STDIN:
            parsed.stdin_code = True
        else:
            parsed.files.append(first)
    else:
        parsed.stdin_code = True
    return parsed


def _pwsh_command(text: str) -> bool:
    """pwsh binds any prefix of -Command (`-co`, `-comm`), and -CommandWithArgs / -cwa."""
    return (len(text) > 2 and "-command".startswith(text)) or text in (
        "-commandwithargs", "-cwa")


def _opaque_code(spec: Spec, words: list[Word]) -> bool:
    """Whether any word of an unread language's command gives it code, however spelled: an
    option taking a value the parser does not know (`julia -H DIR -e CODE`) must not hide the
    code option after it, nor a glued value, a cluster or a long option's unique prefix."""
    longs = [c for c in spec.code if c.startswith("--")]
    shorts = {c[1] for c in spec.code if len(c) == 2 and c[0] == "-"}
    for at, word in enumerate(words):
        text = word.text
        if text == "--":
            break
        if spec.language == "erlang" and text in ("-s", "-run") and at + 1 < len(words) and \
                words[at + 1].text != "init":  # `erl -run os cmd 'rm -rf /'` calls os:cmd
            return True
        option = text.partition("=")[0]
        if option in spec.code:
            return True
        if option.startswith("--") and len(option) > 3 and any(
                c.startswith(option) for c in longs):
            return True
        if (spec.language in CLUSTERS and text.startswith("-") and not text.startswith("--")
                and len(text) > 2 and text not in WHOLE_WORDS and text not in spec.values
                and text not in spec.files and "-" + text[1] not in spec.values):
            for char in text[1:] if spec.language != "jvm" else text[1]:
                if char in shorts:
                    return True
                if not char.isalpha():
                    break
    return False


def _decode_powershell(word: Word) -> Word:
    import base64  # only here: the hook imports this module for every line

    try:
        text = base64.b64decode(word.text + "=" * (-len(word.text) % 4)).decode("utf-16-le")
    except (ValueError, UnicodeDecodeError):
        return Word(word.text, False)
    return Word(text, False)


def run(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int:
    """An interpreter command: emitted as written, then what its code does."""
    from approvald.shell import scripts
    from approvald.shell.commands import derived, emit, run_argv

    if name == "deno":
        return _deno(an, words, assignments, scope, ctx, site)
    if name == "bun" and len(words) > 2 and words[1].text == "run" and words[2].text in _STDIN:
        words = [words[0], *words[2:]]  # `bun run -` runs the code on stdin, as `bun -` does
    spec = spec_of(name)
    assert spec is not None
    parsed = parse(spec, words[1:])
    if parsed.module is not None:  # python -m twine upload: twine runs
        index = emit(an, words, assignments, ctx, site, dynamic=None if parsed.module.literal
                     else DYNAMIC_NAME)
        module = Word(parsed.module.text.split(".", 1)[0], parsed.module.literal)
        run_argv(an, [module, *(parsed.module_args or [])], [], scope,
                 derived(ctx, f"{name} -m", [*site.peeled, name]), text=site.text,
                 cwd=site.cwd)
        return index
    if site.replace:  # xargs -I{} python3 -c {}, find -exec python3 {} \;: run-time code
        parsed.code = [site.filled(w) for w in parsed.code]
        parsed.files = [site.filled(w) for w in parsed.files]
    sources: list[Word] = list(parsed.code)
    if spec is PWSH:  # PowerShell has no `\` escape: `gc ~\.ssh\id_rsa` reads ~/.ssh/id_rsa
        sources = [Word(w.text.replace("\\", "/"), w.literal) for w in sources]
    # `xargs python3 -c`, `xargs node`: the code, or the script's name, is what xargs appends
    unknown = parsed.unknown or (site.appended and not parsed.code and not parsed.files
                                 and (spec.operand_code or spec.operand_file)) or (
        site.appended and spec.rest_is_code and bool(parsed.code))  # xargs pwsh -c: its code
    for file in parsed.files:
        text, unknown_file = scripts.script_from(an, file, site.cwd, stdin, f"{name} script")
        unknown = unknown or unknown_file
        if text is not None:
            sources.append(text)
    if parsed.stdin_code and stdin is not None:
        sources.append(stdin)
    code = Word("\n".join(w.text for w in sources), all(w.literal for w in sources))
    from approvald.shell.code import Findings  # the code scanners load only when code is run

    findings = prepare(an, spec.language, code, ctx) if sources else Findings()
    dynamic = DYNAMIC_NAME if unknown or not code.literal else None
    if dynamic:
        an.note_dynamic(f"{name} runs code only known at run time")
    elif spec.language in OPAQUE and (sources or _opaque_code(spec, words[1:])):
        dynamic = DYNAMIC_NAME
        an.note_dynamic(f"{name} runs {spec.language} code, which approvald does not read")
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic,
                 findings=frozenset(findings.flags))
    apply(an, findings, scope, ctx, site, f"{name} code", name)
    return index


def _deno(an: Analyzer, words: list[Word], assignments: list[str], scope: Scope, ctx: Ctx,
          site: Site) -> int:
    from approvald.shell.code import Findings
    from approvald.shell.commands import emit

    rest = _deno_operands(words[1:])  # `deno -q eval --ext js CODE`: [eval, CODE]
    code: Word | None = None
    if rest and rest[0].text == "eval":
        code = site.filled(rest[1]) if len(rest) > 1 else None
    elif rest and rest[0].text == "repl":  # `deno repl --eval CODE` runs CODE first
        at = next((i for i, w in enumerate(words[:-1]) if w.text == "--eval"), None)
        code = site.filled(words[at + 1]) if at is not None else None
    # `xargs deno eval`, `xargs deno run`, `xargs deno`: the code, the script or the
    # subcommand is what xargs appends
    appended_code = site.appended and (not rest or (
        rest[0].text in ("eval", "run") and len(rest) == 1))
    findings = prepare(an, "js", code, ctx) if code is not None else Findings()
    dynamic = DYNAMIC_NAME if appended_code or (code is not None and not code.literal) \
        else None
    if dynamic:
        an.note_dynamic("deno runs code only known at run time")
    index = emit(an, words, assignments, ctx, site, dynamic=dynamic,
                 findings=frozenset(findings.flags))
    apply(an, findings, scope, ctx, site, "deno eval", "deno")
    return index


# deno options (before or after its subcommand) that take the next word as their value.
_DENO_VALUES = frozenset({"--ext", "-c", "--config", "--import-map", "--location", "--seed",
                          "--cert", "--lock", "-L", "--log-level", "--env-file", "--inspect",
                          "--v8-flags", "--reload", "-r", "--eval-file"})


def _deno_operands(words: list[Word]) -> list[Word]:
    """deno's words less its options (and their values): the subcommand and its operands."""
    operands: list[Word] = []
    index = 0
    while index < len(words):
        text = words[index].text
        index += 1
        if text == "--":
            return operands + words[index:]
        if text.startswith("-") and len(text) > 1:
            if text in _DENO_VALUES and index < len(words):
                index += 1
            continue
        operands.append(words[index - 1])
    return operands


def prepare(an: Analyzer, language: str, code: Word, ctx: Ctx) -> Findings:
    """Scan code (within the line's budget); the findings, or a dynamic mark past the budget."""
    from approvald.shell.code import Findings, Spawn, mini, scan

    if not code.text or not an.expand(code.text, ctx):
        return Findings()
    text = code.text
    if language == "awk":
        return mini.awk(text)
    if language == "sed":
        return mini.sed(text)
    if language == "vim":
        return mini.vim(text.split("\n"))
    if language == "applescript":
        return mini.applescript(text)
    if language == "tcl":
        return mini.tcl(text)
    if language == "sh":
        found = Findings()
        found.spawns.append(Spawn(shell=text, what=""))
        return found
    return scan(language, text)


def run_code(an: Analyzer, language: str, code: Word, scope: Scope, ctx: Ctx, site: Site,
             via: str) -> None:
    """Code from somewhere else (a script the line wrote): scanned and applied."""
    findings = prepare(an, language, code, ctx)
    apply(an, findings, scope, ctx, site, via, language)


def apply(an: Analyzer, found: Findings, scope: Scope, ctx: Ctx, site: Site, via: str,
          name: str) -> None:
    """What the code does, as commands of the line (one level deeper, `via` says from where)."""
    from approvald.shell.commands import can_nest, derived, run_argv, walk_nested

    if not (found.spawns or found.nested or found.deletes or found.writes or found.reads or
            found.dynamic or "keyring" in found.flags):
        return
    if not can_nest(an, ctx, via):
        return
    inner = derived(ctx, via, [*site.peeled, name])
    home = an.home

    def word(item: str | None, unknown: str) -> Word:
        """A value from code; `~` (home, however the code spelled it) expanded."""
        if item is None:
            return Word(unknown, False)
        if home is not None and (item == "~" or item.startswith("~/")):
            return Word(home + item[1:])
        return Word(item)

    for sentence in found.dynamic:
        an.note_dynamic(sentence)
    for spawn in found.spawns:
        what = f"{via} {spawn.what}".strip()
        if spawn.argv is not None:
            argv = [word(item, "<run-time value>") for item in spawn.argv]
            if argv:
                run_argv(an, argv, [], scope.copy(), replace_via(inner, what), text=site.text,
                         cwd=site.cwd)
        elif spawn.shell is not None:
            walk_nested(an, spawn.shell, scope.copy(), ctx, what, site)
        else:
            run_argv(an, [Word(f"<command built by {name} code>", False)], [], scope,
                     replace_via(inner, what), text=site.text, cwd=site.cwd)
    for language, code in found.nested:
        nested = prepare(an, language, Word(code), inner)
        apply(an, nested, scope, inner, site, f"{via} eval", name)
    if "dynamic-eval" in found.flags or "too-large" in found.flags:
        run_argv(an, [Word(f"<code evaluated by {name}>", False)], [], scope, inner,
                 text=site.text, cwd=site.cwd)
    for path, recursive in found.deletes:
        argv = [Word("rm"), Word("-rf" if recursive else "-f"), word(path, "<run-time path>")]
        run_argv(an, argv, [], scope, replace_via(inner, f"{via} delete"), text=site.text,
                 cwd=site.cwd)
    files = [(path, "write") for path in found.writes if path] + \
        [(path, "read") for path in found.reads]
    redirects = []
    for path, mode in files:
        absolute = normalize_path(path, site.cwd, an.home)
        (an.writes if mode == "write" else an.reads).append(absolute)
        redirects.append(Redirect(absolute, mode))
        if mode == "write":
            an.written[absolute] = Word("", False)
    if redirects:
        run_argv(an, [Word(":")], [], scope, replace_via(inner, f"{via} files"), text=site.text,
                 cwd=site.cwd, redirects=redirects)
    if "keyring" in found.flags:
        run_argv(an, [Word("keyring"), Word("get"), Word(f"<{name} code>")], [], scope,
                 replace_via(inner, f"{via} keyring"), text=site.text, cwd=site.cwd)


def replace_via(ctx: Ctx, via: str) -> Ctx:
    return ctx.changed(via=via)
