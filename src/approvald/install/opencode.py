"""approvald as an OpenCode plugin: `approvald install opencode` and `uninstall opencode`.

OpenCode has no command hooks, so approvald writes a plugin file of its own,
`~/.config/opencode/plugins/approvald.js` (user) or `<project>/.opencode/plugins/approvald.js`
(project): `opencode_plugin.js` beside this module with this machine's hook command and the
plugin's timeout filled in. Its first line marks it as approvald's and carries the SHA-256 of
everything below it, so uninstall deletes the file only while it is exactly what install wrote
(and install never overwrites a file of that name that is not approvald's).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

from approvald.agents.opencode import NAME, plugin_file
from approvald.install import InstallError, approvald_argv, hook_entry_argv
from approvald.install.hooks import Outcome, commit, hook_timeout_s

TEMPLATE = Path(__file__).with_name("opencode_plugin.js")
MARKER = "// approvald-plugin: opencode sha256="
INTACT, EDITED = "intact", "edited"
NOTICE = ("OpenCode loads the plugin at its next start. Every tool call then waits for "
          "approvald's answer; with approvald unreachable and no local decision, tools are "
          "blocked, not run.")


def hook_argv() -> list[str]:
    """The command the plugin runs: this approvald's `hook opencode`, through the hook's fast
    entry where approvald runs from a Python installation."""
    return [*(hook_entry_argv() or approvald_argv()), "hook", NAME]


def render(argv: list[str], timeout_ms: int) -> str:
    """The plugin file: the marker line with its body's digest, then the body."""
    try:
        template = TEMPLATE.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstallError(f"cannot read approvald's OpenCode plugin ({TEMPLATE}): {exc}; "
                           "nothing was written") from exc
    body = (template.replace("__APPROVALD_COMMAND__", json.dumps(argv))
            .replace("__APPROVALD_TIMEOUT_MS__", str(timeout_ms)))
    return f"{MARKER}{_digest(body)}\n{body}"


def _digest(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def ownership(text: str | None) -> str | None:
    """INTACT (approvald's plugin as install wrote it), EDITED (approvald's, changed since), or
    None (no file, or not approvald's)."""
    if text is None:
        return None
    first, _, body = text.partition("\n")
    if not first.startswith(MARKER):
        return None
    return INTACT if first[len(MARKER):].strip() == _digest(body) else EDITED


def written_command(text: str) -> list[str] | None:
    """The hook argv a plugin file runs (None when it holds none approvald could read)."""
    for line in text.splitlines():
        if line.startswith("const HOOK = ") and line.endswith(";"):
            try:
                argv = json.loads(line[len("const HOOK = "):-1])
            except ValueError:
                return None
            if isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv):
                return argv
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallError(f"cannot read {path}: {exc}; nothing was written") from exc


def _target(scope: str | None, project: Path | None) -> tuple[str, Path]:
    scope = scope or "user"
    if scope not in plugin_file.scopes:
        raise InstallError(f"opencode has no {scope!r} scope (one of "
                           f"{', '.join(plugin_file.scopes)})")
    return scope, plugin_file(scope, project, None)


def install(scope: str | None = None, project: Path | None = None, dry_run: bool = False,
            argv: list[str] | None = None, timeout: int | None = None) -> Outcome:
    scope, path = _target(scope, project)
    original = _read(path)
    owner = ownership(original)
    if original is not None and owner is None:
        raise InstallError(f"{path} exists and is not approvald's plugin; move it away first. "
                           "Nothing was written")
    argv = argv if argv is not None else hook_argv()
    timeout_ms = (timeout if timeout is not None else hook_timeout_s(NAME)) * 1000
    text = render(argv, timeout_ms)
    action = "unchanged" if text == original else ("updated" if owner else "installed")
    outcome = Outcome(agent=NAME, action=action, scope=scope, file=path,
                      command=shlex.join(argv), timeout=timeout_ms, dry_run=dry_run,
                      before=original, after=text if action != "unchanged" else original,
                      notice=NOTICE if action != "unchanged" else "")
    return commit(outcome, original)


def uninstall(scope: str | None = None, project: Path | None = None,
              dry_run: bool = False) -> Outcome:
    scope, path = _target(scope, project)
    original = _read(path)
    owner = ownership(original)
    if owner == EDITED:
        raise InstallError(f"{path} was changed since approvald wrote it, so it is left as it "
                           "is; delete it yourself if you no longer want it")
    if owner is None:
        return Outcome(agent=NAME, action="not-installed", scope=scope, file=path,
                       dry_run=dry_run, before=original, after=original or "")
    outcome = Outcome(agent=NAME, action="removed", scope=scope, file=path, removed=1,
                      dry_run=dry_run, before=original, after=None)
    return commit(outcome, original)
