"""A regex compiled on first use answers as the compiled one."""

from __future__ import annotations

import re

from approvald.model.lazyre import lazy_compile


def test_a_lazy_pattern_compiles_on_first_use_and_answers_as_re_would() -> None:
    lazy = lazy_compile(r"(\w+)=(\d+)", re.ASCII)
    assert "match" not in vars(lazy)  # nothing compiled yet
    plain = re.compile(r"(\w+)=(\d+)", re.ASCII)
    text = "a=1 b=x c=22"
    assert lazy.search(text).groups() == plain.search(text).groups()  # type: ignore[union-attr]
    assert "match" in vars(lazy)  # from now on its own attribute
    assert lazy.findall(text) == plain.findall(text)
    assert lazy.sub(r"\2", text) == plain.sub(r"\2", text)
    assert (lazy.pattern, lazy.flags, lazy.groups) == (plain.pattern, plain.flags, plain.groups)
