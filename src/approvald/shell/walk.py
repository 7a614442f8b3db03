"""Walking the tree-sitter tree of a shell line: structure, scopes, command nodes.

The walk is deliberately generic: any node type it has no rule for is searched for commands
and substitutions, so grammar details it does not know cannot hide a command. What runs is
decided in `commands.py`.
"""

from __future__ import annotations

import time
from dataclasses import replace

from tree_sitter import Node, Point, Tree

from approvald.model.actions import normalize_path
from approvald.shell import commands, redirects
from approvald.shell.model import DYNAMIC_NAME, Redirect, ShellAnalysis, SimpleCommand
from approvald.shell.state import (
    BIG_INPUT,
    MAX_COMMANDS,
    MAX_DEPTH,
    MAX_NESTING,
    MAX_STEPS,
    NOT_FILES,
    REDIRECTS,
    TIME_BUDGET,
    UNANALYZED,
    WORDLIKE,
    Budget,
    Ctx,
    Outcome,
    Redirections,
    Scope,
    parser,
)
from approvald.shell.words import Word, WordReader

# Every non-ASCII byte becomes "x": same length, so byte offsets into the real text hold.
_ASCII_SHADOW = bytes(range(128)) + b"x" * 128


class Analyzer:
    def __init__(self, line: str, cwd: str, home: str | None) -> None:
        self.line = line
        self.home = home
        self.cwd = cwd
        self.commands: list[SimpleCommand] = []
        self.reads: list[str] = []
        self.writes: list[str] = []
        self.dynamic: list[str] = []
        self.notes: list[str] = []
        self.syntax_error = False
        self.steps = 0
        self.nesting = 0
        # redirect nodes tree-sitter attached to an enclosing list, keyed by the command's node id
        self.adopted: dict[int, list[Node]] = {}
        self.started = time.monotonic()

    # -- entry -----------------------------------------------------------------------------
    def run(self) -> ShellAnalysis:
        scope = Scope(normalize_path(self.cwd or "/", "", self.home))
        try:
            self.walk_source(self.line, scope, None, "", ())
        except (Budget, RecursionError):
            self.unanalyzed(self.line, "the line is too large or too deeply nested to analyze",
                            None)
        return ShellAnalysis(
            line=self.line,
            commands=tuple(self.commands),
            reads=tuple(dict.fromkeys(self.reads)),
            writes=tuple(dict.fromkeys(self.writes)),
            dynamic=tuple(dict.fromkeys(self.dynamic)),
            syntax_error=self.syntax_error,
            notes=tuple(dict.fromkeys(self.notes)),
        )

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
                    wrappers: tuple[str, ...]) -> bool:
        """Parse `text` as shell and walk it (the whole line, or nested shell text)."""
        depth = 0 if parent is None else parent.depth + 1
        if depth > MAX_DEPTH:
            self.unanalyzed(text, f"shell text nested more than {MAX_DEPTH} levels deep was not "
                            "analyzed", parent)
            return False
        data = text.encode("utf-8", "surrogatepass")
        tree = self.parse(data)
        if tree is None:
            self.unanalyzed(text, "the line is too large to analyze in time", parent)
            return False
        patched: set[int] = set()
        if b"<<" in data and b"\n\\" in data:
            tree, data = redirects.patch_heredocs(self, tree, data, patched)
        root = tree.root_node
        if root.has_error:
            self.syntax_error = True
        ctx = Ctx(data, WordReader(data, self.home), depth, via, wrappers, frozenset(patched))
        self.walk(root, scope, ctx)
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

    def visitor(self, scope: Scope, ctx: Ctx) -> commands.Visit:
        def visit(node: Node, via: str) -> None:
            if node.type in ("command_substitution", "process_substitution"):
                self.walk_substitution(node, scope, ctx, via)
            else:
                self.walk_children(node, scope, ctx)

        return visit

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
            self.walk_pipeline(node.named_children, scope, ctx, None)
        elif kind == "list":
            self.walk_list(node, scope, ctx)
        elif kind in ("subshell", "function_definition"):  # own scope: cd does not leak out
            self.walk_children(node, scope.copy(), ctx)
        elif kind in ("command_substitution", "process_substitution"):
            self.walk_substitution(node, scope, ctx, "")
        elif kind in ("declaration_command", "unset_command"):
            return self.handle_declaration(node, scope, ctx)
        elif kind == "variable_assignment":
            self.assignment(node, scope, ctx)
        elif kind in REDIRECTS:
            redirects.read_redirects(self, [node], scope, ctx, scope.cwd)
        elif kind == "ERROR":
            self.syntax_error = True
            self.walk_loose(node.children, scope, ctx)
        elif kind != "comment" and node.child_count:
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
                      stdin: Word | None) -> None:
        parts = [element for element in elements if element.type != "comment"]
        for element in parts:
            inner = scope.copy() if len(parts) > 1 else scope  # each runs in a subshell
            outcome = self.walk_fed(element, inner, ctx, stdin)
            stdin = outcome.stdout if outcome else None

    def walk_fed(self, node: Node, scope: Scope, ctx: Ctx, stdin: Word | None) -> Outcome | None:
        """Walk `node` with `stdin` as the input of its first command."""
        if node.type == "command":
            return self.handle_command(node, scope, ctx, stdin=stdin)
        if node.type == "redirected_statement":
            return self.handle_redirected(node, scope, ctx, stdin=stdin)
        if node.type == "pipeline" and stdin is not None:
            self.walk_pipeline(node.named_children, scope, ctx, stdin)
            return None
        if node.type == "list" and stdin is not None:
            # inside a here-document redirect tree-sitter reads `| sh && b` as `| (sh && b)`
            self.walk_list(node, scope, ctx, stdin)
            return None
        return self.walk(node, scope, ctx)

    def walk_substitution(self, node: Node, scope: Scope, ctx: Ctx, via: str) -> None:
        text = ctx.source(node)
        via = via or ("`...`" if text.startswith("`") else text[:1] + "(...)")
        if text.startswith("`") and "\\" in text:
            # Inside backticks a backslash quotes ` $ \ : re-read the text the way bash does.
            inner = commands.unescape_backticks(text[1:-1] if text.endswith("`") else text[1:])
            self.walk_source(inner, scope.copy(), ctx, via, ())
            return
        if ctx.depth + 1 > MAX_DEPTH:
            self.unanalyzed(text, f"substitutions nested more than {MAX_DEPTH} deep were not "
                            "analyzed", ctx)
            return
        inner_ctx = Ctx(ctx.src, ctx.reader, ctx.depth + 1, via, ())
        self.walk_children(node, scope.copy(), inner_ctx)

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

    # -- commands ------------------------------------------------------------------------------
    def handle_command(self, node: Node, scope: Scope, ctx: Ctx, *, extra: list[Node] | None = None,
                       stdin: Word | None = None, prefix: str = "") -> Outcome:
        self.step()
        visit = self.visitor(scope, ctx)
        reader = ctx.reader
        assignments: list[str] = []
        parts: list[tuple[Node, list[Word]]] = []
        redirect_nodes: list[Node] = []
        children = node.children
        for position, child in enumerate(children):
            kind = child.type
            if kind == "variable_assignment" and not parts:
                assignments.append(self.assignment(child, scope, ctx))
            elif kind == "command_name":
                parts.append((child, reader.words(child, visit, prefix)))
            elif kind in REDIRECTS:
                redirect_nodes.append(child)
            elif kind == "comment":
                continue
            elif not child.is_named:
                following = children[position + 1] if position + 1 < len(children) else None
                if kind == "$" and following is not None and \
                        following.start_byte == child.end_byte:
                    continue  # `$"text"`: a translated string, tree-sitter splits the `$` off
                parts.append((child, [Word(ctx.source(child))]))
            else:
                parts.append((child, reader.words(child, visit)))
        redirect_nodes.extend(extra or ())
        redirect_nodes.extend(self.adopted.pop(node.id, ()))
        # tree-sitter reads `cat 0<in` as argument `0` + `<in`: the digits are the fd.
        starts = {redirect.start_byte for redirect in redirect_nodes}
        words: list[Word] = []
        previous_end = -1
        for part, found_words in parts:
            if part.type == "number" and part.end_byte in starts:
                continue
            if words and found_words and ctx.src[previous_end:part.start_byte] == b"\\\n":
                # `gi\<newline>t`: bash drops the backslash-newline, the word continues;
                # tree-sitter splits it in two.
                glued = words.pop()
                first = found_words[0]
                found_words = [Word(glued.text + first.text, glued.literal and first.literal,
                                    glued.glob or first.glob), *found_words[1:]]
            words.extend(found_words)
            previous_end = part.end_byte
        found = redirects.read_redirects(self, redirect_nodes, scope, ctx, scope.cwd)
        words.extend(found.words)
        if found.stdin is not None:
            stdin = found.stdin
        index = commands.run_argv(self, words, assignments, scope, ctx, text=ctx.source(node),
                                  redirects=found.redirects, stdin=stdin)
        outcome = Outcome(index, commands.stdout_of(self, index, stdin))
        self.continue_after(found, outcome, scope, ctx)
        return outcome

    def handle_redirected(self, node: Node, scope: Scope, ctx: Ctx,
                          stdin: Word | None = None) -> Outcome:
        body = node.child_by_field_name("body")
        redirect_nodes = [child for child in node.named_children if child.type in REDIRECTS]
        redirect_nodes.extend(self.adopted.pop(node.id, ()))
        if body is not None and body.type == "command":
            return self.handle_command(body, scope, ctx, extra=redirect_nodes, stdin=stdin)
        start = len(self.commands)
        cwd = scope.cwd
        if body is not None and body.type in ("list", "pipeline"):
            # tree-sitter reads `a && b > out c` as (a && b) > out c: the redirect and the
            # words after it belong to the last command, `b`.
            last = last_command(body)
            if last is not None:
                self.adopted[last.id] = redirect_nodes
            self.walk(body, scope, ctx)
            if last is not None and self.adopted.pop(last.id, None) is None:
                return Outcome(None)  # taken by `b`
        elif body is not None:
            self.walk(body, scope, ctx)
        target = None
        for index in range(len(self.commands) - 1, start - 1, -1):
            if self.commands[index].depth == ctx.depth:
                target = index
                break
        found = redirects.read_redirects(self, redirect_nodes, scope, ctx, cwd)
        if target is not None and found.redirects:
            command = self.commands[target]
            self.commands[target] = replace(command,
                                            redirects=command.redirects + tuple(found.redirects))
        if found.words:  # `{ a; } > out b` is not valid bash; still report `b`
            commands.run_argv(self, found.words, [], scope, ctx, text=ctx.source(node))
        outcome = Outcome(target)
        self.continue_after(found, outcome, scope, ctx)
        return outcome

    def handle_declaration(self, node: Node, scope: Scope, ctx: Ctx) -> Outcome:
        visit = self.visitor(scope, ctx)
        words: list[Word] = []
        redirect_nodes: list[Node] = []
        for child in node.children:
            if not child.is_named:
                words.append(Word(ctx.source(child)))
            elif child.type == "variable_assignment":
                text = self.assignment(child, scope, ctx)
                words.append(Word(text, "$" not in text and "`" not in text))
            elif child.type in REDIRECTS:
                redirect_nodes.append(child)
            elif child.type != "comment":
                words.extend(ctx.reader.words(child, visit))
        found = redirects.read_redirects(self, redirect_nodes, scope, ctx, scope.cwd)
        index = commands.run_argv(self, words, [], scope, ctx, text=ctx.source(node),
                                  redirects=found.redirects)
        return Outcome(index)

    def assignment(self, node: Node, scope: Scope, ctx: Ctx) -> str:
        """`NAME=value` as text; substitutions in the value are walked."""
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        name_text = ctx.source(name) if name is not None else ""
        if value is None:
            return ctx.source(node)
        visit = self.visitor(scope, ctx)
        if value.type == "array":
            parts = [ctx.reader.word(child, visit).text for child in value.named_children]
            return f"{name_text}=({' '.join(parts)})"
        between = "="  # or `+=`
        if name is not None:
            between = ctx.src[name.end_byte:value.start_byte].decode("utf-8", "replace")
        return name_text + between + ctx.reader.word(value, visit).text

    # -- redirections --------------------------------------------------------------------------
    def continue_after(self, found: Redirections, outcome: Outcome, scope: Scope,
                       ctx: Ctx) -> None:
        """What tree-sitter nests inside a here-document redirect is the rest of the line."""
        if found.pipe is not None:
            self.walk_pipeline(found.pipe.named_children, scope.copy(), ctx, outcome.stdout)
        if found.after:
            self.walk_loose(found.after, scope, ctx)


def last_command(node: Node) -> Node | None:
    """The rightmost simple command of a list or pipeline."""
    for _ in range(MAX_NESTING):
        if node.type in ("command", "redirected_statement"):
            return node
        if node.type not in ("list", "pipeline"):
            return None
        named = [child for child in node.named_children if child.type != "comment"]
        if not named:
            return None
        node = named[-1]
    return None
