"""Project tools that run a command in their environment do not hide it."""

from __future__ import annotations

import pytest

from tests.support.shell import one, programs, run


@pytest.mark.parametrize(
    ("line", "program", "args", "wrapper"),
    [
        ("poetry run twine upload dist/*", "twine", ("upload", "dist/*"), "poetry"),
        ("pipenv run git push", "git", ("push",), "pipenv"),
        ("pdm run git push", "git", ("push",), "pdm"),
        ("hatch run git push", "git", ("push",), "hatch"),
        ("uv run --with rich --python 3.12 git push", "git", ("push",), "uv"),
        ("pnpm exec git push", "git", ("push",), "pnpm"),
        ("yarn dlx npm publish", "npm", ("publish",), "yarn"),
        ("bundle exec gem push x.gem", "gem", ("push", "x.gem"), "bundle"),
        ("npx -y -p semantic-release semantic-release", "semantic-release", (), "npx"),
        ("bunx git push", "git", ("push",), "bunx"),
        ("uvx twine upload dist/*", "twine", ("upload", "dist/*"), "uvx"),
    ],
)
def test_runner_commands_are_peeled(line: str, program: str, args: tuple[str, ...],
                                    wrapper: str) -> None:
    command = one(run(line), program)
    assert command.args == args
    assert wrapper in command.wrappers


def test_direnv_exec_runs_in_its_directory() -> None:
    command = one(run("direnv exec infra terraform apply"), "terraform")
    assert command.cwd == "/repo/infra" and command.args == ("apply",)


@pytest.mark.parametrize("line", ["poetry install", "uv pip install rich", "pnpm install",
                                  "npx --call 'echo hi'", "bundle install"])
def test_other_subcommands_stay_commands_of_their_own(line: str) -> None:
    assert programs(run(line))[0] == line.split()[0]


def test_ssh_remote_command_is_analyzed() -> None:
    analysis = run("ssh -i key -p 2222 deploy@prod 'cd /srv && git push'")
    push = one(analysis, "git", "push")
    assert push.via.startswith("ssh deploy@prod") and push.depth == 1
    assert "ssh" in programs(analysis)


def test_ssh_login_runs_nothing_more() -> None:
    assert programs(run("ssh -o StrictHostKeyChecking=no prod")) == ["ssh"]
