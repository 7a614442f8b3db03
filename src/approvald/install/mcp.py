"""Routing an agent's MCP servers through `approvald mcp wrap`, and back exactly.

Each server entry of an agent's MCP configuration (a JSON table, or Codex's TOML tables) is
rewritten so that the agent starts the gateway, which starts the server:

- a stdio server keeps every key but `command` and `args`: the command becomes approvald's and
  the original command line follows `--`;
- a streamable-HTTP server becomes a stdio entry running `mcp wrap --url URL --header ...`;
- what the gateway cannot stand in front of is left as it is and said why (an SSE server, a
  server that signs in by OAuth or reads its token from the agent's environment).

Undoing it restores each entry exactly as it was: what was replaced is recorded in approvald's
state (`state/mcp-install.json`, out of the agent's reach), per file and server, with what was
written in its place. An entry changed since (by hand, or by the agent's own `mcp add`), or one
wrapped by hand, is unwrapped from its own arguments: the server's command line (or URL and
headers) comes back, and the rest stays as it is now.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from approvald.install.mcp_toml import edit_toml, toml_body, toml_entry

WRAP = ("mcp", "wrap")
# URL-server keys the gateway takes over (they go into its arguments), per entry format.
_URL_KEYS = ("type", "url", "httpUrl", "headers", "http_headers", "transport")
# Ways of signing in the gateway does not carry: such servers are left as they are.
_UNCARRIED = ("oauth", "bearer_token_env_var", "env_http_headers", "authProviderType", "auth")


def wrap_args_at(args: Any) -> int | None:
    """Where `mcp wrap` starts in an entry's argv (command first), or None."""
    if not isinstance(args, list):
        return None
    for at in range(len(args) - 1):
        if tuple(args[at:at + 2]) == WRAP:
            return at
    return None


