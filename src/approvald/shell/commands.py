"""From an argv (words after quote removal) to the SimpleCommands that would run.

Wrappers are peeled, shells / eval / find -exec / xargs are looked into, `cd` moves the scope's
working directory, and program global options are stripped so the subcommand comes first.
"""

from __future__ import annotations

from approvald.model.actions import normalize_path
from approvald.model.lazyre import lazy_compile
from approvald.model.plain import Plain
from approvald.shell import envcmds, gitcmd, interpreters, interpspecs, scripts, sessions, specials
from approvald.shell.model import DYNAMIC_ARGS, DYNAMIC_NAME, Redirect, SimpleCommand
from approvald.shell.peel import NO_LAUNCH
from approvald.shell.programs import SHELLS, Globals, is_watched, strip_globals
from approvald.shell.state import MAX_DEPTH
from approvald.shell.words import Word
from approvald.shell.wrappers import wrapper

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer
    from approvald.shell.words import Visit as Visit

_BACKTICK_ESCAPE = lazy_compile(r"\\([\\`$])")
_NONE: frozenset[int] = frozenset()


def unescape_backticks(text: str) -> str:
    return _BACKTICK_ESCAPE.sub(r"\1", text)


# Homebrew installs GNU coreutils, findutils and friends on macOS with a `g` in front: `grm`
# is rm, `gtimeout` is timeout.
GNU_PREFIXED = frozenset("g" + name for name in (
    "rm", "rmdir", "shred", "dd", "truncate", "cp", "mv", "ln", "install", "chmod", "chown",
    "chgrp", "touch", "tee", "cat", "head", "tail", "timeout", "env", "nice", "nohup", "stdbuf",
    "chroot", "find", "xargs", "sed", "awk", "tar", "split", "base64", "kill", "mktemp",
    "mkdir", "realpath", "readlink", "date", "sort", "uniq", "wc", "ls", "du", "df", "stat",
    "printf", "echo", "tr", "cut"))


def program_name(text: str) -> str:
    """`/usr/bin/git` -> `git`; `git.exe` -> `git`. Lowercased: macOS and Windows file systems
    run `GIT` as `git`."""
    name = _NAMES.get(text)  # asked three times for each command (peel, dispatch, emit)
    if name is None:
        name = text.rsplit("/", 1)[-1].lower()
        if "\\" in name:  # `'C:\Windows\System32\cmd.exe'` in Git Bash: a Windows path
            name = name.rsplit("\\", 1)[-1]
        if name.startswith("=") and len(name) > 1:
            name = name[1:]  # zsh runs `=rm` as rm (its path); bash finds no such program
        if name.endswith(".exe"):
            name = name[:-4]
        if name in GNU_PREFIXED:
            name = name[1:]
        if len(_NAMES) >= 4096:
            _NAMES.clear()
        _NAMES[text] = name
    return name


_NAMES: dict[str, str] = {}


def quote_words(words: list[Word]) -> str:
    import shlex  # here, not at the top: a module less for the hook when nothing needs it

    return " ".join(shlex.quote(word.text) if word.literal else word.text for word in words)


class Site(Plain):
    """How a command is being run: its source text, directory, peeled wrappers, redirects."""

    text: str
    cwd: str
    peeled: list[str]
    redirects: list[Redirect] | None
    replace: str | None  # xargs -I / find {}: words containing this are run-time values
    appended: bool  # xargs: extra arguments appended at run time

    def __init__(self, text: str, cwd: str, peeled: list[str] | None = None,
                 redirects: list[Redirect] | None = None, replace: str | None = None,
                 appended: bool = False) -> None:
        self.text = text
        self.cwd = cwd
        self.peeled = peeled if peeled is not None else []
        self.redirects = redirects
        self.replace = replace
        self.appended = appended

    def filled(self, word: Word) -> Word:
        """`word`, known only at run time when it holds the replacement string (`xargs -I{}`,
        `find -exec`, `fd -x`: what is put there comes from the input)."""
        if self.replace and word.literal and self.replace in word.text:
            return Word(word.text, False, word.glob)
        return word


