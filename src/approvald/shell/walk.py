"""Walking the tree-sitter tree of a shell line: structure, scopes, command nodes.

The walk is deliberately generic: any node type it has no rule for is searched for commands
and substitutions, so grammar details it does not know cannot hide a command. What runs is
decided in `commands.py`.
"""

from __future__ import annotations

import time

from approvald.model.actions import normalize_path
from approvald.shell import arith, commands, compound, plain, plainlists, redirects, statements
from approvald.shell.model import DYNAMIC_NAME, Redirect, ShellAnalysis, SimpleCommand
from approvald.shell.pipes import Printers, group_outcome
from approvald.shell.state import (
    BIG_INPUT,
    MAX_COMMANDS,
    MAX_DEPTH,
    MAX_EXPANDED_BYTES,
    MAX_EXPANSIONS,
    MAX_NESTING,
    MAX_STEPS,
    NOT_FILES,
    PLAIN_TOP,
    REDIRECTS,
    TIME_BUDGET,
    UNANALYZED,
    WORDLIKE,
    Budget,
    Ctx,
    Function,
    Outcome,
    Scope,
    parser,
    set_var,
)
from approvald.shell.visitor import Visitor
from approvald.shell.words import Word, WordReader

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node, Point, Tree

_LOOPS = frozenset({"for_statement", "while_statement", "c_style_for_statement"})
_ARITHMETIC = frozenset({"compound_statement", "test_command", "arithmetic_expansion"})
# Every non-ASCII byte becomes "x": same length, so byte offsets into the real text hold.
_ASCII_SHADOW = bytes(range(128)) + b"x" * 128


