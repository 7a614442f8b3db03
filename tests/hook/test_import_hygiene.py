"""The core never imports the dashboard; the hook's path imports only the standard library."""

from __future__ import annotations

import json
import os
import pkgutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import approvald
from approvald.agents import AGENTS, get_agent
from approvald.agents.base import EventAnswer, Verdict
from tests.support.proofs import proven_answer

HEAVY = ["textual", "approvald_tui", "yaml", "tree_sitter", "httpx", "starlette", "uvicorn",
         "keyring", "watchdog", "platformdirs", "rich"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_core_never_imports_textual() -> None:
    names = [m.name for m in pkgutil.walk_packages(approvald.__path__, "approvald.")
             if not m.name.endswith("__main__")]
    code = "import importlib\n" + "\n".join(
        f"try:\n    importlib.import_module({n!r})\nexcept Exception:\n    pass" for n in names)
    loaded = _modules_after(code)
    assert len(names) > 10
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "approvald_tui")}


def test_hook_path_is_standard_library_only() -> None:
    loaded = _modules_after(
        "import approvald.cli, approvald.hook.runner, approvald.agents.claude_code, "
        "approvald.model.actions, approvald.paths")
    heavy = {m for m in loaded if m.split(".")[0] in HEAVY}
    assert not heavy, f"hook path imports {sorted(heavy)}"


HOOK_HEAVY = ("approvald.paths", "yaml", "tree_sitter", "httpx", "starlette", "uvicorn", "textual",
         "keyring", "platformdirs", "watchdog", "http.client", "ssl", "email")


def _canned(agent: str, event: str | None) -> bytes:
    """What the daemon renders: ALLOW for the decision; for an event, a redacted output."""
    spec = get_agent(agent)
    if event is None:
        return spec.reply(Verdict(None)).stdout.encode()
    hook_event = spec.hook_event(event)
    assert hook_event is not None
    output = {"stdout": "[REDACTED:github_token]", "stderr": "", "interrupted": False,
              "isImage": False}
    return spec.render_event(hook_event, EventAnswer(output=output)).stdout.encode()


@pytest.mark.parametrize(("agent", "event"), [
    *((agent, None) for agent in AGENTS), ("claude-code", "PostToolUse"),
    ("claude-code", "SessionStart")])
def test_hook_fast_path_imports_only_the_standard_library(tmp_path: Path, agent: str,
                                                          event: str | None) -> None:
    """Run the hook against a canned daemon in a subprocess and list what it imported."""
    allow = _canned(agent, event)
    sock_path = str(tmp_path / "d.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(sock_path)
    server.listen(1)

    seen: list[bytes] = []
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "client.token").write_text("a-client-token\n")

    def answer_once() -> None:
        conn, _ = server.accept()
        with conn:
            seen.append(conn.recv(65536))
            # ALLOW, as the daemon renders it for this agent's hook, proven.
            conn.sendall(proven_answer("a-client-token", seen[0], allow))

    threading.Thread(target=answer_once, daemon=True).start()
    probe = (
        "import sys, io\n"
        "from approvald.cli import main\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'{\"tool_name\": \"Bash\", "
        "\"tool_input\": {\"command\": \"ls\"}, \"session_id\": \"s\", \"cwd\": \"/tmp\"}'))\n"
        f"code = main(['hook', {agent!r}{', ' + repr(event) if event else ''}])\n"
        "print(repr({'code': code, 'modules': sorted(sys.modules)}), file=sys.stderr)\n"
    )
    env = {**os.environ, "APPROVALD_SOCKET": sock_path, "APPROVALD_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, env=env,
                          timeout=60)
    server.close()
    import ast

    report = ast.literal_eval(proc.stderr.decode().strip().splitlines()[-1])
    assert report["code"] == 0
    assert proc.stdout.strip() == allow  # printed as the daemon rendered it
    route = f"/v1/hook/{agent}" + (f"/{event}" if event else "")
    assert seen and seen[0].startswith(f"POST {route} HTTP/1.1".encode())
    loaded = set(report["modules"])
    heavy = sorted(m for m in loaded
                   if m.split(".")[0] in HOOK_HEAVY or m in HOOK_HEAVY or m == "socket")
    assert heavy == []
    assert not any(m.startswith("approvald.policy") for m in loaded)
    assert "json" not in loaded  # the fast path hands bytes through
    # Everything imported is the standard library or approvald itself.
    stdlib = set(sys.stdlib_module_names)
    foreign = sorted(m for m in loaded if m.split(".")[0] not in stdlib
                     and not m.startswith("approvald") and not m.startswith("_"))
    assert foreign == [], foreign


# What the installed hook (`python -I -S .../approvald/hook/entry.py hook AGENT`) may import on
# its daemon path beyond `os` (frozen in the interpreter, which `python -c pass` loads too):
# built-in modules, and approvald's hook path (userdirs only where APPROVALD_HOME does not say).
FAST_PATH = {"approvald", "approvald.hook", "approvald.hook.fast", "approvald.signing",
             "approvald.userdirs", "_socket", "_sha256", "_sha2", "_operator", "select"}


