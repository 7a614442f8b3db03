"""Recognising raw MCP servers from their launch command, statically (nothing is started).

A server is identified by the package, image or script it runs: `npx -y <pkg>`, `uvx <pkg>`,
`pipx run <pkg>`, `docker run ... <image>`, `node <script>`, a binary on PATH, or (Windows)
the same wrapped in `cmd /c`. When the command says nothing, the server's name is a weaker hint.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from approvald.doctor.commands import program_name, split_command
from approvald.doctor.findings import HIGH, MEDIUM, Finding, finding_id
from approvald.doctor.parsing import ConfigDoc, as_dict, as_list, as_str
from approvald.doctor.plaintext import plaintext_secret_findings


@dataclass(frozen=True)
class ServerKind:
    kind: str  # shell | docker | filesystem | git | network | cloud | database
    severity: str
    what: str  # what its tools can do, for the finding's detail


SHELL = ServerKind("shell", HIGH, "runs arbitrary shell commands")
DOCKER = ServerKind("docker", HIGH, "starts and controls containers (root-equivalent on a host)")
FILESYSTEM = ServerKind("filesystem", MEDIUM, "reads and writes files directly")
GIT = ServerKind("git", MEDIUM, "changes repositories (commits, branches, pushes, PRs)")
NETWORK = ServerKind("network", MEDIUM, "fetches URLs or drives a browser")
CLOUD = ServerKind("cloud", MEDIUM, "changes cloud or cluster resources")
DATABASE = ServerKind("database", MEDIUM, "runs queries that can change data")

# Checked in order against the package/image/script identity; first match wins.
_PATTERNS: list[tuple[re.Pattern[str], ServerKind]] = [
    (re.compile(p), k)
    for p, k in [
        (r"desktop-commander|server-shell|server-commands|mcp-server-commands|"
         r"(^|[/@_-])(shell|terminal|exec|cmd|command|commands|bash|powershell|run-command|"
         r"code-runner|iterm)([/@_.-]|$)|cmd-line-mcp|shell-mcp|mcp-shell", SHELL),
        (r"(^|[/@_-])docker([/@_.-]|$)|docker-mcp|mcp-server-docker|portainer", DOCKER),
        (r"server-filesystem|mcp-server-filesystem|(^|[/@_-])(filesystem|file-system|fs|files)"
         r"([/@_.-]|$)", FILESYSTEM),
        (r"server-git(hub|lab)?([/@_.-]|$)|mcp-server-git|github-mcp-server|gitlab-mcp|"
         r"(^|[/@_-])(git|github|gitlab|gitea|bitbucket)([/@_.-]|$)", GIT),
        (r"aws|awslabs|(^|[/@_-])(gcp|gcloud|google-cloud|cloud-run|bigquery)([/@_.-]|$)|"
         r"azure|@azure/|kubernetes|k8s|kubectl|helm|terraform|opentofu|pulumi|cloudflare|"
         r"vercel|heroku|digitalocean|hashicorp", CLOUD),
        (r"server-fetch|mcp-server-fetch|(^|[/@_-])fetch([/@_.-]|$)|puppeteer|playwright|"
         r"browser|selenium|chrome-devtools|firecrawl|web-search|brave-search", NETWORK),
        (r"postgres|mysql|sqlite|mongo|redis|supabase|(^|[/@_-])sql([/@_.-]|$)", DATABASE),
    ]
]

# `npx`-like launchers: the first non-option argument is the package.
_LAUNCHERS = {"npx", "bunx", "pnpx", "uvx", "deno"}
_OPTIONS_WITH_VALUE = {"-p", "--package", "--from", "--with", "--python", "-c", "--call"}
_DOCKER_OPTIONS_WITH_VALUE = {
    "-e", "--env", "-v", "--volume", "--mount", "-p", "--publish", "--name", "--network",
    "--net", "-w", "--workdir", "-u", "--user", "--entrypoint", "--env-file", "-l", "--label",
    "--platform", "--pull", "--cpus", "-m", "--memory", "--add-host", "--device", "--cap-add",
}
_INTERPRETERS = re.compile(r"^(node|python(\d+(\.\d+)?)?|py|deno|bun|ruby|java)$")


def _first_positional(args: list[str], with_value: set[str]) -> str:
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg.startswith("-"):
            if arg in with_value:
                skip = True
            continue
        return arg
    return ""


def _strip_version(package: str) -> str:
    """`@scope/name@1.2` -> `@scope/name`; `name==1.0` -> `name`."""
    package = re.split(r"==|>=|<=|~=", package)[0]
    at = package.rfind("@")
    return package[:at] if at > 0 else package


def server_identity(spec: dict[str, Any]) -> tuple[str, str]:
    """(what the server runs, how it was found) from an `mcpServers` entry."""
    command = as_str(spec.get("command"))
    args = [a for a in as_list(spec.get("args")) if isinstance(a, str)]
    if command and not args and " " in command.strip():
        words = split_command(command)  # `"command": "npx -y pkg"` written as one string
        command, args = words[0], words[1:]
    if not command:
        url = next(
            (as_str(spec.get(k)) for k in ("url", "httpUrl", "serverUrl") if spec.get(k)), ""
        )
        return (url.lower(), "url") if url else ("", "")
    name = program_name(command)
    # Windows wrappers: `cmd /c npx -y pkg`, `powershell -Command npx pkg`.
    if name in ("cmd", "powershell", "pwsh") and args:
        while args and (args[0].lower() in ("/c", "/k", "/s") or args[0].startswith("-")):
            args = args[1:]
        if args:
            return server_identity({"command": args[0], "args": args[1:]})
    if name in _LAUNCHERS:
        return _strip_version(_first_positional(args, _OPTIONS_WITH_VALUE)).lower(), name
    if name in ("pnpm", "yarn", "bun") and args[:1] == ["dlx"]:
        return _strip_version(_first_positional(args[1:], _OPTIONS_WITH_VALUE)).lower(), name
    if name == "pipx" and args[:1] == ["run"]:
        return _strip_version(_first_positional(args[1:], _OPTIONS_WITH_VALUE)).lower(), name
    if name in ("docker", "podman") and args[:1] == ["run"]:
        image = _first_positional(args[1:], _DOCKER_OPTIONS_WITH_VALUE).lower()
        return image, "docker run"
    if _INTERPRETERS.match(name):
        if args[:1] == ["-m"] and len(args) > 1:
            return args[1].lower(), f"{name} -m"
        script = _first_positional(args, {"-r", "--require", "--import"})
        if script:
            return re.split(r"[\\/]", script.lower())[-1] + " " + script.lower(), name
    return f"{name} {' '.join(args)}".strip().lower(), "command"


def classify_server(name: str, spec: Any) -> tuple[ServerKind, str] | None:
    """(kind, identity) for a raw server; None when it runs through approvald (`approvald mcp
    wrap` or `mcp serve`) or is unrecognised."""
    spec = as_dict(spec)
    identity, _how = server_identity(spec)
    command = as_str(spec.get("command"))
    first = split_command(command)[0] if command.strip() else ""
    if program_name(first) == "approvald" or identity.split(" ")[0] == "approvald":
        return None  # served through approvald's gateway: its calls are checked
    for pattern, kind in _PATTERNS:
        if identity and pattern.search(identity):
            return kind, identity
    for pattern, kind in _PATTERNS:
        if pattern.search(name.lower()):
            return kind, identity or name
    return None


def is_disabled(spec: Any) -> bool:
    spec = as_dict(spec)
    return spec.get("disabled") is True or spec.get("enabled") is False


def wrap_command(agent: str, file: str, local_project: str | None = None) -> str | None:
    """The `approvald install AGENT --mcp ...` that routes the servers of `file` through the
    gateway, or None when that file is not one approvald edits (a managed one)."""
    from approvald.agents import UnknownAgent, get_agent

    try:
        config = get_agent(agent).mcp
    except UnknownAgent:
        return None
    if config is None:
        return None
    if local_project is not None:
        return f"approvald install {agent} --mcp --scope local --project {local_project}"
    path = Path(file)
    for scope, template in config.files.items():
        if template.startswith("~/"):
            if os.path.realpath(config.file(scope)) == os.path.realpath(path):
                return f"approvald install {agent} --mcp" + (
                    "" if scope == "user" else f" --scope {scope}")
        elif path.as_posix().endswith("/" + template):
            project = str(path)[: -len(template) - 1]
            return f"approvald install {agent} --mcp --scope {scope} --project {project}"
    return None


def raw_server_finding(
    agent: str,
    name: str,
    spec: Any,
    *,
    file: str,
    line: int | None,
    fix: str,
    where: str = "",
    detail_end: str = ".",
    local_project: str | None = None,
) -> Finding | None:
    """The "Raw <kind> MCP server" finding for one `mcpServers` entry, or None when
    `classify_server` finds nothing to report (a server run through `approvald mcp wrap`
    included). The fix leads with routing it through the gateway where approvald can edit the
    file; each agent words its own alternative `fix` and ends the detail its own way
    (`detail_end` follows "... beside approvald"). `where` names the scope when one file holds
    several (Claude Code's ~/.claude.json); it also goes into the id so the same name in two
    scopes stays two findings; `local_project` is the project of Claude Code's local scope."""
    hit = classify_server(name, spec)
    if hit is None:
        return None
    wrap = wrap_command(agent, file, local_project)
    if wrap is not None:
        fix = (f"Run `{wrap}`: '{name}' then runs through `approvald mcp wrap`, which checks "
               f"each of its calls against your policy. Or: {fix}")
    kind, identity = hit
    scope = f" ({where})" if where else ""
    subject = (file, where, name) if where else (file, name)
    return Finding(
        severity=kind.severity,
        agent=agent,
        file=file,
        line=line,
        title=f"Raw {kind.kind} MCP server '{name}' ({identity or 'unknown command'})",
        detail=f"'{name}'{scope} {kind.what} beside approvald{detail_end}",
        fix=fix,
        id=finding_id(agent, f"mcp-{kind.kind}", *subject),
    )


def raw_server_findings(agent: str, doc: ConfigDoc, fix: str,
                        servers_key: str = "mcpServers") -> list[Finding]:
    """The raw-server findings of every enabled entry under `servers_key` in a JSON config
    (Cursor's and Copilot CLI's `mcp.json` files); `fix` words the fix, with `{name}` and
    `{file}` filled in."""
    out = []
    path = str(doc.path)
    for name, spec in as_dict(doc.data.get(servers_key)).items():
        if is_disabled(spec):
            continue
        finding = raw_server_finding(agent, name, spec, file=path,
                                     line=doc.line_of(f'"{name}"'),
                                     fix=fix.format(name=name, file=path))
        if finding is not None:
            out.append(finding)
        out += plaintext_secret_findings(agent, name, spec, file=path,
                                         line=doc.line_of(f'"{name}"'))
    return out
