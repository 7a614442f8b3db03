"""Statements: a simple command, a redirected statement, declarations and assignments, loops.

Module functions over the `Analyzer` (see `walk.py`), which holds the results and the budget.
"""

from __future__ import annotations

from approvald.shell import arith, commands, envcmds, fileargs, output, plain, redirects
from approvald.shell.state import (
    NAMEREF,
    REDIRECTS,
    Ctx,
    Outcome,
    Redirections,
    Scope,
    plain_ctx,
    set_var,
)
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node

    from approvald.shell.walk import Analyzer

_DECLARATIONS = frozenset({"export", "declare", "typeset", "local", "readonly"})
_LOCAL = frozenset({"declare", "typeset", "local"})  # (in a function, without -g)
# Programs that change a file's mode, owner or existence, not what it says.
_NO_CONTENT = frozenset({"chmod", "chown", "chgrp", "chattr", "setfacl", "touch", "rm", "unlink",
                         "rmdir", "shred", "git", "find"})


def handle_command(an: Analyzer, node: Node, scope: Scope, ctx: Ctx, *,
                   extra: list[Node] | None = None, stdin: Word | None = None,
                   prefix: str = "") -> Outcome:
    an.step()
    pending: list[Node] = []  # `>(...)` in its words and redirects
    visit = an.visitor(scope, ctx, pending)
    reader = ctx.reader
    start = len(an.commands)
    assignments: list[str] = []
    assigned: list[tuple[str, str, Word]] = []
    parts: list[tuple[Node, list[Word]]] = []
    redirect_nodes: list[Node] = []
    children = node.children
    for position, child in enumerate(children):
        kind = child.type
        if kind == "variable_assignment" and not parts:
            text, value = assignment(an, child, scope, ctx)
            assignments.append(text)
            assigned.append((_name(text), text, value))
            arith.assigned(an, _name(text), value, scope, ctx)
        elif kind == "command_name":
            parts.append((child, reader.name_words(child, visit, prefix)))
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
    redirect_nodes.extend(an.adopted.pop(node.id, ()))
    # tree-sitter reads `cat 0<in` as argument `0` + `<in`: the digits are the fd.
    starts = {redirect.start_byte for redirect in redirect_nodes}
    words: list[Word] = []
    previous_end = -1
    for part, found_words in parts:
        if part.type == "number" and part.end_byte in starts:
            continue
        gap = ctx.src[previous_end:part.start_byte] if words else b" "
        if words and found_words and (gap == b"\\\n" or gap == b""):
            # `gi\<newline>t`: bash drops the backslash-newline, the word continues;
            # `'a'\pprovald`: no blank between, one word. tree-sitter splits them in two.
            glued = words.pop()
            first = found_words[0]
            found_words = [Word(glued.text + first.text, glued.literal and first.literal,
                                glued.glob or first.glob), *found_words[1:]]
        words.extend(found_words)
        previous_end = part.end_byte
    if extra:  # tree-sitter drops a lone `-` before `<<EOF` (`python3 - <<EOF`): keep it
        redirect_start = min(r.start_byte for r in extra)
        if redirect_start > node.end_byte:
            tokens = ctx.src[node.end_byte:redirect_start].decode("utf-8", "replace").split()
            words.extend(Word(token) for token in tokens if token == "-")
    found = redirects.read_redirects(an, redirect_nodes, scope, ctx, scope.cwd, pending)
    words.extend(found.words)
    stdin = input_of(an, found, stdin if stdin is not None else scope.stdin)
    if not words and not found.redirects:  # `X=1 Y=2`: the shell itself keeps them
        for name, _, value in assigned:
            set_var(scope, name, value)
    judge_env(an, [(name, value) for name, _, value in assigned], scope, ctx, node)
    fds = scope.fds
    if found.fds:  # what `read -u 3` reads
        scope.fds = {**fds, **found.fds}
    index = commands.run_argv(an, words, assignments, scope, ctx, text=ctx.source(node),
                              redirects=found.redirects, stdin=stdin, judged=len(assignments))
    if (found.fds or found.stdin is not None or found.stdin_file is not None) and words and \
            words[0].text == "exec" and words[0].literal and len(words) <= 2:
        _exec_redirects(words, stdin, found, scope)  # (input redirects that stay open)
    elif found.fds:
        scope.fds = fds
    if index is not None and start < index:
        an.flow(start, index, index, index + 1)  # substitutions feed the command
    outcome = Outcome(index, output.stdout_of(an, index, stdin))
    if index is not None and "coproc" in an.commands[index].wrappers:  # (`read -u ${COPROC}`)
        scope.fds = {**scope.fds, "COPROC": outcome.stdout or an.printers.output(
            an.commands, outcome, stdin)}
    if pending:
        _write_to_substitutions(an, pending, outcome, stdin, scope, ctx)
    record_argument_files(an, index, stdin)
    record_output_files(an, found, outcome, stdin)
    continue_after(an, found, outcome, scope, ctx)
    return outcome


