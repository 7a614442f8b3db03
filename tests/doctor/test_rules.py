from __future__ import annotations

import pytest

from approvald.doctor.claude_code import allow_rule_reason
from approvald.doctor.rules import shell_rule_reason


@pytest.mark.parametrize(
    ("rule", "flagged"),
    [
        ("Bash", True), ("Bash(*)", True), ("Bash()", True), ("*", True),
        ("Bash(git push:*)", True), ("Bash(git push *)", True), ("Bash(git push)", True),
        ("Bash(git:*)", True), ("Bash(git *)", True), ("Bash(git pu*)", True),
        ("Bash(terraform apply:*)", True), ("Bash(tofu destroy:*)", True),
        ("Bash(kubectl delete:*)", True), ("Bash(sudo:*)", True), ("Bash(bash -c:*)", True),
        ("Bash(rm -rf build)", True), ("Bash(curl:*)", True), ("Bash(npm publish)", True),
        ("Bash(git -C:*)", True), ("Edit", True), ("Write(**)", True),
        ("Bash(npm test:*)", False), ("Bash(git status)", False), ("Bash(git diff:*)", False),
        ("Bash(git st*)", False), ("Bash(ls:*)", False), ("Bash(kubectl get:*)", False),
        ("Bash(python3 manage.py test:*)", False), ("Read(./src/**)", False),
        ("Edit(./src/**)", False), ("WebFetch(domain:github.com)", False),
        ("mcp__github", False), ("not a rule (", False),
    ],
)
def test_claude_allow_rules(rule: str, flagged: bool) -> None:
    assert (allow_rule_reason(rule) is not None) is flagged


def test_reason_names_what_is_gated() -> None:
    assert allow_rule_reason("Bash(git push:*)") == "`git push`"
    assert allow_rule_reason("Bash(*)") == "every shell command"
    assert shell_rule_reason("git", prefix=True) == "`git push`"
    assert shell_rule_reason("npm test", prefix=True) is None