@pytest.mark.parametrize("agent", list(AGENTS))
@pytest.mark.parametrize("home", [True, False])
def test_the_installed_hook_imports_next_to_nothing(approvald_home: Path, agent: str,
                                                    home: bool) -> None:
    """The real command install writes, against a canned daemon, with `-X importtime` (which
    lists every module a process imports, the interpreter's own start-up included)."""
    import shlex

    from approvald.install.hookcommand import hook_command
    from tests.support.canned import CannedDaemon, proven

    allow = get_agent(agent).reply(Verdict(None)).stdout.encode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPROVALD_", "XDG_"))}
    if home:
        env["APPROVALD_HOME"] = str(approvald_home)
        canned = CannedDaemon(approvald_home, proven(allow))
    else:  # the platform's directories (XDG on Linux), as most users have them
        env.update(HOME=str(approvald_home / "u"), XDG_RUNTIME_DIR=str(approvald_home / "r"))
        canned = CannedDaemon(None, proven(allow),
                              state=approvald_home / "u" / ".local" / "state" / "approvald",
                              socket_path=approvald_home / "r" / "approvald" / "approvald.sock")
    words = shlex.split(hook_command(agent))
    try:
        proc = subprocess.run([words[0], "-X", "importtime", *words[1:]], env=env,
                              input=b'{"tool_name": "Bash", "tool_input": {"command": "ls"}}',
                              capture_output=True, timeout=60)
    finally:
        canned.close()
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.strip() == allow.strip()
    assert len(canned.requests) == 1
    bare = subprocess.run([words[0], "-I", "-S", "-X", "importtime", "-c", "import os"],
                          capture_output=True, timeout=60)
    loaded = _imported(proc.stderr) - _imported(bare.stderr)
    assert loaded <= FAST_PATH, sorted(loaded - FAST_PATH)
    assert ("approvald.userdirs" in loaded) is not home


def _imported(importtime: bytes) -> set[str]:
    return {line.rsplit("|", 1)[1].strip() for line in importtime.decode().splitlines()
            if line.startswith("import time:") and "|" in line and "imported package" not in line}


@pytest.mark.parametrize("env", [
    {"APPROVALD_HOME": "/tmp/ad-x"},
    {"APPROVALD_HOME": "~/odd/../home"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/tmp", "XDG_CONFIG_HOME": "/cfg"},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "relative", "XDG_CONFIG_HOME": ""},
    {"HOME": "/home/u", "XDG_RUNTIME_DIR": "/nonexistent-runtime"},
])
def test_hook_endpoint_agrees_with_paths(monkeypatch: pytest.MonkeyPatch,
                                         env: dict[str, str]) -> None:
    from approvald.paths import get_paths
    from approvald.settings import default_config_file
    from approvald.wire import endpoint

    for name in ("APPROVALD_HOME", "APPROVALD_SOCKET", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    paths = get_paths()
    assert endpoint.daemon_endpoint() == paths.socket
    assert default_config_file() == str(paths.config)


# What the local check (no daemon) leaves unloaded for an everyday line once the policy cache
# holds the parsed policy: each costs milliseconds on every tool call (docs/ARCHITECTURE.md).
LOCAL_UNLOADED = {"pathlib", "urllib.parse", "ipaddress", "ntpath", "shlex", "typing",
                  "datetime", "hashlib", "threading", "dataclasses", "importlib", "math", "yaml",
                  "tree_sitter", "site", "approvald.shell.launchers"}


def test_the_local_check_leaves_what_it_does_not_use_unloaded(approvald_home: Path) -> None:
    """The real command install writes, with no daemon: the policy decides in the hook."""
    import shlex

    from approvald.install.hookcommand import hook_command

    (approvald_home / "state").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APPROVALD_", "XDG_"))}
    env["APPROVALD_HOME"] = str(approvald_home)
    words = shlex.split(hook_command("claude-code"))
    payload = json.dumps({"tool_name": "Bash", "tool_input": {"command": "ls -la"},
                          "cwd": str(approvald_home), "session_id": "s"}).encode()
    for _ in range(2):  # the first run parses the policy into the cache
        proc = subprocess.run([words[0], "-X", "importtime", *words[1:]], env=env,
                              input=payload, capture_output=True, timeout=60)
        assert proc.returncode == 0, proc.stderr.decode()
        assert proc.stdout.strip() == b""  # allowed (Claude Code: no output)
    last = (approvald_home / "audit" / "audit.jsonl").read_text().splitlines()[-1]
    record = json.loads(last)
    assert (record["decision"], record["mode"]) == ("ALLOW", "local")
    loaded = _imported(proc.stderr)
    assert "approvald.policy.engine" in loaded  # the policy did decide here
    assert not LOCAL_UNLOADED & loaded, sorted(LOCAL_UNLOADED & loaded)


def test_the_local_check_loads_site_for_the_first_installed_package() -> None:
    """Under `-I -S`, `site` loads when a module only the installed packages have is imported
    (yaml, tree-sitter), not for one the standard library has or lacks on this platform."""
    root = str(Path(approvald.__file__).parent.parent)
    probe = (
        f"import sys; sys.path.append({root!r})\n"
        "from approvald.hook.runner import _with_site\n"
        "_with_site(); _with_site()\n"
        "import json\n"
        "try:\n    import nt\nexcept ImportError:\n    pass\n"
        "before = 'site' in sys.modules\n"
        "import yaml\n"
        "print(before, 'site' in sys.modules, yaml.safe_load('a: 1'))\n"
    )
    out = subprocess.run([sys.executable, "-I", "-S", "-c", probe], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True", "{'a':", "1}"]