def _write_to_substitutions(an: Analyzer, pending: list[Node], outcome: Outcome,
                            stdin: Word | None, scope: Scope, ctx: Ctx) -> None:
    """`tee >(sh)`, `cmd > >(sh)`: what runs in `>(...)` reads what the command writes there,
    taken as what it prints (`echo git push | tee >(sh)` runs `git push`, as `| sh` does)."""
    written = outcome.stdout if outcome.stdout is not None else \
        an.printers.output(an.commands, outcome, stdin)
    for node in pending:
        start = len(an.commands)
        an.walk_substitution(node, scope, ctx, "", written)
        if outcome.index is not None:
            an.flow(outcome.index, outcome.index + 1, start, len(an.commands))


_TEST_OPERATORS = frozenset({"==", "=~"})


def _exec_redirects(words: list[Word], stdin: Word | None, found: Redirections,
                    scope: Scope) -> None:
    """`exec 3< <(find ~)`, `exec < list`, `exec {fd}< <(find ~)`: what the shell reads from
    then on (the descriptors stay open; `{fd}` names a new one, as `read -u "$fd"` reads)."""
    fresh = words[1].text if len(words) == 2 else ""
    if fresh:
        if not (words[1].literal and fresh[:1] == "{" and fresh[-1:] == "}"):
            return  # `exec PROGRAM`: runs it (see commands)
        if stdin is not None:
            scope.fds = {**scope.fds, fresh: stdin}
    elif found.stdin is not None or found.stdin_file is not None:
        scope.stdin = stdin


def plain_statement(an: Analyzer, text: str, scope: Scope, depth: int, via: str,
                    wrappers: tuple[str, ...]) -> Outcome | None:
    """Nested shell text of plain words (`bash -c 'git push'`, a git pager) read as the
    analyzer's `simple_line` reads a line: the outcome the walk of its one command gives, or
    None (take the parser). A bare `==` or `=~` still takes it: nested, tree-sitter's reading
    of one (a test operator) is the one the policy has always seen."""
    words = plain.plain_words(text, an.home)
    if words is None or any(word.text in _TEST_OPERATORS for word in words):
        return None
    ctx = plain_ctx(depth, via, wrappers)
    an.step()  # as the walk counts a program and its command
    an.step()
    start = len(an.commands)
    index = commands.run_argv(an, words, [], scope, ctx, text=text.strip(), stdin=scope.stdin)
    if index is not None and start < index:  # (`env GIT_PAGER=...`: as handle_command says)
        an.flow(start, index, index, index + 1)
    outcome = Outcome(index, output.stdout_of(an, index, scope.stdin))
    record_argument_files(an, index, scope.stdin)
    return outcome


def record_output_files(an: Analyzer, found: Redirections, outcome: Outcome,
                        stdin: Word | None = None) -> None:
    """`cat > x.sh <<EOF`: later commands of the line that run x.sh run this text; `find ~ >
    list`: what reads list reads find's names (see `pipes.Printers`)."""
    for path, append in found.stdout_files:
        content = outcome.stdout
        if content is None:
            content = an.printers.output(an.commands, outcome, stdin)
        elif append or outcome.index is None:
            content = Word(content.text, False)
        an.written[path] = content


