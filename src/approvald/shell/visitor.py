"""What the word reader asks of the walk (`words.Visit`): substitutions found inside words are
walked, variables the line set are looked up, `"$@"` is what the line bound."""

from __future__ import annotations

from approvald.shell import arith, positional
from approvald.shell.state import NAMEREF, UNKNOWN_OUTPUT, Ctx, Scope
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node

    from approvald.shell.walk import Analyzer
    from approvald.shell.words import Visit

_POSITIONAL = frozenset("0123456789#")


class Visitor:
    """Hands substitutions found inside words to the walk; resolves variables the line set."""

    __slots__ = ("an", "ctx", "pending", "scope")

    def __init__(self, an: Analyzer, scope: Scope, ctx: Ctx,
                 pending: list[Node] | None = None) -> None:
        self.an = an
        self.scope = scope
        self.ctx = ctx
        # `>(...)`: what runs there reads what the command writes, so with a list here it is
        # walked once the command is (see `statements.handle_command`); else it reads unknown
        # output
        self.pending = pending

    def __call__(self, node: Node, via: str) -> Word | None:
        if node.type == "process_substitution" and self.an.writes_to(node, self.ctx):
            if self.pending is not None:
                self.pending.append(node)
                return None
            return self.an.walk_substitution(node, self.scope, self.ctx, via, UNKNOWN_OUTPUT)
        if node.type in ("command_substitution", "process_substitution"):
            return self.an.walk_substitution(node, self.scope, self.ctx, via)
        if node.type == "arithmetic_expansion":  # `$((x))`: what x's value runs
            arith.names(self.an, self.ctx.source(node), self.scope, self.ctx)
        self.an.walk_children(node, self.scope, self.ctx)
        return None

    def arithmetic(self, text: str) -> None:
        """`${a[x]}`, `${s:x:1}`, `${!r}` (written `text`): what x's value runs."""
        arith.expansion(self.an, text, self.scope, self.ctx)

    def lookup(self, name: str) -> Word | None:
        if self.scope.aliases:  # (`declare -n r=x`: `$r` is x's value)
            name = self.scope.aliases.get(NAMEREF + name, name)
        value = self.scope.vars.get(name)
        if value is not None:
            return value
        if name == "PWD":
            return Word(self.scope.cwd)
        if name == "OLDPWD" and self.scope.oldpwd is not None:
            return Word(self.scope.oldpwd)
        if name[0] in _POSITIONAL:
            return positional.lookup(self.scope.args, name)
        return None

    def arguments(self, source: str) -> list[Word] | None:
        """What `"$@"` or a slice of it (written `source`) becomes, when the line bound the
        parameters."""
        args = self.scope.args
        return positional.all_words(args, source) if args is not None else None


class Quiet:
    """A `Visit` that walks no commands: for reading a part of an expansion the walk visits
    as a whole."""

    __slots__ = ("visit",)

    def __init__(self, visit: Visit) -> None:
        self.visit = visit

    def __call__(self, node: Node, via: str) -> Word | None:
        return None

    def lookup(self, name: str) -> Word | None:
        return self.visit.lookup(name)

    def arguments(self, source: str) -> list[Word] | None:
        return self.visit.arguments(source)

    def arithmetic(self, text: str) -> None:
        return None
