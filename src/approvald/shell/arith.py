"""Arithmetic that evaluates a variable's value: its array subscripts run commands.

Bash evaluates the value of a name in arithmetic as an expression itself, and a subscript in
that expression is expanded first, which runs its command substitutions: `x='a[$(rm -rf ~)]';
(( x ))` runs rm. The contexts are `(( ))`, `$(( ))`, `$[ ]`, `for (( ))`, `let`, the operands
of `[[ -eq ]]` (and -ne, -lt, -le, -gt, -ge) and `[[ -v a[x] ]]`, an indexed array's subscript
(`a[x]=1`, `${a[x]}`), a substring's offset and length (`${s:x:1}`), a value assigned to a
`declare -i` variable, and `$_` (the last argument of the command before).

For each name such a text holds (`x` or `$x`), a value the line set is looked into:
- known, with `$(` or a backtick: read as arithmetic shell text (`(( VALUE ))`), so what its
  substitutions run is reported as nested commands (depth-bounded as any nested text is);
- known, without: its own names are looked into the same way (up to `_MAX_DEPTH` levels);
- only known at run time (a command's output, a file read by `read`): a run-time command
  (REQUIRE_APPROVAL), unless it can only be a number: an arithmetic result, `${#x}`, `$?`,
  or the output of a command that prints numbers (`wc`, `grep -c`, `seq`, `nproc`, ...); a
  value that is another variable (`n=$COUNT`) is looked into as that variable.
A name the line did not set comes from the environment: not looked into (out of reach, as the
environment is). The same run-time rule holds for a substitution written in the arithmetic
itself (`(( $(cat f) > 1 ))`); one written there is walked as any substitution is.
"""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Callable

    from tree_sitter import Node

    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

    Handler = Callable[[Analyzer, str, list[Word], list[str], Scope, Ctx, Site, Word | None],
                       int | None]

# `declare -i n`: kept with the aliases under this prefix (as name references are, see NAMEREF)
INTEGER = "\0int:"
_MAX_DEPTH = 8  # names within values within values looked into
_TEST_ARITHMETIC = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
_NAMES = lazy_compile(r"(?<![\w])([A-Za-z_][A-Za-z0-9_]*)|\$\{?([0-9])")
# `${a[SUB]...}`, `${s:OFFSET:LENGTH}`: the arithmetic parts of an expansion
_EXPANSION = lazy_compile(r"\$\{[#!]?[A-Za-z_][A-Za-z0-9_]*(?:\[(.*?)\])?"
                          r"(?::(?![-=?+])(.*)|[-=?+#%/^,:@].*)?\}\Z", re.DOTALL)
_INDIRECT = lazy_compile(r"\$\{!([A-Za-z_][A-Za-z0-9_]*)[}:]")
_SUBSCRIPT = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*\[(.*)\]\Z", re.DOTALL)
# run-time values that can only be numbers (see the module text)
_NUMBER_VALUE = lazy_compile(
    r"\$\(\([^$`]*\)\)|\$\[[^$`\]]*\]|\$\{#[^}]*\}|\$[?#$!]|"
    r"\$\{?(?:RANDOM|SECONDS|EPOCHSECONDS|LINENO|BASHPID|PPID|UID|EUID|COLUMNS|LINES)\}?",
    re.DOTALL)
_OTHER_VARIABLE = lazy_compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*|[0-9])(?::?-[0-9]*)?\}?\Z")
_SUBSTITUTION = lazy_compile(r"\$\(([^()`$;&\n]*)\)|`([^`$;&\n()]*)`")
_COUNTERS = frozenset({"nproc", "seq", "expr", "getconf"})
# (program, option that makes it print a number); wc and grep -c print a file's name beside
# its count when given more than one (a file named `a[$(cmd)]` then runs cmd), so they count
# only with one file operand at most (see _number_command)
_COUNTING = {"grep": "-c", "id": "-", "git": "--count", "date": "+", "stat": "-c", "wc": ""}
_GLOB_OR_QUOTE = frozenset("*?[{'\"")


