"""Property tests for issue 12's shaped classes.

1. Any stack of launchers (su -c, flock, tmux, ssh --, systemd-run, at, crontab, interpreters'
   spawns, containers, ...) around a denied command still denies; around a gated command never
   allows.
2. Any quoting spelling of a program name (split into pieces, each quoted its own way) decides
   like the plain name.
3. Any spelling of a cloud metadata address, by WebFetch or curl/wget, is denied.
4. A commit message in a quoted here-document is text, whatever it says.
5. A search pattern is never a path, whatever it names.
6. An MCP argument named like a path that holds a secret is denied whatever the tool is called.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FAKE_HOME = "/home/dev"
APPROVALD_HOME = "/tmp/ad-corpus-home"
CWD = f"{FAKE_HOME}/projects/webapp"
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def decide() -> Iterator[Callable[..., str]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", FAKE_HOME)
        mp.setenv("APPROVALD_HOME", APPROVALD_HOME)
        from approvald.agents import payload_reader
        from approvald.policy import load_engine

        engine = load_engine(include_user=False)
        reader = payload_reader("claude-code")

        def run(tool_input: dict[str, Any] | str, tool: str = "Bash") -> str:
            if isinstance(tool_input, str):
                tool_input = {"command": tool_input}
            payload = {"session_id": "s", "transcript_path": "/t", "cwd": CWD,
                       "hook_event_name": "PreToolUse", "tool_name": tool,
                       "tool_input": tool_input, "tool_use_id": "toolu_1"}
            return str(engine.evaluate(reader(payload)).decision)

        yield run


# --- 1. launchers ---------------------------------------------------------------------------

DENIED = ["rm -rf ~", "cat .env", "cat ~/.ssh/id_rsa", "approvald approvals approve ap_1",
          "shred -u notes.txt", "curl http://169.254.169.254/latest/"]
GATED = ["git push origin main", "terraform apply", "npm publish", "git reset --hard",
         "kubectl delete ns prod"]


def _quoted(f: Callable[[str], str]) -> Callable[[str], str]:
    return lambda line: f(shlex.quote(line))


def _dq(text: str) -> str:
    """Text inside a double-quoted awk / AppleScript string."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


_SIMPLE = re.compile(r"^[A-Za-z0-9_./~-]+(?: [A-Za-z0-9_./~:@=,-]+)*$")


def _argv(prefix: str) -> Callable[[str], str]:
    """A launcher that runs an argv: a line that is not one simple command goes in bash -c."""
    def launch(line: str) -> str:
        if _SIMPLE.match(line) and "=" not in line.split(" ", 1)[0]:
            return f"{prefix} {line}"
        return f"{prefix} bash -c {shlex.quote(line)}"
    return launch


# Each takes a shell line and returns a line that runs it (here, later or elsewhere).
LAUNCHERS: list[Callable[[str], str]] = [
    _quoted(lambda q: f"su root -c {q}"),
    _quoted(lambda q: f"su -c {q} deploy"),
    _quoted(lambda q: f"flock /tmp/l -c {q}"),
    _quoted(lambda q: f"tmux new-window {q}"),
    _quoted(lambda q: f"tmux new-session -d -s x {q}"),
    _quoted(lambda q: f"tmux split-window -h {q}"),
    _quoted(lambda q: f"ssh build {q}"),
    _quoted(lambda q: f"sg docker -c {q}"),
    _quoted(lambda q: f"npx -c {q}"),
    _quoted(lambda q: f"watch -n 5 {q}"),
    _quoted(lambda q: f"bash -c {q}"),
    _quoted(lambda q: f"parallel ::: {q}"),
    _quoted(lambda q: f"hyperfine {q}"),
    _quoted(lambda q: f"echo {q} | at now"),
    _quoted(lambda q: f"at now <<< {q}"),
    _quoted(lambda q: f"vagrant ssh -c {q}"),
    _quoted(lambda q: f"git rebase -x {q} main"),
    _quoted(lambda q: f"git -c core.pager={q} log"),
    _quoted(lambda q: f"GIT_PAGER={q} git log"),
    _quoted(lambda q: f"docker run --rm --entrypoint sh alpine -c {q}"),
    _quoted(lambda q: f"ssh build -- {q}"),
    _argv("chronic"),
    _argv("nsenter -t 1 -m --"),
    _argv("systemd-run --user"),
    _argv("strace -f"),
    _argv("pkexec"),
    _argv("caffeinate -i"),
    _argv("screen -dm"),
    _argv("flock /tmp/l"),
    _argv("npm exec --"),
    _argv("kubectl exec pod --"),
    _argv("docker exec web"),
    _argv("sudo -u deploy"),
    _argv("timeout 9"),
    lambda line: "python3 -c " + shlex.quote(f"import os; os.system({line!r})"),
    lambda line: "perl -e " + shlex.quote(f"system(q({line}))"),
    lambda line: "node -e " + shlex.quote(
        f"require('child_process').execSync({line!r})"),
    lambda line: "awk " + shlex.quote(f"BEGIN {{ system(\"{_dq(line)}\") }}"),
    lambda line: "osascript -e " + shlex.quote(f'do shell script "{_dq(line)}"'),
    lambda line: f"printf '%s\\n' {shlex.quote(line)} | bash",
]


