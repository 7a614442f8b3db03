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
from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen, Plain
from approvald.shell.model import DYNAMIC_NAME, Redirect
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.code import Findings
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer


class Spec(Frozen):
    language: str
    code: frozenset[str]  # options whose value is code: -c, -e, --eval
    values: frozenset[str]  # options that take a value (glued or the next word)
    optional: str  # short options whose value is only ever glued (perl -i.bak, -Mstrict)
    files: frozenset[str]  # options naming a program file: -f FILE
    module: str  # python -m MOD
    operand_code: bool  # awk / sed: the first operand is the program
    operand_file: bool  # the first operand is a program file (not for vim)
    code_stops: bool  # after the code option the rest are the program's arguments
    plus_commands: bool  # vim +CMD
    rest_is_code: bool  # pwsh -Command: the rest of the line is the code
    whole_words: bool  # an option is a whole word, never a cluster: `-version`, `-pa DIR`
    repl: frozenset[str]  # subcommands that, given nothing more, read code from stdin

    def __init__(self, language: str, code: frozenset[str] = frozenset(),
                 values: frozenset[str] = frozenset(), optional: str = "",
                 files: frozenset[str] = frozenset(), module: str = "",
                 operand_code: bool = False, operand_file: bool = True, code_stops: bool = True,
                 plus_commands: bool = False, rest_is_code: bool = False,
                 whole_words: bool = False, repl: frozenset[str] = frozenset()) -> None:
        self.__dict__.update(language=language, code=code, values=values, optional=optional,
                             files=files, module=module, operand_code=operand_code,
                             operand_file=operand_file, code_stops=code_stops,
                             plus_commands=plus_commands, rest_is_code=rest_is_code,
                             whole_words=whole_words, repl=repl)


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


_PYTHON = Spec("python", _set("-c"), _set("-W", "-X", "--check-hash-based-pycs"), module="-m")
_PERL = Spec("perl", _set("-e", "-E"), _set("-I", "-x"), optional="MmFCidDl0",
             code_stops=False)
_RUBY = Spec("ruby", _set("-e"), _set("-I", "-r", "-C", "-E", "-F", "-x", "-K", "-W"),
             optional="i", code_stops=False)
_NODE = Spec("js", _set("-e", "--eval", "-p", "--print"),
             _set("-r", "--require", "--import", "--input-type", "--loader",
                  "--experimental-loader", "-C", "--conditions", "--env-file", "--title"))
_PHP = Spec("php", _set("-r", "-B", "-R", "-E"), _set("-c", "-d", "-z"), files=_set("-f", "-F"))
_LUA = Spec("lua", _set("-e"), _set("-l"), code_stops=False)
_AWK = Spec("awk", _set("-e", "--source"), _set("-F", "-v", "--assign", "--field-separator",
                                                 "-i", "--include", "-l", "--load"),
            files=_set("-f", "--file"), operand_code=True, code_stops=False)
_SED = Spec("sed", _set("-e", "--expression"), _set("-l", "--line-length"), optional="i",
            files=_set("-f", "--file"), operand_code=True, code_stops=False)
_VIM = Spec("vim", _set("-c", "--cmd"), _set("-u", "-U", "-i", "-T", "-w", "-W", "-t", "-q"),
            files=_set("-S", "-s"), operand_file=False, code_stops=False, plus_commands=True)
_OSASCRIPT = Spec("applescript", _set("-e"), _set("-l", "-s"), code_stops=False)
_EXPECT = Spec("tcl", _set("-c"), _set("-D"), files=_set("-f"), code_stops=False)
_RSCRIPT = Spec("r", _set("-e", "--expr"), code_stops=False)
_PWSH = Spec("sh", _set("-c", "-command", "-Command", "/c", "-C"),
             _set("-f", "-File", "-ExecutionPolicy", "-ep", "-WindowStyle", "-ConfigurationName",
                  "-OutputFormat", "-InputFormat", "-WorkingDirectory", "-wd"),
             rest_is_code=True)
_TCLSH = Spec("tcl")
# Languages approvald has no scanner for: what their code does is not read, so code given to
# them (inline, a script, standard input) makes the command dynamic and a person decides.
_JULIA = Spec("julia", _set("-e", "--eval", "-E", "--print"),
              _set("-J", "--sysimage", "-C", "--cpu-target", "-p", "--procs", "-t", "--threads",
                   "--project", "--machine-file"), files=_set("-L", "--load"), whole_words=True)
_ELIXIR = Spec("elixir", _set("-e", "--eval"),
               _set("--erl", "--sname", "--name", "--cookie", "-pa", "-pz"),
               files=_set("-r", "--require"), whole_words=True)
_ERLANG = Spec("erlang", _set("-eval"), _set("-s", "-run", "-sname", "-name", "-setcookie",
                                            "-pa", "-pz", "-config"), operand_file=False,
               code_stops=False, whole_words=True)
_LISP = Spec("lisp", _set("-e", "--eval", "-c", "--expression"), _set("-L", "--lib"),
             files=_set("-f", "--load", "-l", "-t", "-r", "--require", "-u", "-s", "--script"),
             code_stops=False, whole_words=True)
_CLISP = Spec("lisp", _set("-x"), _set("-L", "-M", "-m", "-E", "-p", "-B"),
              files=_set("-i", "-c"), code_stops=False, whole_words=True)
_JVM = Spec("jvm", _set("-e", "-expression"),
            _set("-cp", "-classpath", "--classpath", "-D", "-J"), files=_set("-script"),
            whole_words=True)
_RAKU = Spec("raku", _set("-e"), _set("-I", "-M", "--target", "--output", "--doc"),
             code_stops=False)
