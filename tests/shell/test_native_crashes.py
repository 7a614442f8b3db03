"""tree-sitter-bash 0.25 segfaults on some non-ASCII input; the analysis must not.

A crash would take the daemon down, and in the hook's own fallback it would end the process
with no output, which Claude Code reads as "proceed". Run in a child so a regression fails
this test instead of killing the test worker.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# Minimized from inputs that crashed the parser (found by the hypothesis tests).
CRASHERS = ["{\U000e3455", "{\U000f65a5=", "echo {\U0001f600} && git push"]


@pytest.mark.parametrize("line", CRASHERS)
def test_parser_crashers_are_analyzed(line: str) -> None:
    # The crash depends on memory layout, so one parse may survive by luck: make many,
    # with different surroundings (the analysis caches results by line).
    code = ("import sys\nfrom approvald.shell import analyze\n"
            "for i in range(300):\n"
            "    a = analyze(sys.argv[1] + ' ' * i, '/repo')\n"
            "print([c.program for c in a.commands])")
    result = subprocess.run([sys.executable, "-c", code, line], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    if "git push" in line:
        assert "git" in result.stdout


def test_non_ascii_words_keep_their_text() -> None:
    from approvald.shell import analyze

    commands = analyze("echo \"héllo wörld\" {\U0001f600} && gît push", "/repo").commands
    assert commands[0].argv[:2] == ("echo", "héllo wörld")
    assert commands[-1].argv == ("gît", "push")
