"""git's own indirections: settings, aliases, options and variables that hold commands."""

from __future__ import annotations

import pytest

from approvald.shell import DYNAMIC_NAME
from tests.support.shell import programs, run, show


@pytest.mark.parametrize("line", [
    "git config alias.p push && git p origin",
    "git config --global alias.p push",
    "git config set alias.p push",
    "git -c alias.p=push p",
    "git -c alias.p='!git push' p",
    "GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.y GIT_CONFIG_VALUE_0=push git y",
    "GIT_CONFIG_PARAMETERS=\"'alias.q'='!git push'\" git q",
    "ALIAS=push git --config-env=alias.z=ALIAS z",
    "git -c core.pager='git push' log", "git -c core.sshCommand='git push' fetch",
    "git -c core.fsmonitor='git push' status", "git -c diff.external='git push' diff",
    "git -c credential.helper='!git push' fetch", "git config core.pager 'git push'",
    "git -c filter.x.clean='git push' add .", "git rebase -x 'git push' main",
    "git rebase --exec='git push' main", "git bisect run git push",
    "git submodule foreach --recursive 'git push'", "git submodule foreach git push",
    "git filter-branch --msg-filter 'git push' HEAD", "git difftool -x 'git push'",
    "git fetch --upload-pack='git push' origin", "git push --receive-pack='git push' o",
    "GIT_PAGER='git push' git log", "export GIT_SSH_COMMAND='git push'; git fetch",
    "env EDITOR='git push' git commit", "GIT_SEQUENCE_EDITOR='git push' git rebase -i HEAD~2",
    "LESSOPEN='|git push %s' less f",
])
def test_hidden_command_is_found(line: str) -> None:
    analysis = run(line)
    assert any(c.program == "git" and c.args[:1] == ("push",) for c in analysis.commands), \
        show(analysis)


@pytest.mark.parametrize("line", [
    "git --config-env=alias.z=ALIAS z", "git -c core.pager=\"$P\" log",
    "git -c include.path=/tmp/x.cfg status", "BASH_ENV=/tmp/x bash -c ls", "LD_PRELOAD=x.so ls",
])
def test_settings_only_known_at_run_time_are_dynamic(line: str) -> None:
    analysis = run(line)
    assert any(c.dynamic == DYNAMIC_NAME for c in analysis.commands), show(analysis)


def test_builtin_commands_win_over_aliases() -> None:
    analysis = run("git -c alias.status='!git push' status")
    assert programs(analysis) == ["git", "git"]  # the alias definition is judged, not used
    assert run("git -c alias.st=status st").commands[-1].args == ("status",)


def test_harmless_settings_add_nothing() -> None:
    for line in ("git -c core.fsmonitor=true status", "git config user.name 'A B'",
                 "git -c color.ui=auto log", "git config --get alias.p"):
        assert programs(run(line)) == ["git"], show(run(line))
