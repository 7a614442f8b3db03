from __future__ import annotations

import pytest

from approvald.policy.globs import GlobError, compile_path_glob, compile_word_glob

HOME = "/home/dev"


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (".env", "/home/dev/app/.env", True),
        (".env", "/home/dev/app/.env.local", False),
        (".env.*", "/home/dev/app/.env.local", True),
        ("~/.ssh/id_*", "/home/dev/.ssh/id_rsa", True),
        ("~/.ssh/id_*", "/root/.ssh/id_rsa", False),
        ("~/.azure/**", "/home/dev/.azure/a/b/tokens.json", True),
        (".claude/settings.json", "/x/y/.claude/settings.json", True),
        (".claude/settings.json", "/x/y/claude/settings.json", False),
        ("/", "/", True),
        ("/*", "/usr", True),
        ("/*", "/usr/lib", False),
        ("~", "/home/dev", True),
        ("~/*", "/home/dev/projects", True),
        ("~/*", "/home/dev/projects/app", False),
        (".env.{local,production}", "/a/.env.production", True),
        ("*.pem", "/a/b/server.pem", True),
        ("/tmp/ad/**", "/tmp/ad/run/approvald.sock", True),
        ("/tmp/ad/**", "/tmp/adx/run", False),
    ],
)
def test_path_globs(pattern: str, path: str, expected: bool) -> None:
    assert compile_path_glob(pattern, HOME).matches(path) is expected


@pytest.mark.parametrize(
    ("pattern", "word", "expected"),
    [
        ("delete-*", "delete-db-instance", True),
        ("delete-*", "describe-db", False),
        ("-[rR]*", "-rf", True),
        ("-[a-zA-Z]*[rR]*", "-fr", True),
        ("-[a-zA-Z]*[rR]*", "--preserve-root", False),
        ("python*", "python3.11", True),
        ("{apply,destroy}", "destroy", True),
    ],
)
def test_word_globs(pattern: str, word: str, expected: bool) -> None:
    assert bool(compile_word_glob(pattern).match(word)) is expected


@pytest.mark.parametrize("bad", ["[abc", "{a,b", "a}"])
def test_bad_globs_raise(bad: str) -> None:
    with pytest.raises(GlobError):
        compile_word_glob(bad)
