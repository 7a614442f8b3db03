"""The analysis' result types: `make_command` builds exactly what `SimpleCommand(...)` does."""

from __future__ import annotations

import dataclasses
import inspect

from approvald.shell.model import Redirect, SimpleCommand, make_command


def test_make_command_takes_every_field_in_order() -> None:
    parameters = list(inspect.signature(make_command).parameters)
    assert parameters == [f.name for f in dataclasses.fields(SimpleCommand)]


def test_make_command_equals_the_dataclass() -> None:
    values = {
        "argv": ("/usr/bin/git", "-C", "x", "push"), "program": "git", "args": ("push",),
        "cwd": "/src/x", "wrappers": ("sudo",), "assignments": ("A=1",), "dynamic": "args",
        "dynamic_args": frozenset({0}), "redirects": (Redirect("/tmp/o", "write"),),
        "text": "sudo A=1 git -C x push", "depth": 1, "via": "bash -c",
        "findings": frozenset({"keyring"}), "glob_args": frozenset({2}),
    }
    made, built = make_command(**values), SimpleCommand(**values)
    assert made == built and hash(made) == hash(built) and repr(made) == repr(built)
    assert dataclasses.replace(made, depth=2) == dataclasses.replace(built, depth=2)
    assert made.subcommand == "push"
