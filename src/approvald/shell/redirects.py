"""Redirections: files read and written, here-documents and here-strings.

tree-sitter-bash has a few quirks here that would hide commands if taken at face value; each is
handled where it shows (see the comments).
"""

from __future__ import annotations

from approvald.shell.model import Redirect
from approvald.shell.state import REDIRECTS, Ctx, Outcome, Redirections, Scope
from approvald.shell.words import Word, heredoc_text

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node, Tree

    from approvald.shell.walk import Analyzer
    from approvald.shell.words import Visit


def read_redirects(an: Analyzer, nodes: list[Node], scope: Scope, ctx: Ctx,
                   cwd: str, deferred: list[Node] | None = None) -> Redirections:
    """(`deferred`: where `>(...)` targets go to be walked later; see `visitor.Visitor`.)"""
    found = Redirections()
    visit = an.visitor(scope, ctx, deferred)
    pending = list(nodes)
    while pending:
        node = pending.pop(0)
        an.step()
        kind = node.type
        if kind == "herestring_redirect":
            value = [child for child in node.named_children if child.type != "comment"]
            if value:
                found.stdin = ctx.reader.word(value[0], visit)
        elif kind == "heredoc_redirect":
            heredoc(an, node, scope, ctx, found, pending)
        elif kind == "file_redirect":
            redirect = file_redirect(an, node, ctx, visit, cwd, found, scope)
            if redirect is not None:
                found.redirects.append(redirect)
    return found


def heredoc(an: Analyzer, node: Node, scope: Scope, ctx: Ctx, found: Redirections,
            pending: list[Node]) -> None:
    start = ""
    strip_tabs = False
    body_from = len(ctx.src)  # the body starts on the line after the operator
    end_node: Node | None = None
    body: list[Node] = []
    for child in node.children:
        kind = child.type
        if kind == "<<-":
            strip_tabs = True
        elif kind == "heredoc_start":
            start = ctx.source(child)
            newline = ctx.src.find(b"\n", child.end_byte)
            body_from = newline + 1 if newline != -1 else len(ctx.src)
        elif kind == "heredoc_end":
            end_node = child
        elif kind == "heredoc_body" or child.end_byte > body_from:
            body.append(child)
        elif kind in REDIRECTS:
            pending.append(child)  # `cat <<EOF > out`: still this command's redirect
        elif kind == "pipeline":
            found.pipe = child  # `cat <<EOF | sh`: the rest of the pipeline
        elif child.is_named:
            found.after.append(child)  # `bash <<EOF && git push`
    quoted = any(char in start for char in "'\"\\")
    if not quoted:  # substitutions in the body run before the command does
        for child in body:
            an.walk(child, scope, ctx)
    body_to = end_node.start_byte if end_node is not None else len(ctx.src)
    text = ctx.original(body_from, max(body_from, body_to))
    found.stdin = heredoc_text(text, quoted, strip_tabs, an.home)


def file_redirect(an: Analyzer, node: Node, ctx: Ctx, visit: Visit, cwd: str,
                  found: Redirections, scope: Scope) -> Redirect | None:
    operator = ""
    descriptor = ""
    targets: list[Node] = []
    for child in node.children:
        if not child.is_named:
            operator = operator or child.type
        elif child.type == "file_descriptor":
            descriptor = ctx.source(child)
        else:
            targets.append(child)
    if operator in (">&-", "<&-"):  # closing an fd takes no target: the rest are words
        targets.insert(0, node)
    if not targets:
        return None
    # tree-sitter hangs the words after `> out` on the redirect: they are arguments.
    for extra in targets[1:]:
        found.words.extend(ctx.reader.words(extra, visit))
    if targets[0] is node:
        return None
    start, printed = len(an.commands), an.printers.last
    word = ctx.reader.word(targets[0], visit)
    other = descriptor not in ("", "0") and operator in ("<", "<>")  # (`3< x`: what -u 3 reads)
    if targets[0].type == "process_substitution" and operator == "<" and (
            other or descriptor in ("", "0")):
        # `< <(find ~)`: what is read is what its last command, or pipeline, printed (see
        # `pipes.Printers`)
        last = len(an.commands) - 1
        fed = an.printers.last if an.printers.last is not printed else \
            an.printers.output(an.commands, Outcome(last if last >= start else None), None)
        if not other:
            found.stdin = fed
        elif fed is not None:
            found.fds = {**(found.fds or {}), descriptor: fed}
    if operator == "<&" and descriptor in ("", "0") and scope.fds:  # `<&3`: what 3 reads
        found.stdin = scope.descriptor(Word(word.text.rstrip("-"), word.literal))
    duplicated = word.literal and (word.text.rstrip("-").isdigit() or word.text in ("-", ""))
    if operator in (">&", "<&", ">&-", "<&-") and duplicated:
        return None  # a file descriptor duplicated or closed, not a file
    mode = "write" if ">" in operator else "read"
    redirect = an.add_path(word, cwd, mode, "redirect target")
    if redirect is not None:
        if other and redirect.path in an.written:
            found.fds = {**(found.fds or {}), descriptor: an.written[redirect.path]}
        if mode == "read" and descriptor in ("", "0") and operator == "<":
            found.stdin_file = redirect.path
        elif mode == "write" and (descriptor in ("", "1") or operator in ("&>", "&>>")):
            found.stdout_files.append((redirect.path, operator in (">>", "&>>")))
    return redirect


def patch_heredocs(an: Analyzer, tree: Tree, data: bytes, patched: set[int]) -> tuple[Tree, bytes]:
    """tree-sitter-bash loses a here-document whose body starts with a backslash
    (`\\git push`). Blank that one character and parse again; `Ctx.original` restores it."""
    for _ in range(4):
        found = set()
        stack = [tree.root_node]
        while stack:
            node = stack.pop()
            an.step()
            if node.type == "heredoc_start":
                newline = data.find(b"\n", node.end_byte)
                if newline != -1 and data[newline + 1:newline + 2] == b"\\":
                    found.add(newline + 1)
            stack.extend(node.children)
        found -= patched
        if not found:
            break
        patched |= found
        chars = bytearray(data)
        for offset in found:
            chars[offset] = ord(" ")
        retried = an.parse(bytes(chars))
        if retried is None:
            break
        tree, data = retried, bytes(chars)
    return tree, data

# -- bookkeeping -------------------------------------------------------------------------