def is_wrapped(entry: Any) -> bool:
    """An entry that runs `approvald [...] mcp wrap`."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        return False
    argv = [entry["command"], *(entry.get("args") or [])]
    at = wrap_args_at(argv)
    return at is not None and any("approvald" in os.path.basename(str(word)).lower()
                                  for word in argv[:at + 1])


@dataclass
class Change:
    name: str
    action: str  # wrapped | unwrapped | already | not-wrapped | skipped | left
    note: str = ""

    def to_json(self) -> dict[str, str]:
        return {"server": self.name, "action": self.action, "note": self.note}


def wrapped_entry(agent: str, name: str, entry: Any,
                  command: list[str]) -> tuple[dict[str, Any] | None, str]:
    """The entry running through the gateway, or (None, why it is left as it is)."""
    if not isinstance(entry, dict):
        return None, "not a server entry"
    carried = [key for key in _UNCARRIED if entry.get(key)]
    if carried:
        return None, f"signs in with {carried[0]}, which the gateway does not carry"
    head = [*command, *WRAP, "--name", name, "--agent", agent]
    if isinstance(entry.get("command"), str) and entry["command"]:
        args = entry.get("args", [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            return None, "its args are not a list of strings"
        return {**entry, "command": command[0],
                "args": [*head[1:], "--", entry["command"], *args]}, ""
    url, kind = _url_of(agent, entry)
    if url is None:
        return None, kind
    out = {k: v for k, v in entry.items() if k not in _URL_KEYS}
    if "type" in entry:
        out["type"] = "stdio"  # the agent now starts the gateway as a local server
    args = [*head[1:], "--url", url]
    headers = entry.get("headers") or entry.get("http_headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        return None, "its headers are not a table of strings"
    for key, value in headers.items():
        args += ["--header", f"{key}: {value}"]
    return {"command": command[0], "args": args, **out}, ""


def _url_of(agent: str, entry: dict[str, Any]) -> tuple[str | None, str]:
    """(the streamable-HTTP URL, "") or (None, why not)."""
    kind = str(entry.get("type") or entry.get("transport") or "").lower()
    if kind == "sse" or (agent == "gemini" and entry.get("url") and not entry.get("httpUrl")):
        return None, "an SSE server: the gateway speaks streamable HTTP only"
    url = entry.get("httpUrl") or entry.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return None, "neither a command nor an http(s) URL"
    return url, ""


def unwrapped_entry(entry: dict[str, Any]) -> dict[str, Any] | None:
    """A gateway entry's original, read back from its own arguments (when nothing was
    recorded): the command line after `--`, or the URL and headers."""
    argv = [entry.get("command"), *(entry.get("args") or [])]
    at = wrap_args_at(argv)
    if at is None:
        return None
    rest = [str(a) for a in argv[at + 2:]]
    if "--" in rest:
        command = rest[rest.index("--") + 1:]
        if not command:
            return None
        return {**entry, "command": command[0], "args": command[1:]}
    out = {k: v for k, v in entry.items() if k not in ("command", "args")}
    headers: dict[str, str] = {}
    for index, word in enumerate(rest[:-1]):
        if word == "--url":
            out["url"] = rest[index + 1]
        elif word == "--header":
            key, _, value = rest[index + 1].partition(":")
            headers[key.strip()] = value.strip()
    if "url" not in out:
        return None
    if headers:
        out["headers"] = headers
    return out


# -- what was replaced, for an exact undo ---------------------------------------------------

class Records:
    """`state/mcp-install.json`: {file: {table: {server: {"original", "wrapped"}}}}."""

    def __init__(self, path: Path):
        self.path = path
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}

    def get(self, file: Path, table: str, name: str) -> dict[str, Any] | None:
        found = self.data.get(str(file), {}).get(table, {}).get(name)
        return found if isinstance(found, dict) else None

    def put(self, file: Path, table: str, name: str, original: Any, wrapped: Any) -> None:
        self.data.setdefault(str(file), {}).setdefault(table, {})[name] = json.loads(
            json.dumps({"original": original, "wrapped": wrapped}))  # a copy, as saved

    def drop(self, file: Path, table: str, name: str) -> None:
        tables = self.data.get(str(file), {})
        tables.get(table, {}).pop(name, None)
        if not tables.get(table):
            tables.pop(table, None)
        if not tables:
            self.data.pop(str(file), None)

    def save(self) -> None:
        from approvald.install import write_atomic

        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(self.path, json.dumps(self.data, indent=2, ensure_ascii=False) + "\n")
        if sys.platform != "win32":
            os.chmod(self.path, 0o600)


@dataclass
class TableEdit:
    """What wrapping or unwrapping one servers table did."""

    changes: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.action in ("wrapped", "unwrapped") for c in self.changes)


def wrap_table(servers: dict[str, Any], *, agent: str, command: list[str], file: Path,
               table: str, records: Records) -> TableEdit:
    """Wrap every server of a JSON servers table in place."""
    edit = TableEdit()
    for name, entry in list(servers.items()):
        if is_wrapped(entry):
            edit.changes.append(Change(name, "already"))
            continue
        if isinstance(entry, dict) and (entry.get("disabled") is True
                                        or entry.get("enabled") is False):
            edit.changes.append(Change(name, "skipped", "disabled"))
            continue
        new, why = wrapped_entry(agent, name, entry, command)
        if new is None:
            edit.changes.append(Change(name, "not-wrapped", why))
            continue
        servers[name] = new
        records.put(file, table, name, entry, new)
        edit.changes.append(Change(name, "wrapped"))
    return edit


def unwrap_table(servers: dict[str, Any], *, file: Path, table: str,
                 records: Records) -> TableEdit:
    """Restore every wrapped server of a JSON servers table in place."""
    edit = TableEdit()
    for name, entry in list(servers.items()):
        record = records.get(file, table, name)
        if not is_wrapped(entry):
            if record is not None:
                records.drop(file, table, name)
            continue
        note = ""
        if record is not None and record.get("wrapped") == entry:
            servers[name] = record["original"]
        else:
            original = unwrapped_entry(entry)
            if original is None:
                edit.changes.append(Change(name, "left", "its gateway arguments are unusual"))
                continue
            servers[name] = original
            if record is not None:
                note = ("changed since approvald wrapped it: the server's own command line "
                        "is back, the rest is kept as it is now")
        records.drop(file, table, name)
        edit.changes.append(Change(name, "unwrapped", note))
    return edit


# -- Codex's config.toml (its text is edited by mcp_toml) -----------------------------------


def wrap_toml(text: str, *, servers_key: str, agent: str, command: list[str], file: Path,
              records: Records) -> tuple[str, TableEdit]:
    def wrap(name: str, section: str) -> tuple[str | None, Change]:
        entry = toml_entry(section)
        if entry is None:
            return None, Change(name, "not-wrapped", "its table does not parse")
        if is_wrapped(entry):
            return None, Change(name, "already")
        if entry.get("enabled") is False:
            return None, Change(name, "skipped", "disabled")
        new, why = wrapped_entry(agent, name, entry, command)
        if new is None:
            return None, Change(name, "not-wrapped", why)
        try:
            written = toml_body(section.split("\n", 1)[0], new)
        except ValueError as exc:
            return None, Change(name, "not-wrapped", str(exc))
        records.put(file, servers_key, name, section, written)
        return written, Change(name, "wrapped")
    text, changes = edit_toml(text, servers_key, wrap)
    return text, TableEdit(changes)


def unwrap_toml(text: str, *, servers_key: str, file: Path,
                records: Records) -> tuple[str, TableEdit]:
    def unwrap(name: str, section: str) -> tuple[str | None, Change]:
        record = records.get(file, servers_key, name)
        entry = toml_entry(section)
        if entry is None or not is_wrapped(entry):
            if record is not None:
                records.drop(file, servers_key, name)
            return None, Change(name, "not-wrapped")
        if record is not None and record.get("wrapped") == section:
            records.drop(file, servers_key, name)
            return str(record["original"]), Change(name, "unwrapped")
        original = unwrapped_entry(entry)
        if original is None:
            return None, Change(name, "left", "its gateway arguments are unusual")
        records.drop(file, servers_key, name)
        note = ("changed since approvald wrapped it: the server's own command line is back, "
                "the rest is kept as it is now") if record is not None else ""
        return toml_body(section.split("\n", 1)[0], original), Change(name, "unwrapped", note)
    text, changes = edit_toml(text, servers_key, unwrap)
    return text, TableEdit(changes)


# -- install AGENT --mcp / uninstall AGENT --mcp ----------------------------------------------

LOCAL = "local"  # Claude Code's local scope: ~/.claude.json, projects[<project>].mcpServers


@dataclass
class McpOutcome:
    """What `install AGENT --mcp` (or uninstall) did, or with dry_run would do."""

    agent: str
    scope: str
    file: Path
    changes: list[Change]
    dry_run: bool = False
    before: str | None = None
    after: str | None = None
    backup: Path | None = None

    @property
    def changed(self) -> bool:
        return self.before != self.after and self.after is not None

    def diff(self) -> str:
        name = str(self.file)
        return "".join(difflib.unified_diff((self.before or "").splitlines(keepends=True),
                                            (self.after or "").splitlines(keepends=True),
                                            fromfile=name, tofile=name))

    def to_json(self) -> dict[str, Any]:
        return {"agent": self.agent, "scope": self.scope, "file": str(self.file),
                "changed": self.changed, "dry_run": self.dry_run,
                "backup": str(self.backup) if self.backup else None,
                "servers": [c.to_json() for c in self.changes]}


def _location(agent: Any, scope: str | None, project: Path | None) -> tuple[str, Path, list[str]]:
    """(scope, file, keys down to the servers table) for an agent's MCP configuration."""
    from approvald.install import InstallError

    config = agent.mcp
    if config is None:
        raise InstallError(f"approvald does not know where {agent.name} keeps its MCP servers")
    scopes = (*config.scopes, LOCAL) if agent.name == "claude-code" else config.scopes
    scope = scope or ("user" if "user" in config.scopes else config.scopes[0])
    if scope not in scopes:
        raise InstallError(f"{agent.name} keeps MCP servers in no {scope!r} scope (one of "
                           f"{', '.join(scopes)})")
    if scope == LOCAL:
        where = os.path.abspath(project if project is not None else os.getcwd())
        return scope, config.file("user", project), ["projects", where, config.servers_key]
    return scope, config.file(scope, project), [config.servers_key]