class Analyzer:
    def __init__(self, line: str, cwd: str, home: str | None, fast: bool = True) -> None:
        self.line = line
        self.fast = fast  # plain lines skip the parser (see `simple_line`)
        self.home = home
        self.cwd = cwd
        self.commands: list[SimpleCommand] = []
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.dynamic: list[str] = []
        self.notes: list[str] = []
        self.syntax_error = False
        self.flows: list[tuple[int, int, int, int]] = []
        # What the line leaves on disk for later commands, seen by every subshell: files it
        # writes (absolute path) with their content when known, and git configuration it sets
        # (`git config alias.x ...`, key lowercased).
        self.written: dict[str, Word] = {}
        self.git_config: dict[str, str] = {}
        self.printers = Printers()  # which command printed a pipe's unknown input
        self.expansions = 0  # nested texts looked into (see MAX_EXPANSIONS)
        self.expanded_bytes = 0
        self.over_budget = False
        self.steps = 0
        self.nesting = 0
        self.functions: list[Function] = []  # every function defined (see `Function`)
        self.frames: list[set[str]] = []  # per function call walked: the names it made local
        # redirect nodes tree-sitter attached to an enclosing list, keyed by the command's node id
        self.adopted: dict[int, list[Node]] = {}
        self.started = time.monotonic()
        # `shopt -s lastpipe`: a pipeline's last command runs in this shell (`find ~ | read f`)
        self.lastpipe = "lastpipe" in line

    # -- entry -----------------------------------------------------------------------------
    def run(self) -> ShellAnalysis:
        scope = Scope(normalize_path(self.cwd or "/", "", self.home))
        self.scope = scope
        try:
            commands.command_table(self, self.line, None)
            if not (self.fast and self.simple_line(scope)):
                self.walk_source(self.line, scope, None, "", ())
            if self.functions:  # (a plain line's nested shell may define some too)
                self.walk_uncalled()
        except (Budget, RecursionError):
            self.unanalyzed(self.line, "the line is too large or too deeply nested to analyze",
                            None)
        written = self.written
        # (most of these lists are empty: no tuple(dict) round trip); in field order, not by
        # keyword, as `commands.emit` builds a command
        return ShellAnalysis(
            self.line,
            tuple(self.commands),
            tuple(dict.fromkeys(self.reads)) if self.reads else (),
            tuple(dict.fromkeys(self.writes)) if self.writes else (),
            tuple(dict.fromkeys(self.dynamic)) if self.dynamic else (),
            self.syntax_error,
            tuple(dict.fromkeys(self.notes)) if self.notes else (),
            tuple(self.flows),
            tuple([(path, word.text, word.literal) for path, word in written.items()])
            if written else (),
        )

    def walk_uncalled(self) -> None:
        """Functions never called: their body as it stood where each was defined."""
        index = 0
        while index < len(self.functions):  # (walking one may define more)
            function = self.functions[index]
            index += 1
            if not function.called:
                self.walk_children(function.node, function.scope, function.ctx)

    def simple_line(self, scope: Scope) -> bool:
        """A line of plain words (see `plain.py`) is one simple command: analysed without the
        parser, with the same result (a property test holds the two equal)."""
        line = self.line
        words = plain.plain_words(line, self.home)
        if words is None:  # plain commands joined by operators are walked without it too
            found = plainlists.plain_list(line, self.home)
            if found is None:
                return False
            plainlists.walk_plain_list(self, line, found, scope)
            return True
        self.step()
        start = len(self.commands)
        index = commands.run_argv(self, words, [], scope, PLAIN_TOP, text=line.strip())
        if index is not None and start < index:  # what ran first (env GIT_PAGER=CMD git log)
            self.flow(start, index, index, index + 1)  # feeds it, as handle_command records
        statements.record_argument_files(self, index, None)
        return True

    def parse(self, data: bytes) -> Tree | None:
        # Texts are always sliced from the real bytes (`Reader.text`); the parser only sees a
        # same-length ASCII shadow, because tree-sitter-bash 0.25 crashes the whole process
        # (SIGSEGV) on some non-ASCII input such as `{` followed by U+E3455. Bash's syntax is
        # ASCII, so every non-ASCII byte only ever sits inside a word.
        data = data.translate(_ASCII_SHADOW)
        if len(data) < BIG_INPUT:
            return parser().parse(data)
        # tree-sitter notices a cancel only now and then: leave room for it and for the walk
        deadline = self.started + TIME_BUDGET * 0.45

        def read(offset: int, _point: Point) -> bytes:
            return data[offset:offset + 65536]

        def progress(_offset: int, _has_error: bool) -> bool:
            return time.monotonic() > deadline

        try:
            return parser().parse(read, progress_callback=progress)
        except ValueError:  # cancelled at the deadline
            parser().reset()
            return None

    def walk_source(self, text: str, scope: Scope, parent: Ctx | None, via: str,
                    wrappers: tuple[str, ...]) -> Outcome | None:
        """Parse `text` as shell and walk it (the whole line, or nested shell text); the
        outcome of its one statement, when it is one."""
        depth = 0 if parent is None else parent.depth + 1
        if depth > MAX_DEPTH:
            self.unanalyzed(text, f"shell text nested more than {MAX_DEPTH} levels deep was not "
                            "analyzed", parent)
            return None
        if parent is not None and not self.expand(text, parent):
            return None
        if parent is not None:
            commands.command_table(self, text, parent)
        if self.fast and parent is not None:
            outcome = statements.plain_statement(self, text, scope, depth, via, wrappers)
            if outcome is not None:
                return outcome
        data = text.encode("utf-8", "surrogatepass")
        tree = self.parse(data)
        if tree is None:
            self.unanalyzed(text, "the line is too large to analyze in time", parent)
            return None
        patched: set[int] = set()
        if b"<<" in data and b"\n\\" in data:
            tree, data = redirects.patch_heredocs(self, tree, data, patched)
        root = tree.root_node
        if root.has_error:
            self.syntax_error = True
        ctx = Ctx(data, WordReader(data, self.home), depth, via, wrappers, frozenset(patched))
        return self.walk_statements(root, scope, ctx)

    def walk_statements(self, node: Node, scope: Scope, ctx: Ctx) -> Outcome | None:
        """Walk a program or substitution body; the outcome when it is one statement."""
        self.step()
        statements_ = [child for child in node.named_children if child.type != "comment"]
        if len(statements_) == 1 and not node.has_error:
            return self.walk_fed(statements_[0], scope, ctx, None)
        self.walk_children(node, scope, ctx)
        return None

    def expand(self, text: str, ctx: Ctx | None) -> bool:
        """Count nested text against the budget; False (and, once, a dynamic command) past it."""
        if self.over_budget:
            return False
        if self.expansions + 1 > MAX_EXPANSIONS or \
                self.expanded_bytes + len(text) > MAX_EXPANDED_BYTES:
            self.over_budget = True
            self.unanalyzed(text, "the line expands into more text than is looked into "
                            f"({MAX_EXPANSIONS} expansions or {MAX_EXPANDED_BYTES} bytes)", ctx)
            return False
        self.expansions += 1
        self.expanded_bytes += len(text)
        return True

    # -- bookkeeping ---------------------------------------------------------------------------
    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS or len(self.commands) > MAX_COMMANDS:
            raise Budget()
        if not self.steps & 1023 and time.monotonic() - self.started > TIME_BUDGET:
            raise Budget()

    def note_dynamic(self, sentence: str) -> None:
        if len(sentence) > 300:  # quoted text can be huge; a note is for a person to read
            sentence = sentence[:300] + "..."
        self.dynamic.append(sentence)

    def emit(self, command: SimpleCommand) -> int:
        self.commands.append(command)
        return len(self.commands) - 1

    def unanalyzed(self, text: str, reason: str, ctx: Ctx | None) -> None:
        """Record a part that could not be analyzed as a dynamic command, so policy sees it."""
        self.note_dynamic(reason)
        shown = text if len(text) <= 200 else text[:200] + "..."
        self.emit(SimpleCommand(argv=(UNANALYZED,), program=UNANALYZED, args=(), cwd=self.cwd,
                                dynamic=DYNAMIC_NAME, text=shown,
                                depth=ctx.depth if ctx else 0, via=ctx.via if ctx else ""))

    def add_path(self, word: Word, cwd: str, mode: str, what: str) -> Redirect | None:
        if not word.literal:
            self.note_dynamic(f"{what} {word.text!r} is only known at run time")
            return None
        if not word.text:
            return None
        path = normalize_path(word.text, cwd, self.home)
        if path in NOT_FILES or path.startswith("/dev/fd/") or path.startswith("/proc/self/fd"):
            return None
        (self.reads if mode == "read" else self.writes).append(path)
        return Redirect(path, mode)

    def visitor(self, scope: Scope, ctx: Ctx, pending: list[Node] | None = None) -> Visitor:
        return Visitor(self, scope, ctx, pending)

    def writes_to(self, node: Node, ctx: Ctx) -> bool:
        """Whether a process substitution is `>(...)`: a file its commands read."""
        return ctx.src[node.start_byte:node.start_byte + 1] == b">"

    def flow(self, src_start: int, src_end: int, dst_start: int, dst_end: int) -> None:
        """Commands [src_start, src_end) feed their output to [dst_start, dst_end)."""
        if src_start < src_end and dst_start < dst_end and len(self.flows) < 4096:
            self.flows.append((src_start, src_end, dst_start, dst_end))

    # -- structure ---------------------------------------------------------------------------
    def walk(self, node: Node, scope: Scope, ctx: Ctx) -> Outcome | None:
        self.step()
        self.nesting += 1
        try:
            if self.nesting > MAX_NESTING:
                self.unanalyzed(ctx.source(node), "shell structure nested too deeply to analyze",
                                ctx)
                return None
            return self._dispatch(node, scope, ctx)
        finally:
            self.nesting -= 1

    def _dispatch(self, node: Node, scope: Scope, ctx: Ctx) -> Outcome | None:
        kind = node.type
        if kind == "command":
            return self.handle_command(node, scope, ctx)
        if kind == "redirected_statement":
            return self.handle_redirected(node, scope, ctx)
        if kind == "pipeline":
            return self.walk_pipeline(node.named_children, scope, ctx, None)
        elif kind == "list":
            self.walk_list(node, scope, ctx)
        elif kind == "subshell":  # own scope: cd does not leak out
            self.walk_children(node, scope.copy(), ctx)
        elif kind == "function_definition":
            compound.define_function(self, node, scope, ctx)
        elif kind in ("command_substitution", "process_substitution"):
            self.walk_substitution(node, scope, ctx, "")
        elif kind in ("declaration_command", "unset_command"):
            return statements.handle_declaration(self, node, scope, ctx)
        elif kind in ("variable_assignment", "variable_assignments"):
            children = [node] if kind == "variable_assignment" else node.named_children
            assigned = []
            for child in children:
                if child.type == "variable_assignment":
                    text, value = statements.assignment(self, child, scope, ctx)
                    name = text.split("=", 1)[0].rstrip("+")
                    set_var(scope, name, value)
                    arith.assigned(self, name, value, scope, ctx)
                    commands.command_table(self, value.text, ctx, assigning=True)  # a nameref
                    assigned.append((name, value))
            statements.judge_env(self, assigned, scope, ctx, node)
        elif kind in _LOOPS:
            compound.handle_loop(self, node, scope, ctx)
        elif kind in REDIRECTS:
            redirects.read_redirects(self, [node], scope, ctx, scope.cwd)
        elif kind == "ERROR":
            self.syntax_error = True
            self.walk_loose(node.children, scope, ctx)
        elif kind != "comment" and node.child_count:
            if kind in _ARITHMETIC:  # `(( x ))`, `[[ x -eq 1 ]]`: what x's value runs
                arith.context(self, node, scope, ctx)
            self.walk_children(node, scope, ctx)
        return None

    def walk_children(self, node: Node, scope: Scope, ctx: Ctx) -> None:
        self.walk_sequence(node.children, scope, ctx)

    def walk_sequence(self, children: list[Node], scope: Scope, ctx: Ctx) -> None:
        last = len(children) - 1
        for position, child in enumerate(children):
            if child.is_named:
                background = position < last and children[position + 1].type == "&"
                # `cd x & ...` runs in a background subshell: its cd does not stick
                self.walk(child, scope.copy() if background else scope, ctx)

    def walk_list(self, node: Node, scope: Scope, ctx: Ctx, stdin: Word | None = None) -> None:
        # `a && b && c` nests to the left; walk it without recursing once per operator.
        tails: list[list[Node]] = []
        while node.type == "list" and node.child_count:
            children = node.children
            tails.append(children[1:])
            node = children[0]
        background = bool(tails) and tails[-1][0].type == "&"
        self.walk_fed(node, scope.copy() if background else scope, ctx, stdin)
        for tail in reversed(tails):
            self.walk_sequence(tail, scope, ctx)

    def walk_pipeline(self, elements: list[Node], scope: Scope, ctx: Ctx,
                      stdin: Word | None, fed_by: int | None = None) -> Outcome | None:
        """Each element reads what the one before prints: known text, or unknown output."""
        parts = [element for element in elements if element.type != "comment"]
        outcome: Outcome | None = None
        previous = (fed_by, fed_by + 1) if fed_by is not None else None
        for element in parts:
            # each runs in a subshell (the last in this shell under lastpipe)
            inner = scope.copy() if len(parts) > 1 and not (
                self.lastpipe and element is parts[-1]) else scope
            start = len(self.commands)
            outcome = self.walk_fed(element, inner, ctx, stdin)
            if previous is not None:
                self.flow(previous[0], previous[1], start, len(self.commands))
            previous = (start, len(self.commands))
            stdin = outcome.stdout if outcome and outcome.stdout is not None else \
                self.printers.output(self.commands, outcome or group_outcome(
                    self.commands, element.type, start, ctx.depth), stdin)
        return outcome

    def walk_fed(self, node: Node, scope: Scope, ctx: Ctx, stdin: Word | None) -> Outcome | None:
        """Walk `node` with `stdin` as the input of its first command."""
        if node.type == "command":
            return self.handle_command(node, scope, ctx, stdin=stdin)
        if node.type == "redirected_statement":
            return self.handle_redirected(node, scope, ctx, stdin=stdin)
        if node.type == "pipeline" and stdin is not None:
            return self.walk_pipeline(node.named_children, scope, ctx, stdin)
        if node.type == "list" and stdin is not None:
            # inside a here-document redirect tree-sitter reads `| sh && b` as `| (sh && b)`
            self.walk_list(node, scope, ctx, stdin)
            return None
        if stdin is None:
            return self.walk(node, scope, ctx)
        outer, scope.stdin = scope.stdin, stdin  # a loop or group: what its commands read
        try:
            return self.walk(node, scope, ctx)
        finally:
            scope.stdin = outer

    def walk_substitution(self, node: Node, scope: Scope, ctx: Ctx, via: str,
                          stdin: Word | None = None) -> Word | None:
        """Walk `$(...)`, backticks, `<(...)` or `>(...)` (reading `stdin`); what a command
        substitution prints, when that is known (`"$(cat <<'EOF' ... EOF)"`, `$(pwd)`)."""
        text = ctx.source(node)
        via = via or ("`...`" if text.startswith("`") else text[:1] + "(...)")
        process = node.type == "process_substitution"
        if stdin is not None:
            scope = scope.copy()
            scope.stdin = stdin
        if text.startswith("`") and "\\" in text:
            # Inside backticks a backslash quotes ` $ \ : re-read the text the way bash does.
            inner = commands.unescape_backticks(text[1:-1] if text.endswith("`") else text[1:])
            outcome = self.walk_source(inner, scope.copy(), ctx, via, ())
            return outcome.stdout if outcome is not None and not process else None
        if ctx.depth + 1 > MAX_DEPTH:
            self.unanalyzed(text, f"substitutions nested more than {MAX_DEPTH} deep were not "
                            "analyzed", ctx)
            return None
        inner_ctx = Ctx(ctx.src, ctx.reader, ctx.depth + 1, via, ())
        outcome = self.walk_statements(node, scope.copy(), inner_ctx)
        return outcome.stdout if outcome is not None and not process else None

    def walk_loose(self, nodes: list[Node], scope: Scope, ctx: Ctx) -> None:
        """Children of an ERROR node: words tree-sitter could not attach still form a command."""
        loose: list[Node] = []
        prefix = ""
        prefix_end = -1
        for node in nodes:
            if node.type in WORDLIKE:
                loose.append(node)
                continue
            self.flush_loose(loose, scope, ctx)
            loose = []
            if not node.is_named:
                prefix = "{" if node.type == "{" else ""
                prefix_end = node.end_byte
                continue
            if node.type == "command" and prefix and node.start_byte == prefix_end:
                self.handle_command(node, scope, ctx, prefix=prefix)  # `{git,push}` is a word
            else:
                self.walk(node, scope, ctx)
            prefix = ""
        self.flush_loose(loose, scope, ctx)

    def flush_loose(self, nodes: list[Node], scope: Scope, ctx: Ctx) -> None:
        if not nodes:
            return
        visit = self.visitor(scope, ctx)
        words = [word for node in nodes for word in ctx.reader.words(node, visit)]
        text = ctx.src[nodes[0].start_byte:nodes[-1].end_byte].decode("utf-8", "replace")
        commands.run_argv(self, words, [], scope, ctx, text=text)

    # -- statements (see statements.py) ---------------------------------------------------
    def handle_command(self, node: Node, scope: Scope, ctx: Ctx, *,
                       extra: list[Node] | None = None, stdin: Word | None = None,
                       prefix: str = "") -> Outcome:
        return statements.handle_command(self, node, scope, ctx, extra=extra, stdin=stdin,
                                         prefix=prefix)

    def handle_redirected(self, node: Node, scope: Scope, ctx: Ctx,
                          stdin: Word | None = None) -> Outcome:
        return statements.handle_redirected(self, node, scope, ctx, stdin)