def run_argv(an: Analyzer, words: list[Word], assignments: list[str], scope: Scope, ctx: Ctx,
             *, text: str, redirects: list[Redirect] | None = None, stdin: Word | None = None,
             replace: str | None = None, appended: bool = False, cwd: str | None = None,
             judged: int = 0) -> int | None:
    """Report the command `words` would run; returns the index of the command reported for it.
    (`judged`: how many of `assignments` were already looked into by the caller.)"""
    site = Site(text, cwd or scope.cwd, [], redirects, replace, appended)
    assignments = list(assignments)
    if scope.exported:  # what the line exported is in this command's environment too
        own = {a.split("=", 1)[0] for a in assignments}
        inherited = [a for a in scope.environment() if a.split("=", 1)[0] not in own]
        assignments = inherited + assignments
        judged += len(inherited)
    if words and words[0].literal and not words[0].glob and scope.aliases and (
            _expanded(an, words[0].text, words, scope, ctx, "alias", ctx.wrappers)
            or _expanded(an, HASHED + words[0].text, words, scope, ctx, "alias", ctx.wrappers)):
        return None
    name: str | None = None  # the program name of `words[0]`, once worked out
    while words:
        first = words[0]
        name = None
        # bash's command table holds after `command`, `exec` and `time` too (aliases do not)
        if site.peeled and scope.aliases and first.literal and _expanded(
                an, HASHED + first.text, words, scope, ctx, "hash -p",
                ctx.wrappers + tuple(site.peeled)):
            return None
        if site.filled(first) is not first:  # `xargs -I{} {}`: a run-time name
            words = [site.filled(first), *words[1:]]
            break
        if not first.literal or first.glob:
            break
        name = program_name(first.text)
        handler = wrapper(name)
        peel = handler(words[1:]) if handler is not None else None
        if peel is None or peel is NO_LAUNCH:
            if peel is None and handler is not None and site.appended:
                # `xargs sudo`, `xargs env`, `xargs timeout 5`: the wrapper runs what xargs
                # appends, a command only known at run time
                an.note_dynamic(f"{name} runs a command xargs appends at run time")
                judge_assignments(an, assignments[judged:], scope, ctx, site)
                return emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
            break
        label = peel.label or name
        site.peeled.append(label)
        assignments.extend(peel.assignments)
        if peel.chdir is not None:
            site.cwd = resolve_dir(an, peel.chdir, site.cwd, name)
        for word in peel.reads:
            an.add_path(word, site.cwd, "read", f"{name} input file")
        for word in peel.writes:
            an.add_path(word, site.cwd, "write", f"{name} output file")
        if peel.shell_text is not None or peel.each:  # su -c 'git push', hyperfine A B
            texts = [peel.shell_text] if peel.shell_text is not None else list(peel.each)
            via = peel.nested or label
            site.peeled.pop()
            dynamic = None
            if site.appended:  # `xargs watch echo`, `xargs hyperfine true`: input as code
                an.note_dynamic(f"{name} may run text xargs appends at run time")
                dynamic = DYNAMIC_NAME
            texts = [site.filled(t) for t in texts]  # `xargs -I{} su -c {}`
            listed = an.printers.listing(an.commands, scripts.written(  # (-a / :::: FILE)
                an, peel.reads[0], site.cwd) if peel.reads else stdin) \
                if peel.nested == "parallel" else None
            if listed is not None:  # `find ~/.ssh | parallel cat` runs `cat $(find ~/.ssh)`
                texts = [Word(t.text.replace(sessions.PARALLEL_ARGUMENT, listed), t.literal)
                         for t in texts]
            for shell_text in texts:
                dynamic = dynamic_text(an, shell_text, via) or dynamic
            index = emit(an, words, assignments, ctx, site, dynamic=dynamic)
            site.peeled.append(label)
            for shell_text in texts:
                if shell_text.text:
                    walk_nested(an, shell_text.text, scope.copy(), ctx, via, site)
            return index
        if peel.nested:  # xargs CMD, watch -x CMD, docker run IMAGE CMD: a derived command
            kept = None
            if peel.keep:  # the wrapper's own arguments matter too (mounts, files)
                site.peeled.pop()
                kept = emit(an, words, assignments, ctx, site)
                site.peeled.append(label)
            if not can_nest(an, ctx, peel.nested):
                site.peeled.pop()
                return emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
            judge_assignments(an, assignments[judged:], scope, ctx, site)
            inner_ctx = derived(ctx, peel.nested, site.peeled)
            # What xargs appends or replaces reaches the derived command too (`xargs watch -x
            # sh -c`: watch runs `sh -c INPUT`).
            rest, appended = peel.rest, peel.appended
            if peel.input_names is not None and stdin is not None and stdin.text:
                for name in peel.input_names(stdin.text):  # `echo PATH | xargs cat`
                    an.add_path(Word(name), site.cwd, "read", "xargs input")
            listed = None
            if peel.nested == "xargs":  # the names it reads: its input, or -a's file
                listed = an.printers.listing(an.commands, scripts.written(
                    an, peel.reads[0], site.cwd) if peel.stdin_through else stdin)
            if listed is not None:
                # `find ~/.ssh | xargs cat` appends the file names `cat $(find ~/.ssh)` has,
                # `xargs -I{} cat {}` puts them in place of {}
                rest = [*rest, Word(listed, False)] if appended else [
                    Word(w.text.replace(peel.replace, listed), False, w.glob)
                    if peel.replace and peel.replace in w.text else w for w in rest]
            found = run_argv(an, rest, assignments, scope, inner_ctx, text=text,
                             redirects=redirects, stdin=stdin if peel.stdin_through else None,
                             replace=peel.replace or site.replace,
                             appended=appended or site.appended,
                             cwd=site.cwd, judged=len(assignments))
            return kept if kept is not None else found
        words = peel.rest
    if len(assignments) > judged:  # (most commands have none left to judge)
        judge_assignments(an, assignments[judged:], scope, ctx, site)
    if not words:
        return None
    index = dispatch(an, words, assignments, scope, ctx, site, stdin, name)
    if scope.functions and words[0].text in scope.functions and words[0].literal \
            and not set(site.peeled) - {"time"}:  # (what wrappers run is a program)
        from approvald.shell.compound import call_function

        call_function(an, words, scope, ctx, site, stdin)
    return index


