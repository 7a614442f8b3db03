"""Loops and functions: a loop's body walked once per value (or pass), a function's body
walked where it is called.

Module functions over the `Analyzer` (see `walk.py`), as `statements.py`'s are.
"""

from __future__ import annotations

from approvald.shell import arith, positional
from approvald.shell.state import MAX_LOOP_VALUES, Ctx, Function, Scope
from approvald.shell.words import MAX_VALUE, Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from tree_sitter import Node

    from approvald.shell.commands import Site
    from approvald.shell.walk import Analyzer


def handle_loop(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> None:
    """A loop, walked once (`for` once per value), and again while a pass changes the
    positional parameters (`while [ "$1" ]; do cat "$1"; shift; done`): each argument it
    reaches is seen; past MAX_LOOP_VALUES passes, the ones left are one run-time value."""
    if node.type == "c_style_for_statement":  # `for ((i=x; ...))`: what x's value runs
        arith.context(an, node, scope, ctx)
    args = scope.args
    passes = 0
    while True:
        if node.type == "for_statement":
            handle_for(an, node, scope, ctx)
        else:
            an.walk_children(node, scope, ctx)
        passes += 1
        if scope.args is args or scope.args is None or not scope.args.words or \
                passes > MAX_LOOP_VALUES:
            return
        args = scope.args
        if passes == MAX_LOOP_VALUES:  # a last pass over what is left
            rest = Word(" ".join([word.text for word in args.words]), False)
            scope.args = args = positional.Args(args.zero, (rest,), True)


def handle_for(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> None:
    """`for F in a b; do ...; done`: the body once per literal value; over a pattern, F holds
    one of the names it matches (`for f in ~/.ssh/*`: "$f" is read as the pattern). A list with
    a run-time value in it (`$(find ~)`, `$X`), or longer than MAX_LOOP_VALUES, makes F one
    run-time value that names everything the list names."""
    variable = node.child_by_field_name("variable")
    body = node.child_by_field_name("body")
    visit = an.visitor(scope, ctx)
    values = [word for child in node.children_by_field_name("value")
              for word in ctx.reader.words(child, visit)]
    has_in = any(child.type == "in" for child in node.children)
    if not has_in and scope.args is not None:  # `for F; do`: over "$@"
        values, has_in = positional.all_words(scope.args, '"$@"') or [], True
    if variable is None or body is None:
        an.walk_children(node, scope, ctx)
        return
    name = ctx.source(variable)
    known = has_in and 0 < len(values) <= MAX_LOOP_VALUES and all(v.literal for v in values)
    source = ctx.source(body)
    if known and f"${name}" not in source and "${" + name not in source:
        values = values[-1:]  # the body does not use the value: once is enough
    if not known:
        listed = " ".join([value.text for value in values])[:MAX_VALUE]
        values = [Word(listed or f"${name}", False)]
    for value in values:
        scope.vars[name] = value
        an.walk(body, scope, ctx)


def define_function(an: Analyzer, node: Node, scope: Scope, ctx: Ctx) -> None:
    """`f() { ...; }`: kept to be walked where it is called (see `Function`)."""
    name = node.child_by_field_name("name")
    if name is None or node.child_by_field_name("body") is None:
        an.walk_children(node, scope.copy(), ctx)
        return
    function = Function(node, scope.copy(), ctx)
    scope.functions = {**scope.functions, ctx.source(name): function}
    an.functions.append(function)


def call_function(an: Analyzer, words: list[Word], scope: Scope, ctx: Ctx, site: Site,
                  stdin: Word | None = None) -> None:
    """`f ARGS` after `f() { ...; }`: the body runs with ARGS as its positional parameters, in
    this shell, reading the call's input (`find ~ | f`): the functions it defines, its `cd` and
    the variables it sets stay (not those it declares `local`, which bash restores). A call
    within itself is not followed again; the step budget bounds calls between functions."""
    name = words[0].text
    function = scope.functions[name]
    function.called = True
    inner = scope.copy()
    inner.functions = {key: other for key, other in scope.functions.items() if key != name}
    inner.args = positional.Args(scope.args.zero if scope.args is not None else None,
                                 tuple([site.filled(word) for word in words[1:]]), site.appended)
    if stdin is not None:
        inner.stdin = stdin
    an.frames.append(set())
    try:
        an.walk_children(function.node, inner, function.ctx)
    finally:
        local = an.frames.pop()
    scope.cwd, scope.oldpwd, scope.stack = inner.cwd, inner.oldpwd, inner.stack
    before = scope.vars
    for key, value in inner.vars.items():  # (`f() { x=~/.ssh/id_rsa; }; f; cat $x`)
        if before.get(key) is not value and key not in local:
            before[key] = value
    scope.exported |= inner.exported - local
    scope.functions = {**inner.functions, name: inner.functions.get(name, function)}