def names(an: Analyzer, text: str, scope: Scope, ctx: Ctx, depth: int = 0,
          seen: set[str] | None = None) -> None:
    """Look into the values of the names arithmetic text `text` holds (see the module text),
    and into substitutions in it whose output is evaluated."""
    if "$(" in text or "`" in text:
        for match in _SUBSTITUTION.finditer(text):
            if not _number_command(match.group(1) or match.group(2) or ""):
                _unknown(an, match.group(0), ctx)
    for match in _NAMES.finditer(text):
        name = match.group(1) or match.group(2)
        if seen is None:
            seen = set()
        elif name in seen:
            continue
        seen.add(name)
        value = _value(an, name, scope, ctx)
        if value is None or not value.text or value.text.isdigit():
            continue
        if not value.literal:
            other = _OTHER_VARIABLE.match(value.text)
            if other is not None and other.group(1) != name:  # `n=$COUNT`: that variable
                if depth < _MAX_DEPTH:
                    names(an, "$" + other.group(1), scope, ctx, depth + 1, seen)
            elif _NUMBER_VALUE.fullmatch(value.text) is None and \
                    not _number_substitution(value.text):
                _unknown(an, f"${name}", ctx)
        elif "$(" in value.text or "`" in value.text:
            an.walk_source(f"(( {value.text} ))", scope.copy(), ctx, f"arithmetic ${name}",
                           ctx.wrappers)
        elif depth < _MAX_DEPTH:
            names(an, value.text, scope, ctx, depth + 1, seen)


def evaluate(an: Analyzer, word: Word, scope: Scope, ctx: Ctx) -> None:
    """An expanded word evaluated as arithmetic (`let ARG`, a `[[ -eq ]]` operand, a value
    given to an integer variable): known text with a substitution in it runs it."""
    text = word.text
    if word.literal and ("$(" in text or "`" in text):
        an.walk_source(f"(( {text} ))", scope.copy(), ctx, "arithmetic", ctx.wrappers)
    elif not text.isdigit():
        names(an, text, scope, ctx)


