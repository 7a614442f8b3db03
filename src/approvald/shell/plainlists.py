"""Lines of plain commands joined by `|`, `&&`, `||` and `;` (`cd web && npm test`,
`git log | head`), analysed without the parser: each command is read as `plain.py` reads a
plain line, and the line is walked as `walk.py` walks the parser's tree of it (statements, and-or
lists, pipelines: the same scopes, inputs, flows and steps). `tests/shell/test_simple_lines.py`
holds the result equal to the parser's walk.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.shell import commands, output, plain, statements
from approvald.shell.state import PLAIN_TOP, Ctx, Outcome, Scope
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.walk import Analyzer

# A command: its text, its words. A pipeline: its commands. A statement: its pipelines
# (joined by && or ||, walked in order either way). A line: its statements (joined by ;).
Command = tuple[str, list[Word]]
Pipeline = list[Command]
Statement = list[Pipeline]

# Quoted parts, operators, and runs of anything else (a lone `&` is none of them).
_TOKENS = lazy_compile(r"""'[^']*'|"[^"]*"|&&|\|\||[|;]|[^'"&|;]+""")
_OPERATORS = frozenset({"&&", "||", "|", ";"})
# tree-sitter-bash reads a bare `==` or `=~` as a test operator: such lines keep its reading
_TEST_OPERATORS = frozenset({"==", "=~"})


def plain_list(line: str, home: str | None) -> list[Statement] | None:
    """The statements of a line of plain commands joined by operators, or None when the line
    needs the parser (one command alone is `plain.plain_words`' to read)."""
    if len(line) > plain.MAX_PLAIN or ("|" not in line and ";" not in line and "&" not in line) \
            or "\n" in line:  # (a newline ends a command too: `a\n&& b` is no list)
        return None
    tokens = _TOKENS.findall(line)
    if sum(map(len, tokens)) != len(line):
        return None  # a character no token takes: an unclosed quote, a lone `&`
    texts: list[str] = []
    operators: list[str] = []
    current: list[str] = []
    for token in tokens:
        if token in _OPERATORS:
            texts.append("".join(current))
            operators.append(token)
            current = []
        else:
            current.append(token)
    texts.append("".join(current))
    if not operators:
        return None
    found: list[Command] = []
    for text in texts:
        words = plain.plain_words(text, home) if text.strip() else None
        if words is None or any(word.text in _TEST_OPERATORS for word in words):
            return None
        found.append((text.strip(), words))
    statements_: list[Statement] = [[[found[0]]]]
    for operator, command in zip(operators, found[1:], strict=True):
        if operator == ";":
            statements_.append([[command]])
        elif operator == "|":
            statements_[-1][-1].append(command)
        else:
            statements_[-1].append([command])
    for statement in statements_:
        if any(len(pipeline) > 2 for pipeline in statement[:-1]):
            # tree-sitter-bash reads `a | b | c && d` as `a | (b | c && d)`: the policy has
            # always seen that reading, so such lines keep taking the parser
            return None
    return statements_


def walk_plain_list(an: Analyzer, line: str, statements_: list[Statement], scope: Scope) -> None:
    """Walk the line as the parser's walk walks its program (`Analyzer.walk_statements`)."""
    an.step()
    if len(statements_) == 1:
        _statement(an, statements_[0], scope, PLAIN_TOP, walked=False)
        return
    for statement in statements_:
        _statement(an, statement, scope, PLAIN_TOP, walked=True)


def _statement(an: Analyzer, statement: Statement, scope: Scope, ctx: Ctx, *,
               walked: bool) -> None:
    """An and-or list, a pipeline or a command (`walked`: through `Analyzer.walk`, which counts
    a step; else through `walk_fed`, which counts one only for a list or a pipeline)."""
    if len(statement) == 1:
        _pipeline(an, statement[0], scope, ctx, walked=walked)
        return
    an.step()
    _pipeline(an, statement[0], scope, ctx, walked=False)
    for pipeline in statement[1:]:
        _pipeline(an, pipeline, scope, ctx, walked=True)


def _pipeline(an: Analyzer, pipeline: Pipeline, scope: Scope, ctx: Ctx, *,
              walked: bool) -> None:
    """`Analyzer.walk_pipeline`: each command in its own scope, reading what the one before
    prints."""
    if len(pipeline) == 1:
        if walked:
            an.step()
        _command(an, pipeline[0], scope, ctx, None)
        return
    an.step()
    stdin: Word | None = None
    previous: tuple[int, int] | None = None
    for command in pipeline:
        start = len(an.commands)
        last = an.lastpipe and command is pipeline[-1]  # (as walk_pipeline)
        outcome = _command(an, command, scope if last else scope.copy(), ctx, stdin)
        if previous is not None:
            an.flow(previous[0], previous[1], start, len(an.commands))
        previous = (start, len(an.commands))
        stdin = outcome.stdout if outcome.stdout is not None else \
            an.printers.output(an.commands, outcome, stdin)


def _command(an: Analyzer, command: Command, scope: Scope, ctx: Ctx,
             stdin: Word | None) -> Outcome:
    """`statements.handle_command` for a command of plain words (no redirects, assignments
    or substitutions)."""
    text, words = command
    an.step()
    start = len(an.commands)
    index = commands.run_argv(an, list(words), [], scope, ctx, text=text, redirects=[],
                              stdin=stdin, judged=0)
    if index is not None and start < index:
        an.flow(start, index, index, index + 1)
    outcome = Outcome(index, output.stdout_of(an, index, stdin))
    statements.record_argument_files(an, index, stdin)
    return outcome