def record_argument_files(an: Analyzer, index: int | None, stdin: Word | None) -> None:
    """`curl -o x.sh`, `tee x.sh`, `cp a.sh b.sh`: files a command writes through its
    arguments; what later commands of the line would run if they run them."""
    if index is None:
        return
    cmd = an.commands[index]
    if cmd.program in _NO_CONTENT:
        return
    found = fileargs.file_args(cmd, an.home or "")
    written = an.written
    for path in found.writes:
        if cmd.program == "tee" and stdin is not None:
            content = stdin
        elif cmd.program in ("cp", "install", "ln") and found.reads:
            content = written.get(found.reads[0], Word("", False))
        else:
            content = Word("", False)
        written[path] = content


def input_of(an: Analyzer, found: Redirections, stdin: Word | None) -> Word | None:
    """What a statement with redirects `found` reads when `stdin` feeds it: a here-document,
    here-string or process substitution, a file the line wrote, else `stdin`."""
    if found.stdin is not None:
        return found.stdin
    if found.stdin_file is not None:
        return an.written.get(found.stdin_file)  # (not the pipe: bash uses the file)
    return stdin


def handle_redirected(an: Analyzer, node: Node, scope: Scope, ctx: Ctx,
                      stdin: Word | None = None) -> Outcome:
    body = node.child_by_field_name("body")
    redirect_nodes = [child for child in node.named_children if child.type in REDIRECTS]
    redirect_nodes.extend(an.adopted.pop(node.id, ()))
    if body is not None and body.type == "command":
        return handle_command(an, body, scope, ctx, extra=redirect_nodes, stdin=stdin)
    start = len(an.commands)
    cwd = scope.cwd
    if body is not None and body.type in ("list", "pipeline"):
        # tree-sitter reads `a && b > out c` as (a && b) > out c: the redirect and the
        # words after it belong to the last command, `b`.
        last = last_command(body)
        if last is not None:
            an.adopted[last.id] = redirect_nodes
        an.walk(body, scope, ctx)
        if last is not None and an.adopted.pop(last.id, None) is None:
            return Outcome(None)  # taken by `b`
    found = None
    if body is not None and body.type not in ("list", "pipeline"):
        # a loop or group: its redirects first, as bash opens them before it runs; what they
        # feed is what its commands read (`while read f; do ...; done < <(find ~)`)
        found = redirects.read_redirects(an, redirect_nodes, scope, ctx, cwd)
        fds = scope.fds
        if found.fds:  # `while read -u 3 f; do ...; done 3< <(find ~)`
            scope.fds = {**fds, **found.fds}
        an.walk_fed(body, scope, ctx, input_of(an, found, stdin))
        if found.fds:
            scope.fds = fds
    target = None
    for index in range(len(an.commands) - 1, start - 1, -1):
        if an.commands[index].depth == ctx.depth:
            target = index
            break
    if found is None:
        found = redirects.read_redirects(an, redirect_nodes, scope, ctx, cwd)
    if target is not None and found.redirects:
        command = an.commands[target]
        an.commands[target] = command.changed(redirects=command.redirects + tuple(found.redirects))
    if found.words:  # `{ a; } > out b` is not valid bash; still report `b`
        commands.run_argv(an, found.words, [], scope, ctx, text=ctx.source(node))
    outcome = Outcome(target)
    record_output_files(an, found, outcome)
    continue_after(an, found, outcome, scope, ctx)
    return outcome


