"""What each interpreter takes: its options (code, values, program files, modules), its
language, and how its name is recognised (`python3.12`, a shebang line). A table read on every
command, apart from interpreters.py, which follows the code these options carry.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Frozen


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
PWSH = Spec("sh", _set("-c", "-command", "-Command", "/c", "-C"),
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
CLUSTERS = frozenset({"julia", "lisp", "jvm", "raku"})
WHOLE_WORDS = frozenset({"-version", "-help", "-verbose"})

SPECS: dict[str, Spec] = {
    "perl": _PERL, "ruby": _RUBY, "irb": _RUBY, "node": _NODE, "nodejs": _NODE, "bun": _NODE,
    "php": _PHP, "lua": _LUA, "luajit": _LUA, "awk": _AWK, "gawk": _AWK, "mawk": _AWK,
    "nawk": _AWK, "sed": _SED, "gsed": _SED, "vim": _VIM, "vi": _VIM, "nvim": _VIM, "ex": _VIM,
    "view": _VIM, "gvim": _VIM, "vimdiff": _VIM, "rvim": _VIM, "osascript": _OSASCRIPT,
    "expect": _EXPECT, "tclsh": _TCLSH, "wish": _TCLSH, "rscript": _RSCRIPT, "r": _RSCRIPT,
    "pwsh": PWSH, "powershell": PWSH,
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