_RUNGHC = Spec("haskell", _set("-e"), _set("-o", "-i", "-package", "-package-db", "-outputdir",
                                           "-odir", "-hidir", "-x"), whole_words=True)
# ghc compiles its operands; runghc runs one, and ghci loads one (given none, it runs its input)
_GHC = _RUNGHC.changed(operand_file=False)
_OCTAVE = Spec("octave", _set("--eval"), _set("--path", "-p", "--exec-path", "--image-path",
                                               "--info-file", "--info-program"),
               whole_words=True)
_EMACS = Spec("lisp", _set("--eval", "-eval", "--execute", "-execute"),
              _set("-L", "--directory", "-f", "--funcall", "-funcall", "--file", "--visit",
                   "--insert", "--chdir", "-d", "--display", "-fn", "--font", "--user", "-u"),
              files=_set("-l", "--load", "-load", "--script", "-script", "-scriptload"),
              operand_file=False, code_stops=False, whole_words=True)
# Subcommands that take code: `mix run -e CODE`, `crystal eval CODE` (or code on stdin).
_MIX = Spec("elixir", _set("-e", "--eval"), operand_file=False, whole_words=True)
# crystal takes a subcommand by any prefix (`crystal e CODE`: eval comes first among `e...`)
_CRYSTAL = Spec("crystal", _set("eval", "eva", "ev", "e"), operand_file=False, whole_words=True,
                repl=_set("i", "interactive"))
# emacsclient -e/--eval: the running Emacs evaluates its operands
_EMACSCLIENT = _EMACS.changed(code=_set("-e", "--eval"), values=_set(
    "-s", "--socket-name", "-f", "--server-file", "-a", "--alternate-editor", "-d", "--display",
    "-F", "--frame-parameters", "-T", "--tramp", "-w", "--timeout"), files=frozenset())
OPAQUE = frozenset({"julia", "elixir", "erlang", "lisp", "jvm", "raku", "haskell", "octave",
                    "crystal"})
# Short code options these languages also take glued or last in a cluster (getopt, picocli,
# racket's flags): `julia -e'CODE'`, `julia -ie CODE`, `racket -ie EXPR`; the JVM tools only
# glued (picocli: `groovy -eCODE`), their options being whole words (`-include-runtime`).
_CLUSTERS = frozenset({"julia", "lisp", "jvm", "raku"})
_WHOLE_WORDS = frozenset({"-version", "-help", "-verbose"})

SPECS: dict[str, Spec] = {
    "perl": _PERL, "ruby": _RUBY, "irb": _RUBY, "node": _NODE, "nodejs": _NODE, "bun": _NODE,
    "php": _PHP, "lua": _LUA, "luajit": _LUA, "awk": _AWK, "gawk": _AWK, "mawk": _AWK,
    "nawk": _AWK, "sed": _SED, "gsed": _SED, "vim": _VIM, "vi": _VIM, "nvim": _VIM, "ex": _VIM,
    "view": _VIM, "gvim": _VIM, "vimdiff": _VIM, "rvim": _VIM, "osascript": _OSASCRIPT,
    "expect": _EXPECT, "tclsh": _TCLSH, "wish": _TCLSH, "rscript": _RSCRIPT, "r": _RSCRIPT,
    "pwsh": _PWSH, "powershell": _PWSH,
    "julia": _JULIA, "elixir": _ELIXIR, "erl": _ERLANG, "racket": _LISP, "guile": _LISP,
    "sbcl": _LISP, "clisp": _CLISP, "groovy": _JVM, "scala": _JVM, "kotlin": _JVM,
    "kotlinc": _JVM, "jshell": _JVM, "clojure": _JVM, "clj": _JVM, "bb": _JVM,
    "jrunscript": _JVM, "scala-cli": _JVM, "ts-node": _NODE, "tsx": _NODE,
    "raku": _RAKU, "perl6": _RAKU, "rakudo": _RAKU, "ghc": _GHC, "ghci": _RUNGHC,
    "runghc": _RUNGHC, "runhaskell": _RUNGHC, "octave": _OCTAVE, "octave-cli": _OCTAVE,
    "emacs": _EMACS, "emacsclient": _EMACSCLIENT, "mix": _MIX, "crystal": _CRYSTAL,
}
_NAMED = frozenset([*SPECS, "deno"])  # interpreters other than python's many names
_PYTHON_NAME = lazy_compile(r"^(?:python|pypy)[0-9.]*$|^py$")
_SHEBANG = lazy_compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(\S+)")
_STDIN = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})
_PWSH_ENCODED = frozenset({"-encodedcommand", "-enc", "-e", "-ec"})


def spec_of(name: str) -> Spec | None:
    if name.startswith("py") and _PYTHON_NAME.match(name):
        return _PYTHON
    return SPECS.get(name)


def is_interpreter(name: str) -> bool:  # (asked for every command: no call to spec_of)
    return name in _NAMED or (name.startswith("py") and _PYTHON_NAME.match(name) is not None)


def shebang_language(first_line: str) -> str:
    match = _SHEBANG.match(first_line)
    if not match:
        return "sh"
    name = match.group(1).rsplit("/", 1)[-1].lower()
    spec = spec_of(name)
    if spec is not None:
        return spec.language
    return "sh" if name.endswith("sh") else ""


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
        if (spec.language in _CLUSTERS and text.startswith("-") and not text.startswith("--")
                and len(text) > 2 and text not in _WHOLE_WORDS and text not in spec.values
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
    if spec is _PWSH:  # PowerShell has no `\` escape: `gc ~\.ssh\id_rsa` reads ~/.ssh/id_rsa
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
