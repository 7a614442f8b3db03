"""approvald's own health: is the daemon answering, does the policy load, are the socket,
its directory and the operator token private to this user?"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from approvald.doctor.findings import HIGH, INFO, LOW, MEDIUM, Finding, finding_id
from approvald.paths import Paths
from approvald.settings import TCP_PREFIX

AGENT = "approvald"
DIAL_TIMEOUT_S = 1.0


def dial_status(endpoint: str, timeout: float = DIAL_TIMEOUT_S) -> tuple[bool, str]:
    """(answers, why not) for GET /v1/status at the hook's endpoint."""
    from approvald.wire.errors import DaemonError
    from approvald.wire.protocol import STATUS_ROUTE
    from approvald.wire.transport import request

    if not endpoint.startswith(TCP_PREFIX) and not os.path.exists(endpoint):
        return False, f"{endpoint} does not exist"
    try:
        response = request(endpoint, "GET", STATUS_ROUTE, timeout=timeout)
    except DaemonError as exc:
        return False, f"{endpoint}: {exc}"
    return True, f"HTTP {response.status}"


def check(
    paths: Paths, *, check_daemon: bool = True, hook_installed: bool = False
) -> list[Finding]:
    findings: list[Finding] = []
    if check_daemon:
        findings += _daemon(paths, hook_installed)
    findings += _config(paths)
    findings += _export(paths)
    findings += _policy(paths)
    if sys.platform != "win32":
        findings += _permissions(paths)
    return findings


def _daemon(paths: Paths, hook_installed: bool) -> list[Finding]:
    endpoint = paths.socket
    ok, why = dial_status(endpoint)
    if ok:
        return []
    # Not running is not a hole (with no daemon the hook decides locally with the same policy),
    # but with a hook installed nobody sees the requests in the dashboard: low, not info.
    severity = LOW if hook_installed else INFO
    from approvald.settings import safe_load_settings

    asks = safe_load_settings(paths.config).no_daemon == "ask"
    consequence = (
        "The approvald hook is installed, so each hook decides by itself with the same policy: "
        "what policy allows or denies still is, and what needs approval "
        + ("becomes the agent's own prompt where it has one (Claude Code), and a deny where it "
           "has none (Codex, Gemini CLI, Cursor)" if asks else
           "is denied (no_daemon = \"deny\")")
        + "; nothing reaches the dashboard, the grants or a webhook until a daemon runs."
        if hook_installed
        else "No agent hook uses it yet."
    )
    return [
        Finding(
            severity=severity,
            agent=AGENT,
            file=endpoint,
            title="The approvald daemon is not running",
            detail=f"Nothing answered at {endpoint} ({why}). {consequence}",
            fix="Run `approvald daemon` (or `approvald service install` to start it at login).",
            id=finding_id(AGENT, "daemon-down", endpoint),
        )
    ]


def _config(paths: Paths) -> list[Finding]:
    from approvald.settings import safe_load_settings

    config = safe_load_settings(paths.config)
    return [
        Finding(
            severity=MEDIUM,
            agent=AGENT,
            file=str(paths.config),
            title="approvald's config.toml has a problem",
            detail=f"{problem}.",
            fix=f"Edit {paths.config} (or delete it to use the defaults).",
            id=finding_id(AGENT, "config-problem", str(paths.config), problem),
        )
        for problem in config.problems
    ]


def _export(paths: Paths) -> list[Finding]:
    """OTLP export that is configured but cannot run (docs/TEAMS.md)."""
    from approvald.settings import safe_load_settings
    from approvald.telemetry import extra_missing
    from approvald.telemetry.config import export_config

    problems: list[str] = []
    config = export_config(safe_load_settings(paths.config).otel, os.environ, problems)
    findings = [
        Finding(severity=MEDIUM, agent=AGENT, file=str(paths.config),
                title="approvald's OTLP export settings have a problem", detail=f"{problem}.",
                fix=f"Edit the [otel] table of {paths.config} or the OTEL_* variables.",
                id=finding_id(AGENT, "export-problem", problem))
        for problem in problems
    ]
    missing = extra_missing() if config is not None else None
    if config is not None and missing is not None:
        findings.append(Finding(
            severity=MEDIUM, agent=AGENT, file=str(paths.config),
            title="OTLP export is configured but cannot run",
            detail=f"{missing}. Until it is installed nothing reaches {config.shown_url} "
                   "(the audit log still has every record).",
            fix="pipx inject approvald opentelemetry-proto (or reinstall approvald[otel]), "
                "then restart the daemon",
            id=finding_id(AGENT, "export-extra-missing", str(paths.config))))
    return findings


def _policy(paths: Paths) -> list[Finding]:
    from approvald.policy import PolicyError, load_engine

    try:
        load_engine(paths=paths)
    except PolicyError as exc:
        file = getattr(exc, "file", "") or str(paths.policies)
        line = getattr(exc, "line", None)
        return [_policy_broken(file, line, str(exc))]
    except Exception as exc:  # any crash while loading is the same problem for the user
        return [_policy_broken(str(paths.policies), None, f"{exc.__class__.__name__}: {exc}")]
    return []


def _policy_broken(file: str, line: int | None, message: str) -> Finding:
    where = f"{file}:{line}" if line else file
    return Finding(
        severity=HIGH,
        agent=AGENT,
        file=file,
        line=line,
        title="The approvald policy does not load",
        detail=(f"{message}. A running daemon keeps deciding with the last policy that loaded, "
                "so your change is not in force; a daemon started now, and a hook deciding "
                "without a daemon, have no policy and deny every action."),
        fix=(f"Fix {where}; `approvald policy check` lists every problem at once, and the "
             "daemon reloads by itself once the files load."),
        id=finding_id(AGENT, "policy-broken", file),
    )


def _permissions(paths: Paths) -> list[Finding]:
    findings: list[Finding] = []
    targets: list[tuple[Path, str, int]] = [
        (paths.runtime, "directory holding the socket", 0o700),
        (paths.unix_socket, "socket", 0o600),
        (paths.token_file, "operator token (the credential that approves)", 0o600),
    ]
    for path, what, want in targets:
        try:
            st = path.lstat()
        except OSError:
            continue
        mode = stat.S_IMODE(st.st_mode)
        loose = mode & 0o077
        foreign = hasattr(os, "getuid") and st.st_uid != os.getuid()
        if not loose and not foreign:
            continue
        problem = (
            f"is owned by uid {st.st_uid}, not you"
            if foreign
            else f"has mode {mode:04o}: other users can reach it"
        )
        findings.append(
            Finding(
                severity=HIGH,
                agent=AGENT,
                file=str(path),
                title=f"approvald's {what} is not private",
                detail=(
                    f"{path} {problem}. Anyone who can reach it can answer the hook or approve "
                    "pending actions."
                ),
                fix=f"chmod {want:o} {path}" + (f" && chown $(id -u) {path}" if foreign else ""),
                id=finding_id(AGENT, "loose-permissions", str(path)),
            )
        )
    return findings
