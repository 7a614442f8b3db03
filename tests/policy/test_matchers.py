from __future__ import annotations

import random
import re

import pytest

from approvald.policy.globs import GlobError, word_glob_regex
from approvald.policy.index import literal_programs
from approvald.policy.words import Words


def test_rules_are_indexed_by_the_programs_they_can_hold_for() -> None:
    assert literal_programs({"program": ["git"], "args": ["push"]}) == {"git"}
    assert literal_programs({"program": "python*"}) is None
    assert literal_programs({"any_of": [{"program": "npm"}, {"program": ["gem", "twine"]}]}) \
        == {"npm", "gem", "twine"}
    # One branch that holds for any program makes the whole rule unindexable.
    assert literal_programs({"any_of": [{"program": "npm"}, {"path_arg": "/x"}]}) is None
    assert literal_programs({"program": ["a", "b"], "any_of": [{"program": "b"}]}) == {"b"}
    assert literal_programs({"kind": "fs.read", "path": ".env"}) is None


def _one_regex(globs: tuple[str, ...], flags: int) -> re.Pattern[str]:
    """The plain reading of a word-glob list: one regex of every glob."""
    return re.compile("|".join(f"(?:{word_glob_regex(g)})" for g in globs), re.DOTALL | flags)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # `[[` reads as a possible nested set
def test_words_compared_as_strings_match_as_their_regex_would() -> None:
    # Literals, prefixes, suffixes and parts are compared as strings; the rest is one regex.
    # Every list, every text: the same answer as the one regex of the whole list.
    rng = random.Random(17)
    letters = "ab.*?[]{},\\\n-A"
    texts = ["", "a", "ab", "ba", "a.b", "b\nb", "*", "aab", "\\", "ab,", "A", "bA", "a*b",
             "{a", "a,b"]
    checked = 0
    for _ in range(3000):
        globs = tuple("".join(rng.choice(letters) for _ in range(rng.randint(1, 5)))
                      for _ in range(rng.randint(1, 4)))
        for flags in (0, re.IGNORECASE):
            try:
                regex = _one_regex(globs, flags)
            except (GlobError, re.error):
                continue  # malformed lists: covered below
            words = Words(globs, flags)
            for text in texts:
                assert words.match(text) == (regex.match(text) is not None), (globs, text)
                checked += 1
    assert checked > 10000


def test_a_text_without_the_plain_part_of_a_glob_skips_its_regex() -> None:
    words = Words(("*$[{]APPROVALD_HOME*", "--x?y*"), 0)
    assert words.match("${APPROVALD_HOME}/state") and words.match("--xzy=1")
    assert not words.match("$APPROVALD_HOME") and not words.match("--y") and not words.match("")
    assert words._regex is not None  # compiled on first use all the same (a bad one fails)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # `[[` reads as a possible nested set
def test_some_argument_matches_as_the_regex_says() -> None:
    from approvald.policy.words import some_arg

    rng = random.Random(29)
    letters = "ab.*?[]{},\\\n-A"
    texts = ["", "a", "ab", "ba", "a.b", "b\nb", "*", "aab", "\\", "ab,", "A", "bA", "a*b", "-"]
    for _ in range(2000):
        globs = tuple("".join(rng.choice(letters) for _ in range(rng.randint(1, 5)))
                      for _ in range(rng.randint(1, 4)))
        try:
            regex = _one_regex(globs, 0)
        except (GlobError, re.error):
            continue
        some = some_arg(Words(globs, 0))
        for _ in range(8):
            args = tuple(rng.sample(texts, rng.randint(0, 3)))
            assert some(args) == any(regex.match(a) for a in args), (globs, args)


def test_an_argument_list_without_the_plain_parts_of_the_globs_has_no_match() -> None:
    from approvald.policy.words import some_arg

    words = Words(("-c", "--config*", "*disable*", "*$[{]HOME*"), 0)
    assert words.screen == ("-c", "--config", "disable", "HOME")
    some = some_arg(words)
    assert not some(("exec", "x")) and not some(()) and not some(("a-c",))
    assert some(("exec", "-c")) and some(("--config=x",)) and some(("x", "${HOME}/a"))
    assert not some(("$HOME",)) and words._regex is not None
    assert Words(("a", "b"), 0).screen is None and Words(("A*",), re.IGNORECASE).screen is None
    assert Words(("*", "x*"), 0).screen is None  # `*` holds no plain part


def test_words_keep_refusing_malformed_globs() -> None:
    with pytest.raises(GlobError):
        Words(("git", ""), 0)
    with pytest.raises(GlobError):
        Words(("push*", "a{b"), 0)
    with pytest.raises(GlobError, match="bad character class"):
        Words(("push*", "[z-a]"), 0)  # the regex engine refuses it: refused at load


def test_an_any_of_rule_is_compiled_branch_by_branch_with_the_same_problems_found() -> None:
    from approvald.policy.errors import PolicyError
    from approvald.policy.ruleset import RuleSet, compile_rules
    from approvald.policy.targets import Target

    match = {"any_of": [{"program": "npm"}, {"kind": "fs.read", "path": "/etc/shadow"}]}
    rules, entries = compile_rules([("r", "DENY", "no", "f:1", match, "f")], "/home/u")
    assert len(entries) == 2 and all(e.rule is rules[0] for e in entries)
    shadow = Target(kind="fs.read", tool="Read", text="x", paths=("/etc/shadow",))
    other = Target(kind="fs.read", tool="Read", text="x", paths=("/etc/hosts",))
    assert rules[0].predicate(shadow) and not rules[0].predicate(other)
    ruleset = RuleSet(rules, entries, "DENY", "h")  # an entry is asked where the index says
    assert [e.predicate(shadow) for e in ruleset.candidates(shadow)] == [True]
    assert [e.predicate(other) for e in ruleset.candidates(other)] == [False]
    broken = {"any_of": [{"program": "npm"}, {"program": "a{b"}, {"program": "[z-a]"}]}
    with pytest.raises(PolicyError, match="a\\{b"):
        compile_rules([("r", "DENY", "no", "f:1", broken, "f")], "/home/u")