def handle_declaration(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> Outcome:
    """`export X=1`, `local -r F=$(pwd)`, `unset X`: a command, and the variables it sets."""
    visit = an.visitor(scope, ctx)
    words: list[Word] = []
    redirect_nodes: list[Node] = []
    assigned: list[tuple[str, Word]] = []
    unset: list[str] = []
    for child in node.children:
        if not child.is_named:
            words.append(Word(ctx.source(child)))
        elif child.type == "variable_assignment":
            text, value = assignment(an, child, scope, ctx)
            words.append(Word(text, "$" not in text and "`" not in text))
            assigned.append((_name(text), value))
        elif child.type in REDIRECTS:
            redirect_nodes.append(child)
        elif child.type != "comment":
            found_words = ctx.reader.words(child, visit)
            words.extend(found_words)
            if child.type == "variable_name":
                unset.append(ctx.source(child))
    found = redirects.read_redirects(an, redirect_nodes, scope, ctx, scope.cwd)
    program = words[0].text if words else ""
    if program in _DECLARATIONS:
        flags = "".join(w.text[1:] for w in words[1:] if w.literal and w.text.startswith("-"))
        arrays = "a" in flags or "A" in flags
        if "n" in flags and any(not value.literal for _, value in assigned):
            # `declare -n r=BASH_$x`: a name whose target is known only at run time can be
            # bash's command table (or PATH): what it binds is not followed
            an.unanalyzed(ctx.source(node), "a name reference whose target is only known at "
                          "run time", ctx)
        if "i" in flags:  # `declare -i n`: what is assigned to n is arithmetic
            scope.aliases.update(dict.fromkeys(
                [arith.INTEGER + name for name in (*(name for name, _ in assigned), *unset)], ""))
        for name, value in assigned:
            arith.assigned(an, name, value, scope, ctx)
            if "n" in flags:  # `declare -n r='a[x]'`: r names an element
                arith.subscripted(an, value, scope, ctx)
            if "n" in flags and value.text.isidentifier():  # `declare -n r=x`: r is x
                scope.aliases[NAMEREF + name] = value.text
            else:
                set_var(scope, name, Word(value.text, False) if arrays else value)
        if an.frames and program in _LOCAL and "g" not in flags:  # in a function: local
            an.frames[-1].update([*(name for name, _ in assigned), *unset])
        if program == "export" or "x" in flags:
            scope.exported.update(name for name, _ in assigned)
            scope.exported.update(unset)  # `export NAME` of a variable set before
        judge_env(an, assigned, scope, ctx, node)
    elif program == "unset":
        for name in unset:
            scope.vars[name] = Word("")
    index = commands.run_argv(an, words, [], scope, ctx, text=ctx.source(node),
                              redirects=found.redirects)
    return Outcome(index)


def assignment(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> tuple[str, Word]:
    """`NAME=value` as text and the value; substitutions in the value are walked."""
    name = node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    name_text = ctx.source(name) if name is not None else ""
    if value is None:
        return ctx.source(node), Word("")
    visit = an.visitor(scope, ctx)
    between = "="  # or `+=`
    if name is not None:
        between = ctx.src[name.end_byte:value.start_byte].decode("utf-8", "replace")
    if value.type == "array":
        parts = [ctx.reader.word(child, visit).text for child in value.named_children]
        text = f"({' '.join(parts)})"
        before = scope.vars.get(name_text) if between == "+=" else None
        # (`a+=(x)` adds to what `a` names)
        return f"{name_text}{between}{text}", Word(f"{before.text} {text}" if before else text,
                                                   False)
    word = ctx.reader.word(value, visit)
    if between == "+=":
        before = scope.vars.get(name_text)
        word = Word((before.text if before else "") + word.text,
                    word.literal and before is not None and before.literal)
    return name_text + between + word.text, word


def judge_env(an: Analyzer, assigned: list[tuple[str, Word]], scope: Scope, ctx: Ctx,
              node: Node) -> None:
    """Variables that hold commands (`GIT_PAGER=...`) are looked into where they are set."""
    if assigned:
        envcmds.judge(an, assigned, scope, ctx, commands.Site(ctx.source(node), scope.cwd))


def _name(text: str) -> str:
    name = text.split("=", 1)[0]
    return name[:-1] if name.endswith("+") else name


def continue_after(an: Analyzer, found: Redirections, outcome: Outcome, scope: Scope,
                   ctx: Ctx) -> None:
    """What tree-sitter nests inside a here-document redirect is the rest of the line."""
    if found.pipe is not None:
        an.walk_pipeline(found.pipe.named_children, scope.copy(), ctx, outcome.stdout,
                         outcome.index)
    if found.after:
        an.walk_loose(found.after, scope, ctx)


def last_command(node: Node) -> Node | None:
    """The rightmost simple command of a list or pipeline."""
    for _ in range(120):
        if node.type in ("command", "redirected_statement"):
            return node
        if node.type not in ("list", "pipeline"):
            return None
        named = [child for child in node.named_children if child.type != "comment"]
        if not named:
            return None
        node = named[-1]
    return None
