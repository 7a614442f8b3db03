"""The plain classes the hook's path uses instead of dataclasses behave as those did."""

from __future__ import annotations

import copy
import inspect
import pickle

import pytest

from approvald.model.actions import Action
from approvald.model.plain import Frozen, FrozenInstanceError, Identity, Plain
from approvald.shell.model import SimpleCommand


class Point(Frozen):
    x: int
    y: int
    label: str

    UNCOMPARED = ("label",)

    def __init__(self, x: int, y: int = 0, label: str = "") -> None:
        self.__dict__.update(x=x, y=y, label=label)


class Box(Plain):
    items: list[int]

    def __init__(self, items: list[int] | None = None) -> None:
        self.items = items if items is not None else []


class Node(Identity):
    name: str

    def __init__(self, name: str) -> None:
        self.name = name


def test_fields_are_the_annotations_in_order() -> None:
    assert Point.FIELDS == ("x", "y", "label")
    assert Point.COMPARED == ("x", "y")
    assert SimpleCommand.FIELDS[:4] == ("argv", "program", "args", "cwd")


def test_frozen_compares_and_hashes_by_compared_fields_and_refuses_assignment() -> None:
    a, b = Point(1, 2, "a"), Point(1, 2, "b")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != Point(1, 3) and a != (1, 2)
    with pytest.raises(FrozenInstanceError):
        a.x = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del a.y
    assert repr(a) == "Point(x=1, y=2, label='a')"


def test_changed_copies_through_init_and_refuses_unknown_fields() -> None:
    a = Point(1, 2, "a")
    assert a.changed(y=5) == Point(1, 5) and a.changed(y=5).label == "a" and a.y == 2
    with pytest.raises(TypeError):
        a.changed(z=1)


def test_plain_is_mutable_and_unhashable_identity_is_by_identity() -> None:
    box = Box()
    box.items.append(1)
    assert box == Box([1]) and Box().items is not Box().items
    with pytest.raises(TypeError):
        hash(box)
    first, second = Node("n"), Node("n")
    assert first != second and first == first and len({first, second}) == 2


def test_frozen_instances_survive_pickle_and_copy() -> None:
    action = Action(kind="process.exec", tool="Bash", input={"command": "ls"}, command="ls",
                    call_id="c1")
    for clone in (pickle.loads(pickle.dumps(action)), copy.copy(action), copy.deepcopy(action)):
        assert clone == action and clone.call_id == "c1"
    # extra, call_id, prompt_id and description are not compared (as field(compare=False) was)
    assert action == action.changed(call_id="c2", description="d")


def _every_plain_class() -> list[type[Plain]]:
    import importlib
    import pkgutil

    import approvald

    for module in pkgutil.walk_packages(approvald.__path__, "approvald."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: list[type[Plain]] = []
    todo = list(Plain.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls.__module__.startswith("approvald.") and cls.__module__ != Plain.__module__:
            found.append(cls)
    return found


def test_every_plain_class_takes_its_fields_in_order() -> None:
    # FIELDS comes from the class's annotations: a class whose annotations were not read
    # (none, or not as expected) would compare every instance equal and hash them alike.
    classes = _every_plain_class()
    assert len(classes) >= 30
    for cls in classes:
        params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        assert cls.FIELDS and params == list(cls.FIELDS), cls.__qualname__