def context(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> None:
    """`(( ... ))`, `for (( ...; ...; ... ))`, `[[ ... ]]`, `$(( ... ))`: the arithmetic they
    evaluate."""
    kind = node.type
    if kind == "arithmetic_expansion":  # (one the walk finds outside a word: `case $((x))`)
        names(an, ctx.source(node), scope, ctx)
        return
    children = node.children
    if kind == "test_command":
        # (`[ x -eq 1 ]` compares numbers only; its `-v NAME` resolves NAME)
        _test(an, node, scope, ctx, bool(children) and children[0].type == "[[")
        return
    if kind == "compound_statement" and (not children or children[0].type != "(("):
        return  # `{ ...; }`
    for child in children:
        if child.is_named and child.type != "do_group" and child.type != "compound_statement":
            names(an, ctx.source(child), scope, ctx)


def _test(an: Analyzer, node: Node, scope: Scope, ctx: Ctx, arithmetic: bool) -> None:
    from approvald.shell.visitor import Quiet  # (loaded: it imports this module)

    for child in node.named_children:
        kind = child.type
        if kind in ("binary_expression", "unary_expression", "parenthesized_expression",
                    "negated_expression"):
            parts = child.named_children
            operators = [part for part in child.children if part.type == "test_operator"]
            operator = ctx.source(operators[0]) if operators else ""
            if (arithmetic and operator in _TEST_ARITHMETIC) or operator == "-v":
                for part in parts:
                    if part.type == "test_operator":
                        continue
                    word = ctx.reader.word(part, Quiet(an.visitor(scope, ctx)))
                    if operator == "-v":
                        subscripted(an, word, scope, ctx)
                    else:
                        evaluate(an, word, scope, ctx)
            else:
                _test(an, child, scope, ctx, arithmetic)


def expansion(an: Analyzer, text: str, scope: Scope, ctx: Ctx) -> None:
    """`${a[SUB]}`, `${s:OFFSET:LENGTH}`: their arithmetic parts; `${!r}`: the name r holds."""
    if text[:3] == "${!":
        target = _INDIRECT.match(text)
        value = _value(an, target.group(1), scope, ctx) if target is not None else None
        if value is not None and "[" in value.text:
            subscripted(an, value, scope, ctx)
    found = _EXPANSION.match(text)
    if found is not None:
        for part in found.groups():
            if part and part not in ("@", "*"):
                names(an, part, scope, ctx)


def assigned(an: Analyzer, name: str, value: Word, scope: Scope, ctx: Ctx) -> None:
    """`a[SUB]=...` (an indexed array's subscript), `n=VALUE` for a `declare -i n`."""
    if name[-1:] == "]":
        found = _SUBSCRIPT.match(name)
        if found is not None:
            names(an, found.group(1), scope, ctx)
        name = name.split("[", 1)[0]
    if scope.aliases and INTEGER + name in scope.aliases:
        evaluate(an, value, scope, ctx)


def subscripted(an: Analyzer, word: Word, scope: Scope, ctx: Ctx) -> None:
    """A variable's name given as a word (`read 'a[x]'`, `printf -v NAME`, `test -v NAME`, the
    target of `${!r}` or `declare -n r=NAME`): bash resolves it, and a subscript in it is
    arithmetic (`read 'a[$(cmd)]'` runs cmd)."""
    found = _SUBSCRIPT.match(word.text)
    if found is not None:
        evaluate(an, Word(found.group(1), word.literal), scope, ctx)


def named(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
          ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`test -v NAME`, `unset NAME`, `wait -p NAME` and (see `naming`) `read`, `mapfile`,
    `printf -v`: each argument that is a name with a subscript (the command is reported as
    any other)."""
    for word in words[1:]:
        if "[" in word.text:
            subscripted(an, word, scope, ctx)
    return None


def naming(handler: Handler) -> Handler:
    """`handler` (`read`, `mapfile`, `printf`) after `named` has looked at its words."""
    def handle(an: Analyzer, name: str, words: list[Word], assignments: list[str],
               scope: Scope, ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
        named(an, name, words, assignments, scope, ctx, site, stdin)
        return handler(an, name, words, assignments, scope, ctx, site, stdin)
    return handle


def let(an: Analyzer, name: str, words: list[Word], assignments: list[str], scope: Scope,
        ctx: Ctx, site: Site, stdin: Word | None) -> int | None:
    """`let EXPR...`: each argument is arithmetic (the command is reported as any other)."""
    for word in words[1:]:
        evaluate(an, word, scope, ctx)
    return None


def _value(an: Analyzer, name: str, scope: Scope, ctx: Ctx) -> Word | None:
    if name == "_" and "_" not in scope.vars:  # the last argument of the command before
        for command in reversed(an.commands):
            if command.depth == ctx.depth:
                if not command.args:
                    return None
                last = len(command.args) - 1
                return Word(command.args[last], last not in command.dynamic_args)
        return None
    return an.visitor(scope, ctx).lookup(name)


def _number_substitution(text: str) -> bool:
    """`$(wc -l < f)` and the like: a substitution that can only print a number."""
    if not text.startswith(("$(", "`")):
        return False
    found = _SUBSTITUTION.fullmatch(text)
    return found is not None and _number_command(found.group(1) or found.group(2) or "")


def _number_command(body: str) -> bool:
    """Whether shell text `body` (no `;`, `&`, `$` or substitution in it) prints a number:
    the last command of its pipeline counts or prints one (`wc -l`, `grep -c x f`)."""
    stages = body.split("|")
    if any(not stage.strip() for stage in stages):  # `a || b`
        return False
    words = stages[-1].split()
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    if program in _COUNTERS:
        return True
    option = _COUNTING.get(program)
    if option is None or not _GLOB_OR_QUOTE.isdisjoint(stages[-1]):
        return False
    if program == "stat":  # `stat -c %Y f` (not %n / %N: the name)
        return "-c" in words and "%n" not in body and "%N" not in body
    operands = [word for at, word in enumerate(words) if at and word[:1] not in "-<>"
                and words[at - 1] not in ("<", ">", "2>")]  # (`wc -l < f`: no operand)
    if program == "wc":  # (`--files0-from=F`: the files F names, each with its name)
        return len(operands) <= 1 and not any(w.startswith("--files0") for w in words)
    if program == "grep":  # the pattern and one file, not recursive
        return "-c" in words and len(operands) <= 2 and not any(
            w in ("--recursive", "--dereference-recursive") or
            (w[:1] == "-" and w[1:2] != "-" and ("r" in w or "R" in w)) for w in words)
    return any(word.startswith(option) for word in words[1:])


def _unknown(an: Analyzer, what: str, ctx: Ctx) -> None:
    an.unanalyzed(what, f"arithmetic evaluates {what}, a value only known at run time, as an "
                  "expression (an array subscript in it runs commands)", ctx)