def _expanded(an: Analyzer, key: str, words: list[Word], scope: Scope, ctx: Ctx, via: str,
              wrappers: tuple[str, ...]) -> bool:
    """Walk the alias (or `hash -p` binding) `key` with the rest of `words` in place of the
    command, if there is one."""
    alias = scope.aliases.get(key)
    if alias is None:
        return False
    inner = scope.copy()
    del inner.aliases[key]  # bash does not expand an alias inside itself
    an.walk_source(alias + " " + quote_words(words[1:]), inner, ctx, via, wrappers)
    return True


def judge_assignments(an: Analyzer, assignments: list[str], scope: Scope, ctx: Ctx,
                      site: Site) -> None:
    """`GIT_PAGER=cmd git log`, `env EDITOR=cmd ...`: variables that hold commands."""
    if assignments:
        envcmds.judge(an, envcmds.split(assignments), scope, ctx, site)


def derived(ctx: Ctx, via: str, peeled: list[str]) -> Ctx:
    return ctx.changed(depth=ctx.depth + 1, via=via, wrappers=ctx.wrappers + tuple(peeled))


def walk_nested(an: Analyzer, text: str, scope: Scope, ctx: Ctx, via: str, site: Site) -> None:
    an.walk_source(text, scope, ctx, via, ctx.wrappers + tuple(site.peeled))


def can_nest(an: Analyzer, ctx: Ctx, via: str) -> bool:
    if ctx.depth + 1 > MAX_DEPTH:
        an.unanalyzed(via, f"commands nested more than {MAX_DEPTH} levels deep ({via}) were not "
                      "analyzed", ctx)
        return False
    return True


def dispatch(an: Analyzer, words: list[Word], assignments: list[str], scope: Scope, ctx: Ctx,
             site: Site, stdin: Word | None, name: str | None) -> int:
    """(`name`: the program name of `words[0]` when the caller worked it out.)"""
    first = words[0]
    if not first.literal or first.glob:
        an.note_dynamic(f"the command name {first.text!r} is only known at run time")
        return emit(an, words, assignments, ctx, site, dynamic=DYNAMIC_NAME)
    if name is None:
        name = program_name(first.text)
    if name in SHELLS:
        return scripts.shell(an, name, words, assignments, scope, ctx, site, stdin)
    if "/" in first.text:  # ./deploy.sh: did this line write it?
        content = scripts.written(an, first, site.cwd)
        if content is not None:
            return scripts.run_written_program(an, words, assignments, scope, ctx, site,
                                               content)
    if interpspecs.is_interpreter(name):
        return interpreters.run(an, name, words, assignments, scope, ctx, site, stdin)
    handler = specials.HANDLERS.get(name)  # most commands name none of these: one lookup
    if handler is None and "db" in name:  # gdb and lldb under other names (`gdb-multiarch`)
        handler = specials.escapes.run
    if handler is not None:
        index = handler(an, name, words, assignments, scope, ctx, site, stdin)
        if index is not None:
            return index
    return emit(an, words, assignments, ctx, site, scope=scope, program=name)