def _table(data: dict[str, Any], keys: list[str]) -> dict[str, Any] | None:
    node: Any = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def change_mcp(agent_name: str, *, wrap: bool, scope: str | None = None,
               project: Path | None = None, dry_run: bool = False,
               records_file: Path | None = None) -> McpOutcome:
    """Wrap (or unwrap) every server in one of an agent's MCP configuration files."""
    from approvald.agents import get_agent
    from approvald.install import (
        approvald_argv,
        backup,
        read_settings,
        render_settings,
        write_atomic,
    )
    from approvald.paths import get_paths

    agent = get_agent(agent_name)
    scope, path, keys = _location(agent, scope, project)
    config = agent.mcp
    assert config is not None  # _location said so
    records = Records(records_file or get_paths().state / "mcp-install.json")
    table_name = "/".join(keys)
    if config.format == "toml":
        try:
            before: str | None = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            before = None
        except (OSError, UnicodeDecodeError) as exc:
            from approvald.install import InstallError

            raise InstallError(f"cannot read {path}: {exc}; nothing was written") from exc
        after, edit = (before, TableEdit()) if before is None else (
            wrap_toml(before, servers_key=keys[-1], agent=agent.name, command=approvald_argv(),
                      file=path, records=records) if wrap else
            unwrap_toml(before, servers_key=keys[-1], file=path, records=records))
    else:
        data, before = read_settings(path)
        servers = _table(data, keys)
        edit = TableEdit()
        if servers is not None:
            edit = (wrap_table(servers, agent=agent.name, command=approvald_argv(), file=path,
                               table=table_name, records=records) if wrap else
                    unwrap_table(servers, file=path, table=table_name, records=records))
        after = render_settings(data, before) if edit.changed else before
    outcome = McpOutcome(agent=agent.name, scope=scope, file=path, changes=edit.changes,
                         dry_run=dry_run, before=before, after=after)
    if outcome.changed and not dry_run:
        assert after is not None
        if before is not None:
            outcome.backup = backup(path)
        write_atomic(path, after)
        records.save()
    return outcome
