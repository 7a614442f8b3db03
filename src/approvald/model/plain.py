"""What `@dataclass` gave a class (`==`, `hash`, `repr`, frozen fields, `replace` as
`changed`), without `dataclasses`.

A dataclass writes its methods as source text and compiles it when its module is imported:
about 0.75 ms a class on Python 3.11, and `dataclasses` itself imports `inspect` (6 ms more).
The hook's local check (no daemon) imports some thirty such classes on every tool call, so the
classes on its path are plain: each writes its own `__init__` (compiled into the `.pyc` like any
other code) and takes the rest from these bases. Their fields are the class's annotations, in
order (ClassVar ones excluded), as a dataclass's are; `UNCOMPARED` names those `==` and `hash`
leave out (a dataclass's `field(compare=False)`).

    class Point(Frozen):        # @dataclass(frozen=True)
        x: int
        y: int

        def __init__(self, x: int, y: int = 0) -> None:
            self.__dict__.update(x=x, y=y)
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    _P = TypeVar("_P", bound="Plain")


class FrozenInstanceError(AttributeError):
    """A field of a frozen instance was assigned or deleted."""


class Plain:
    """`@dataclass`: `==` over the compared fields (then unhashable, as a dataclass is),
    `repr` and `changed` (`dataclasses.replace`)."""

    FIELDS: ClassVar[tuple[str, ...]] = ()
    UNCOMPARED: ClassVar[tuple[str, ...]] = ()
    COMPARED: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        fields = dict.fromkeys(cls.FIELDS)
        own = cls.__dict__.get("__annotations__", {})  # noqa: RUF063 (inspect costs the hook)
        fields.update((name, None) for name, kind in own.items()
                      if not str(kind).startswith(("ClassVar", "typing.ClassVar")))
        cls.FIELDS = tuple(fields)
        cls.COMPARED = tuple(name for name in cls.FIELDS if name not in cls.UNCOMPARED)

    def _compared(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self.COMPARED])

    def __eq__(self, other: object) -> bool:  # and so unhashable (Python drops __hash__)
        if other.__class__ is self.__class__:
            return self._compared() == other._compared()
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{type(self).__qualname__}({shown})"

    def changed(self: _P, **changes: Any) -> _P:
        """A copy with `changes`, made through `__init__` (`dataclasses.replace`)."""
        values = {name: getattr(self, name) for name in self.FIELDS}
        values.update(changes)
        return type(self)(**values)


class Frozen(Plain):
    """`@dataclass(frozen=True)`: fields cannot be assigned after `__init__` (which sets them
    through `self.__dict__`), and equal instances hash alike."""

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __hash__(self) -> int:
        return hash(self._compared())


class Identity(Plain):
    """`@dataclass(eq=False)`: equal only to itself, hashed by identity."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__
