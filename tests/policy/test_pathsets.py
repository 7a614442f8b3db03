"""Path sets: the literal shortcuts (sets of names and paths, `DIR/**` prefixes) decide exactly
what the patterns' regular expressions would."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from approvald.policy.globs import path_glob_regex
from approvald.policy.pathsets import PathGlobSet

HOME = "/home/u"
PATTERNS = (
    ".env", ".env.*", "id_rsa", ".ssh/", "~/.ssh", "~/.ssh/**", "~/.aws/credentials", "/etc/shadow",
    "/", "~", "~/", "/var/lib/x/**", ".claude/settings.json", "**/secrets/**", "*.pem",
    "/opt/a b/c", "~/.config/gh/hosts.yml", "/tmp/ad-home/**", ".claude/plugins/**",
    "lib/x/", "c/**", "a b//**", "/**", "u/.ssh/*", "~x/y",
)
SEGMENTS = st.sampled_from(["", "home", "u", ".ssh", "id_rsa", ".env", ".env.local", "etc",
                            "shadow", "var", "lib", "x", "y", ".aws", "credentials", "a b",
                            "opt", "c", ".claude", "settings.json", "secrets", "k.pem", "tmp",
                            "ad-home", ".config", "gh", "hosts.yml", "\n", "plugins", "~x"])
# (relative ones too: what a pattern without a leading `/` matches is not only under `/`)
PATHS = st.lists(SEGMENTS, min_size=1, max_size=6).flatmap(
    lambda parts: st.sampled_from(["/" + "/".join(parts), "/".join(parts)]))


def reference(patterns: tuple[str, ...], path: str) -> bool:
    import os

    for pattern in patterns:
        body, basename_only = path_glob_regex(pattern, HOME)
        if basename_only:
            name = os.path.basename(path.rstrip("/")) or path
            if re.match(body, name):
                return True
        elif re.match(body, path, re.DOTALL):
            return True
    return False


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=6).map(tuple), PATHS)
def test_literal_shortcuts_match_like_the_regexes(patterns: tuple[str, ...], path: str) -> None:
    assert PathGlobSet(patterns, HOME).matches(path) == reference(patterns, path), (patterns, path)


def test_literal_patterns_need_no_regex() -> None:
    found = PathGlobSet(("~/.ssh/**", "~/.aws/credentials", ".env"), HOME)
    assert found.matches("/home/u/.ssh/id_ed25519")
    assert found.matches("/home/u/.aws/credentials")
    assert found.matches("/repo/.env")
    assert not found.matches("/home/u/.ssh")
    assert found._sources == (None, None)


def test_relative_literal_patterns_need_no_regex() -> None:
    found = PathGlobSet((".claude/settings.json", ".claude/plugins/**"), HOME)
    assert found.matches("/repo/.claude/settings.json")
    assert found.matches(".claude/settings.json")
    assert found.matches("/repo/.claude/plugins/x/y.js")
    assert found.matches(".claude/plugins/")
    assert not found.matches("/repo/x.claude/settings.json")
    assert not found.matches("/repo/.claude/plugins")
    assert found._sources == (None, None)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=6).map(tuple), PATHS)
def test_every_matched_path_holds_one_of_the_sets_tokens(patterns: tuple[str, ...],
                                                         path: str) -> None:
    found = PathGlobSet(patterns, HOME)
    if found.tokens is not None and found.matches(path):
        assert any(token in path for token in found.tokens), (patterns, path, found.tokens)


def test_tokens_are_each_patterns_longest_plain_run_below_home() -> None:
    assert PathGlobSet(("~/.ssh/id_*", "/run/user/*/approvald", "/tmp/x/**", ".env.*"),
                       HOME).tokens == (".env.", ".ssh", "approvald", "tmp")
    assert PathGlobSet(("~",), HOME).tokens == ("home",)
    assert PathGlobSet(("/home/u/.local/state/approvald/**", "approvald.sock"),
                       HOME).tokens == ("approvald",)  # `approvald.sock` holds `approvald`
    assert PathGlobSet((".env", "**"), HOME).tokens is None  # `**` has no plain run
    assert PathGlobSet(("/a/{b,c}",), HOME).tokens == ("a",)
    assert PathGlobSet(("/",), HOME).tokens is None


ARG_WORDS = st.sampled_from(["", "x", "u", ".ssh", "id_rsa", "-f", "--out=.ssh/id_rsa", "..",
                             ".", "/", "home", "/home/u", "~", "~/.ssh", "$HOME/.ssh", "$HOME",
                             "${HOME}/x", "~u/.ssh", "$HOMEX", "$X/.ssh", "a~", "*",
                             ".ss*", "a@.ssh/id_rsa", "file:///home/u/.ssh/id_rsa", "k=.env",
                             "open('.ssh/id_rsa')", ".env.local", "/tmp/ad-home", "C:\\x\\.env",
                             "secrets"])
ARGS = st.lists(st.lists(ARG_WORDS, min_size=1, max_size=3).map("/".join), max_size=4)


@settings(max_examples=800, deadline=None)
@given(st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=6).map(tuple),
       PATHS | st.sampled_from(["C:\\Users\\u", "C:", "repo", ""]),
       st.sampled_from(["cat", "cp", "python3"]), ARGS)
def test_args_lack_says_no_argument_path_can_match(patterns: tuple[str, ...], cwd: str,
                                                   program: str, args: list[str]) -> None:
    from approvald.policy.targets import Target
    from approvald.shell.model import SimpleCommand

    found = PathGlobSet(patterns, HOME)
    command = SimpleCommand(argv=(program, *args), program=program, args=tuple(args), cwd=cwd)
    target = Target(kind="process.exec", tool="Bash", text=program, command=command, home=HOME)
    if found.tokens is not None and target.args_lack(found.tokens):
        for path in (*target.path_args, *target.read_args):
            assert not found.matches(path), (patterns, cwd, args, path)


def test_args_lack_looks_further_where_home_or_a_glob_brings_in_a_name() -> None:
    from approvald.policy.targets import Target
    from approvald.shell.model import SimpleCommand

    def lacks(cwd: str, *args: str) -> bool:
        command = SimpleCommand(argv=("cat", *args), program="cat", args=args, cwd=cwd)
        return Target(kind="process.exec", tool="Bash", text="cat", command=command,
                      home=HOME).args_lack(("u", ".ssh"))

    assert lacks("/repo", "README.md", "-n")
    assert lacks("/repo")
    assert not lacks("/repo", ".ssh/config")  # the argument holds it
    assert not lacks("/home/u", "x")  # the cwd holds it
    for unsure in ("~", "$HOME", "${HOME}/x", "/home/*", "/home/?", "/home/[u]"):
        assert not lacks("/", unsure), unsure


def test_args_lack_knows_what_home_brings_in() -> None:
    from approvald.policy.targets import Target
    from approvald.shell.model import SimpleCommand

    def lacks(*args: str) -> bool:
        command = SimpleCommand(argv=("cat", *args), program="cat", args=args, cwd="/repo")
        return Target(kind="process.exec", tool="Bash", text="cat", command=command,
                      home=HOME).args_lack((".ssh", "id_rsa"))

    assert lacks("~/notes.txt") and lacks("$HOME/x") and lacks("${HOME}") and lacks("$X")
    assert not lacks("~/.ssh/config") and not lacks("~/*")


def _fill_by_character(pattern: str) -> list[str]:
    """`_fill` as it was written first: one piece per plain character."""
    from itertools import product

    pieces: list[list[str]] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            pieces.append(["", "x"])
        elif char == "?":
            pieces.append(["x"])
        elif char == "[":
            end = pattern.find("]", index + 2)
            if end == -1:
                pieces.append(["["])
            else:
                body = pattern[index + 1:end]
                if body[:1] in ("!", "^"):
                    pieces.append([next(c for c in "xyz_" if c not in set(body[1:]))])
                else:
                    pieces.append([body[0]])
                index = end
        elif char == "{":
            end = pattern.find("}", index)
            if end == -1:
                pieces.append(["{"])
            else:
                pieces.append(pattern[index + 1:end].split(","))
                index = end
        else:
            pieces.append([char])
        index += 1
    return ["".join(c) for c, _ in zip(product(*pieces), range(64), strict=False)]


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from("ab/.*?[]!^{},x-"), max_size=24))
def test_filling_plain_runs_at_once_gives_the_same_examples(pattern: str) -> None:
    from approvald.policy.pathsets import _fill

    assert _fill(pattern) == _fill_by_character(pattern)
