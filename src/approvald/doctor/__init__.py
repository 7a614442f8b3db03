"""`approvald doctor`: find the paths around approvald in the agents' own configs.

Reads, statically (never starting an agent or an MCP server), the configs of every agent in
the registry (`approvald.agents`: each names its scanner, a module here with `scan(ctx,
findings) -> hook installed` and `config_files(ctx)`) under the user's home and a project, and
reports native tools running without the approvald hook, hooks that are switched off or not
trusted, bypass/yolo modes (in settings, and in shell aliases that start an agent with them),
raw MCP servers beside approvald and secrets written into their entries, allow rules that
pre-approve what policy gates, broken approvald hooks, and approvald's own health. Each
`Finding` carries the exact fix.

    findings = scan(Path.home(), Path.cwd(), get_paths())
    files = watched_files(Path.home(), Path.cwd())  # what the daemon watches for changes
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from approvald.agents import all_agents
from approvald.doctor import health, shell_aliases
from approvald.doctor.context import ScanContext, SystemRoots
from approvald.doctor.findings import LOW, Finding, finding_id, sort_findings
from approvald.paths import Paths

__all__ = ["Finding", "SystemRoots", "scan", "watched_files"]


def scanners() -> list[tuple[str, ModuleType]]:
    """(agent, its scanner module) for every agent in the registry that names one."""
    return [(agent.name, importlib.import_module(f"approvald.doctor.{agent.doctor_scanner}"))
            for agent in all_agents() if agent.doctor_scanner]


def scan(
    home: Path,
    project: Path | None,
    paths: Paths,
    *,
    check_daemon: bool = True,
    include_health: bool = True,
    roots: SystemRoots | None = None,
    env_path: str | None = None,
    claude_config_dir: Path | None = None,
) -> list[Finding]:
    """Every finding, most severe first. Never raises for anything found on disk."""
    ctx = ScanContext(
        home=Path(home),
        project=Path(project) if project is not None else None,
        roots=roots if roots is not None else SystemRoots(),
        env_path=env_path,
        claude_config_dir=claude_config_dir,
    )
    findings: list[Finding] = []
    hook_installed = False
    for agent, scanner in scanners():
        try:
            hook_installed |= bool(scanner.scan(ctx, findings))
        except Exception as exc:  # a doctor bug must never hide the other agents' findings
            findings.append(_internal_error(agent, exc))
    try:  # every agent at once: aliases that start one with its checks off
        shell_aliases.scan(ctx, findings)
    except Exception as exc:
        findings.append(_internal_error(shell_aliases.AGENT, exc))
    try:
        if include_health:  # approvald's own health: loads the policy, ~25 ms
            findings += health.check(paths, check_daemon=check_daemon,
                                     hook_installed=hook_installed)
    except Exception as exc:
        findings.append(_internal_error("approvald", exc))
    unique: dict[str, Finding] = {}
    for f in findings:
        unique.setdefault(f.id or f"{f.agent}/{f.file}/{f.title}", f)
    return sort_findings(list(unique.values()))


def _internal_error(agent: str, exc: Exception) -> Finding:
    return Finding(
        severity=LOW,
        agent=agent,
        file="",
        title=f"approvald doctor could not finish checking {agent}",
        detail=f"{exc.__class__.__name__}: {exc}. The other checks ran; this one did not.",
        fix="Report this with the output of `approvald doctor --json`.",
        id=finding_id(agent, "internal-error", exc.__class__.__name__),
    )


def watched_files(
    home: Path,
    project: Path | None,
    *,
    roots: SystemRoots | None = None,
    claude_config_dir: Path | None = None,
) -> list[Path]:
    """The config files scan() reads (existing or not): a change to any may change findings."""
    ctx = ScanContext(
        home=Path(home),
        project=Path(project) if project is not None else None,
        roots=roots if roots is not None else SystemRoots(),
        claude_config_dir=claude_config_dir,
    )
    files: list[Path] = []
    for _, scanner in scanners():
        files += scanner.config_files(ctx)
    files += shell_aliases.config_files(ctx)
    return list(dict.fromkeys(files))