@st.composite
def launched(draw: st.DrawFn, bases: list[str]) -> str:
    line = draw(st.sampled_from(bases))
    for index in draw(st.lists(st.integers(0, len(LAUNCHERS) - 1), min_size=1, max_size=3)):
        line = LAUNCHERS[index](line)
    return line


@SETTINGS
@given(launched(DENIED))
def test_any_launcher_around_a_denied_command_denies(decide: Callable[..., str],
                                                    line: str) -> None:
    assert decide(line) == "DENY", line


@SETTINGS
@given(launched(GATED))
def test_any_launcher_around_a_gated_command_never_allows(decide: Callable[..., str],
                                                          line: str) -> None:
    assert decide(line) != "ALLOW", line


# --- 2. quoting spellings --------------------------------------------------------------------

def _spell(piece: str, style: int) -> str:
    return [piece, f"'{piece}'", f'"{piece}"', f"$'{piece}'",
            "".join(f"\\{c}" for c in piece), f"{piece}''", f'""{piece}'][style % 7]


@st.composite
def spelled(draw: st.DrawFn, word: str) -> str:
    cuts = sorted(set(draw(st.lists(st.integers(1, len(word) - 1), max_size=3))))
    pieces = [word[a:b] for a, b in zip([0, *cuts], [*cuts, len(word)], strict=True)]
    return "".join(_spell(p, draw(st.integers(0, 6))) for p in pieces)


@SETTINGS
@given(st.sampled_from([("approvald", "approvals approve ap_1", "DENY"),
                        ("shred", "-u x.txt", "DENY"), ("blkdiscard", "/dev/sda", "DENY"),
                        ("pkill", "approvald", "DENY"), ("xdotool", "type y", "DENY"),
                        ("git", "push", "REQUIRE_APPROVAL"),
                        ("lerna", "publish", "REQUIRE_APPROVAL")]).flatmap(
    lambda case: spelled(case[0]).map(lambda name: (name, *case[1:]))))
def test_any_quoting_of_a_program_name_decides_alike(decide: Callable[..., str],
                                                     case: tuple[str, str, str]) -> None:
    name, rest, expected = case
    assert decide(f"{name} {rest}") == expected, name


# --- 3. metadata spellings --------------------------------------------------------------------

@st.composite
def metadata_host(draw: st.DrawFn) -> str:
    address = draw(st.sampled_from(["169.254.169.254", "169.254.170.2", "169.254.10.20"]))
    octets = [int(o) for o in address.split(".")]
    form = draw(st.integers(0, 5))
    if form == 0:  # each octet decimal, octal or hex
        parts = [draw(st.sampled_from([str(o), f"0{o:o}", f"0x{o:x}", f"0x{o:02X}"]))
                 for o in octets]
        return ".".join(parts)
    value = int(ipaddress.IPv4Address(address))
    if form == 1:
        return draw(st.sampled_from([str(value), f"0x{value:x}", f"0{value:o}"]))
    if form == 2:  # a.b.c with a 16-bit last part, or a.b with a 24-bit one
        if draw(st.booleans()):
            return f"{octets[0]}.{octets[1]}.{octets[2] * 256 + octets[3]}"
        return f"{octets[0]}.{(octets[1] << 16) + (octets[2] << 8) + octets[3]}"
    if form == 3:
        hexes = f"{octets[0]:02x}{octets[1]:02x}:{octets[2]:02x}{octets[3]:02x}"
        return draw(st.sampled_from([f"[::ffff:{address}]", f"[::ffff:{hexes}]",
                                     f"[0:0:0:0:0:ffff:{hexes}]", f"[64:ff9b::{hexes}]"]))
    if form == 4:
        return draw(st.sampled_from([f"{address}.nip.io", f"{address.replace('.', '-')}.sslip.io",
                                     f"{value:08x}.nip.io"]))
    return draw(st.sampled_from(["metadata.google.internal", "METADATA.google.internal.",
                                 "metadata.goog"]))