# Names `hash -p` bound to a path are kept with the aliases under this prefix (no alias name can
# hold a NUL): bash looks them up after `command`, `exec` and `time` too, where no alias applies.
HASHED = "\0hash:"


def command_table(an: Analyzer, text: str, ctx: Ctx | None, assigning: bool = False) -> None:
    """Bash's command table can make any later name run any program (`BASH_CMDS[git]=/bin/rm;
    git -rf ~`): a person decides, and what it binds is not followed. Asked of every text
    walked (an assignment to it), of the words of every command that assigns variables, once
    quotes are removed (`printf -v 'BASH_CM''DS[git]' ...`), and of every value assigned (a
    name reference's target)."""
    if "BASH_CMDS" in text and (assigning or _COMMAND_TABLE.search(text)):
        an.unanalyzed(text, "the line names bash's command table (BASH_CMDS), which can make a "
                      "command name run another program", ctx)


_COMMAND_TABLE = lazy_compile(r"BASH_CMDS(?:\[|\+?=)")  # an assignment to it
# Builtins that assign the variables their arguments name.
_ASSIGNING = frozenset({"declare", "typeset", "local", "readonly", "export", "printf", "read",
                        "mapfile", "readarray", "getopts"})


def dynamic_text(an: Analyzer, word: Word, what: str) -> str | None:
    if word.literal:
        return None
    an.note_dynamic(f"{what} runs text that is only known at run time: {word.text!r}")
    return DYNAMIC_NAME


def resolve_dir(an: Analyzer, word: Word, cwd: str, what: str) -> str:
    if not word.literal:
        an.note_dynamic(f"{what}: the directory {word.text!r} is only known at run time; paths "
                        f"are resolved against {cwd}")
        return cwd
    return normalize_path(word.text, cwd, an.home)


def emit(an: Analyzer, words: list[Word], assignments: list[str], ctx: Ctx, site: Site, *,
         dynamic: str | None = None, scope: Scope | None = None,
         findings: frozenset[str] = frozenset(), program: str | None = None) -> int:
    """Build and record the SimpleCommand for `words` (argv after wrappers). (`program`: its
    program name, when the caller worked it out.)"""
    first = words[0]
    if program is None:
        program = program_name(first.text) if first.literal and not first.glob else first.text
    cwd = site.cwd
    rest = words[1:]
    start = 0
    args = rest
    found: Globals | None = None
    if dynamic != DYNAMIC_NAME and first.literal:
        found = strip_globals(program, rest)
        start = found.start
        for chdir in found.chdirs:
            cwd = resolve_dir(an, chdir, cwd, program)
        args = rest[start:]
    unknown: set[int] = set()
    globbed: list[int] = []
    replaced = site.replace
    for position, word in enumerate(args):  # one pass: most commands are all literal words
        if not word.literal or (replaced and replaced in word.text):
            unknown.add(position)
        if word.glob:
            globbed.append(position)
    if site.appended:
        unknown.add(len(args))  # extra arguments are appended at run time
    if dynamic is None and (unknown or (start and any(not word.literal
                                                      for word in rest[:start]))) \
            and is_watched(program):
        dynamic = DYNAMIC_ARGS
        shown = " ".join(word.text for word in words)
        an.note_dynamic(f"{program}: some arguments are only known at run time ({shown!r})")
    argv = tuple([word.text for word in words])
    if program in _ASSIGNING:
        command_table(an, " ".join(argv), ctx, assigning=True)
    command = SimpleCommand(  # in field order, not by keyword: matching 14 keywords costs
        argv,                 # a third of building the command
        program,
        argv[1 + start:],  # args
        cwd,
        ctx.wrappers + tuple(site.peeled) if site.peeled else ctx.wrappers,
        tuple(assignments),
        dynamic,
        frozenset(unknown) if unknown else _NONE,  # dynamic_args
        tuple(site.redirects) if site.redirects else (),
        site.text,
        ctx.depth,
        ctx.via,
        findings,
        frozenset(globbed) if globbed else _NONE,  # glob_args
    )
    index = an.emit(command)
    if program == "git" and found is not None and scope is not None and \
            gitcmd.derives(args, found, assignments):
        inner = scope.copy()
        inner.cwd = cwd
        gitcmd.derive(an, args, found, list(assignments), inner, ctx, site, cwd)
    return index
