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
    "/opt/a b/c", "~/.config/gh/hosts.yml", "/tmp/ad-home/**",
)
SEGMENTS = st.sampled_from(["", "home", "u", ".ssh", "id_rsa", ".env", ".env.local", "etc",
                            "shadow", "var", "lib", "x", "y", ".aws", "credentials", "a b",
                            "opt", "c", ".claude", "settings.json", "secrets", "k.pem", "tmp",
                            "ad-home", ".config", "gh", "hosts.yml", "\n"])
PATHS = st.lists(SEGMENTS, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))


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