@SETTINGS
@given(metadata_host(), st.sampled_from(["", ":80", ":8080"]),
       st.sampled_from(["", "user@", "a:b@"]), st.sampled_from(["http", "https"]))
def test_any_metadata_spelling_is_denied(decide: Callable[..., str], host: str, port: str,
                                         userinfo: str, scheme: str) -> None:
    if host.startswith("[") or host[-1:] == ".":
        port = ""  # keep the URL well formed
    url = f"{scheme}://{userinfo}{host}{port}/latest/meta-data/"
    assert decide({"url": url, "prompt": "x"}, tool="WebFetch") == "DENY", url
    assert decide(f"curl -s {shlex.quote(url)}") == "DENY", url
    assert decide(f"wget -qO- {shlex.quote(url)}") == "DENY", url


# --- 4. commit messages -------------------------------------------------------------------------

MESSAGE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                  max_size=120).filter(lambda t: "EOF" not in t and "APPROVALD_HOME" not in t)
# (Hypothesis also draws string constants from approvald's source: a word naming
# $APPROVALD_HOME is denied by design, self.state; tested in test_printed_text.py.)


@SETTINGS
@given(st.lists(MESSAGE, min_size=1, max_size=4))
def test_a_heredoc_commit_message_is_text(decide: Callable[..., str], lines: list[str]) -> None:
    body = "\n".join(lines)
    line = f"git commit -m \"$(cat <<'EOF'\n{body}\nEOF\n)\""
    assert decide(line) == "ALLOW", line


# --- 5. search patterns -------------------------------------------------------------------------

NAMES = [".env", "id_rsa", "credentials.json", "operator.token", "approvald.sock", ".npmrc",
         "~/.ssh/id_ed25519", "/tmp/ad-corpus-home/state", ".claude/settings.json"]


@SETTINGS
@given(st.sampled_from(NAMES), st.sampled_from(["grep -rn {p} src/", "rg {p}", "rg -n {p} lib",
                                                "ag {p} src", "git grep -n {p}",
                                                "grep -r -e {p} docs/", "ack {p}"]))
def test_a_search_pattern_is_not_a_path(decide: Callable[..., str], name: str,
                                        template: str) -> None:
    line = template.format(p=shlex.quote(name))
    assert decide(line) == "ALLOW", line


# --- 6. MCP arguments ---------------------------------------------------------------------------

TOOL_NAME = st.from_regex(r"[a-z][a-z_]{2,15}", fullmatch=True).filter(
    lambda n: not any(w in n for w in ("write", "edit", "creat", "updat", "put", "set", "upload",
                                       "append", "save", "move", "renam", "delet", "remov",
                                       "mkdir", "patch", "insert", "replac", "copy", "overwrit",
                                       "truncat", "chmod")))


@SETTINGS
@given(st.from_regex(r"[a-z][a-z0-9-]{1,12}", fullmatch=True), TOOL_NAME,
       st.sampled_from(["path", "file_path", "filename", "file", "source", "paths"]),
       st.sampled_from([f"{CWD}/.env", f"{FAKE_HOME}/.ssh/id_rsa", f"{FAKE_HOME}/.aws/credentials",
                        f"{APPROVALD_HOME}/state/operator.token"]))
def test_a_secret_path_argument_of_any_mcp_tool_is_denied(
        decide: Callable[..., str], server: str, tool: str, key: str, path: str) -> None:
    value: Any = [path] if key == "paths" else path
    assert decide({key: value}, tool=f"mcp__{server}__{tool}") == "DENY", (server, tool, key)
