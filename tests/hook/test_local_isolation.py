"""The hook's local policy check runs in a child: a native crash there is a deny, not silence."""

from __future__ import annotations

import faulthandler
import os
import signal
import sys

import pytest

from approvald.agents.base import Verdict
from approvald.hook.local import isolated

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32",
                                reason="fork isolation is POSIX only")


def test_answers_come_back_from_the_child() -> None:
    answer = isolated(lambda: Verdict("ask", "approvald: ask a person"))
    assert (answer.permission, answer.reason) == ("ask", "approvald: ask a person")
    allow_through = isolated(lambda: Verdict(None, "fine"))
    assert allow_through.permission is None and allow_through.reason == "fine"


def test_a_crash_in_the_check_is_a_deny() -> None:
    def segfault() -> Verdict:
        faulthandler.disable()  # pytest's handler would print a trace for this intended crash
        os.kill(os.getpid(), signal.SIGSEGV)
        raise AssertionError("unreachable")

    answer = isolated(segfault)
    assert answer.permission == "deny"
    assert "local policy check failed" in answer.reason


def test_an_exception_in_the_check_is_a_deny() -> None:
    def broken() -> Verdict:
        raise RuntimeError("boom")

    assert isolated(broken).permission == "deny"
