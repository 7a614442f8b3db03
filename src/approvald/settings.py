"""Every setting in one place: `config.toml` and the `APPROVALD_*` environment variables.

`config.toml` (every key optional)::

    approval_timeout_s = 300   # a pending approval is denied after this many seconds
    hook_timeout_s = 330       # the timeout `install` writes on an agent's hook entry
    no_daemon = "ask"          # REQUIRE_APPROVAL with no daemon: "ask" (the agent asks) or "deny"

    [agents.codex]             # per agent: a hook timeout of its own
    hook_timeout_s = 330

    [gateway]                  # the MCP gateway's own (approvald.gateway.config)
    injection = "ask"          # prompt-injection findings: "warn", "withhold" or "ask"
    max_result_kb = 1024       # a larger tool result is refused with a clear error
    call_timeout_s = 600       # an upstream call that takes longer is cancelled
    sampling = "refuse"        # upstream sampling requests: "refuse", or "policy" decides

    managed_policies = "/etc/approvald/managed"  # the organisation's policy layer (docs/TEAMS.md)
    managed_policies_sha256 = "sha256:..."       # pins it: a changed managed policy does not load

    [otel]                     # OTLP/HTTP export of audit records (needs approvald[otel])
    endpoint = "http://collector:4318"   # OTEL_EXPORTER_OTLP_ENDPOINT wins; see docs/TEAMS.md

    lease_ttl_s = 600          # a lease's lifetime when `approvald lease` is given no --ttl

    [dashboard]
    confirm_high_risk = false  # true: approving a request a `risk: high` rule gated asks again

    [notify]                   # the daemon tells you when a request waits (no dashboard needed)
    webhook = "https://ntfy.sh/my-topic"   # ntfy, a Slack incoming webhook, or any JSON POST
    format = "ntfy"            # "ntfy", "slack" or "json" (default: guessed from the URL)

The approval wait must end before the agent kills the hook, so the approval timeout is kept
below every hook timeout (with a margin for the hook's own fallback).

The environment: `APPROVALD_HOME` (everything in one directory), `APPROVALD_SOCKET` (the
endpoint the hook dials), `APPROVALD_TRANSPORT` (`tcp` or `unix`), `APPROVALD_APPROVAL_TIMEOUT`
(overrides approval_timeout_s), `APPROVALD_DOCTOR_WATCH=0` (the daemon does not watch agent
configs), `APPROVALD_SESSION_ID` (the agent session `exec` runs for),
`APPROVALD_MANAGED_POLICIES` and `APPROVALD_MANAGED_POLICIES_SHA256` (win over the config keys).

Only `os` and `sys` at import: the hook reads the environment through this module on every tool
call; TOML is parsed only when settings are loaded.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

HOME_ENV = "APPROVALD_HOME"
SOCKET_ENV = "APPROVALD_SOCKET"
TRANSPORT_ENV = "APPROVALD_TRANSPORT"
APPROVAL_TIMEOUT_ENV = "APPROVALD_APPROVAL_TIMEOUT"
DOCTOR_WATCH_ENV = "APPROVALD_DOCTOR_WATCH"
SESSION_ID_ENV = "APPROVALD_SESSION_ID"
MANAGED_ENV = "APPROVALD_MANAGED_POLICIES"
MANAGED_PIN_ENV = "APPROVALD_MANAGED_POLICIES_SHA256"

TCP = "tcp"
UNIX = "unix"
TRANSPORTS = (TCP, UNIX)
TCP_PREFIX = "tcp://"  # a TCP endpoint is `tcp://127.0.0.1:PORT`; anything else is a socket path
NO_TCP_ENDPOINT = "tcp://127.0.0.1:0"  # before a TCP daemon wrote its port: dialing it fails

DEFAULT_APPROVAL_TIMEOUT_S = 300
HOOK_TIMEOUT_S = 330
DEFAULT_NO_DAEMON = "ask"
NO_DAEMON_CHOICES = ("ask", "deny")
# Seconds the hook keeps for itself after the approval wait: fallback evaluation and printing.
HOOK_MARGIN_S = 10
_TOP_KEYS = ("approval_timeout_s", "hook_timeout_s", "no_daemon", "agents", "gateway", "otel",
             "managed_policies", "managed_policies_sha256", "lease_ttl_s", "dashboard",
             "notify")
DEFAULT_LEASE_TTL_S = 600
NOTIFY_FORMATS = ("ntfy", "slack", "json")
_TABLE_KEYS = {"dashboard": ("confirm_high_risk",), "notify": ("webhook", "format")}


class ConfigError(ValueError):
    """config.toml is unreadable (names the file and what is wrong)."""


# -- the environment (cheap: the hook's path) -------------------------------------------------

def env_home(environ: Mapping[str, str] | None = None) -> str:
    """APPROVALD_HOME as given ("" when unset)."""
    return (os.environ if environ is None else environ).get(HOME_ENV, "").strip()


def env_socket(environ: Mapping[str, str] | None = None) -> str:
    """APPROVALD_SOCKET as given ("" when unset)."""
    return (os.environ if environ is None else environ).get(SOCKET_ENV, "").strip()


def requested_transport(environ: Mapping[str, str] | None = None) -> str:
    """APPROVALD_TRANSPORT as given, lowercased ("" when unset; may name no transport)."""
    return (os.environ if environ is None else environ).get(TRANSPORT_ENV, "").strip().lower()


def selected_transport(environ: Mapping[str, str] | None = None) -> str:
    """`tcp` or `unix`: APPROVALD_TRANSPORT when it names one, else the platform's default
    (tcp on Windows). The one place that decides, for the daemon, the hook and every client."""
    value = requested_transport(environ)
    if value in TRANSPORTS:
        return value
    return TCP if sys.platform == "win32" else UNIX


# -- the settings object ----------------------------------------------------------------------

class Settings:
    """What config.toml and the environment say; `problems` lists what was wrong and ignored."""

    __slots__ = ("agents", "approval_timeout_s", "confirm_high_risk", "doctor_watch", "gateway",
                 "hook_timeout_s", "lease_ttl_s", "managed_pin", "managed_policies",
                 "no_daemon", "notify_format", "notify_webhook", "otel", "problems",
                 "session_id", "source")

    def __init__(self, *, approval_timeout_s: int = DEFAULT_APPROVAL_TIMEOUT_S,
                 hook_timeout_s: int = HOOK_TIMEOUT_S, no_daemon: str = DEFAULT_NO_DAEMON,
                 agents: dict[str, dict[str, Any]] | None = None,
                 gateway: dict[str, Any] | None = None, doctor_watch: bool = True,
                 session_id: str = "", source: str = "", problems: tuple[str, ...] = (),
                 otel: dict[str, Any] | None = None, managed_policies: str = "",
                 managed_pin: str = "", lease_ttl_s: int = DEFAULT_LEASE_TTL_S,
                 confirm_high_risk: bool = False, notify_webhook: str = "",
                 notify_format: str = ""):
        self.approval_timeout_s = approval_timeout_s
        self.hook_timeout_s = hook_timeout_s
        self.no_daemon = no_daemon
        self.agents = agents or {}
        self.gateway = gateway or {}
        # The [otel] table as written; approvald.telemetry.config reads it with the OTEL_*
        # environment (which wins) when the daemon starts.
        self.otel = otel or {}
        # The organisation's policy directory (absolute; "" when none) and its pinned hash.
        self.managed_policies = managed_policies
        self.managed_pin = managed_pin
        self.lease_ttl_s = lease_ttl_s
        # The dashboard asks again before approving what a `risk: high` rule gated.
        self.confirm_high_risk = confirm_high_risk
        # Where the daemon also sends "a request waits" (approvald.daemon.notify); "" for none.
        self.notify_webhook = notify_webhook
        self.notify_format = notify_format  # ntfy | slack | json ("" before one was chosen)
        self.doctor_watch = doctor_watch
        self.session_id = session_id
        self.source = source  # the config file read, if any
        self.problems = problems

    def agent_hook_timeout_s(self, agent: str) -> int:
        """The hook timeout install writes for `agent` (its own, else the common one)."""
        value = self.agents.get(agent, {}).get("hook_timeout_s")
        return value if isinstance(value, int) else self.hook_timeout_s

    def hook_deadline_s(self, agent: str) -> float:
        """The whole of one hook run for `agent`: the timeout install wrote for it, less a
        margin for starting Python and printing (docs/SECURITY.md, "The hook's deadline")."""
        return hook_deadline_s(self.agent_hook_timeout_s(agent))


def hook_deadline_s(hook_timeout_s: float) -> float:
    """One hook run's deadline within `hook_timeout_s`: 5 s below it, less for short ones."""
    margin = min(HOOK_MARGIN_S / 2, 1.0 + hook_timeout_s * 0.1)
    return max(0.5, hook_timeout_s - margin)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return {}  # the usual case: no TOML parser loaded for it
    except OSError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            if not sys.flags.no_site:
                raise
            # The hook's fast entry runs without `site`: tomli sits in site-packages.
            import site

            site.main()
            import tomli as tomllib
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _positive_int(doc: Mapping[str, Any], key: str, default: int, problems: list[str],
                  where: str = "") -> int:
    value = doc.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        problems.append(f"{where}{key} must be a positive integer (got {value!r}); "
                        f"using {default}")
        return default
    return value


def read_table(doc: Mapping[str, Any], key: str, problems: list[str],
               within: str = "") -> dict[str, Any]:
    """The table `key` of `doc` ({} when absent; a non-table is reported and ignored)."""
    value = doc.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"[{within}{key}] must be a table (got {type(value).__name__}); "
                        "ignored")
        return {}
    return value


def _agents(doc: Mapping[str, Any], hook_default: int, problems: list[str]) -> dict[str, Any]:
    agents: dict[str, dict[str, Any]] = {}
    for name, table in read_table(doc, "agents", problems).items():
        if not isinstance(table, dict):
            problems.append(f"[agents.{name}] must be a table; ignored")
            continue
        agents[name] = dict(table)
        if "hook_timeout_s" in table:
            agents[name]["hook_timeout_s"] = _positive_int(
                table, "hook_timeout_s", hook_default, problems, f"agents.{name}.")
    return agents


def _managed(doc: Mapping[str, Any], env: Mapping[str, str],
             problems: list[str]) -> tuple[str, str]:
    """The managed policy directory (made absolute) and its pin, the environment winning."""
    found = []
    for env_name, key in ((MANAGED_ENV, "managed_policies"),
                          (MANAGED_PIN_ENV, "managed_policies_sha256")):
        value = env.get(env_name, "").strip()
        if not value:
            raw = doc.get(key, "")
            if not isinstance(raw, str):
                problems.append(f"{key} must be a string (got {raw!r}); ignored")
                raw = ""
            value = raw.strip()
        found.append(value)
    directory, pin = found
    if directory:
        directory = os.path.abspath(os.path.expanduser(directory))
    return directory, pin


def _notify(doc: Mapping[str, Any], problems: list[str]) -> tuple[str, str]:
    """[notify]'s webhook URL and its format (guessed from the URL when not given)."""
    table = read_table(doc, "notify", problems)
    url = table.get("webhook", "")
    if not isinstance(url, str) or (url and not url.startswith(("https://", "http://"))):
        problems.append(f"notify.webhook must be an http(s) URL (got {url!r}); ignored")
        url = ""
    fmt = table.get("format", "")
    if fmt and fmt not in NOTIFY_FORMATS:
        problems.append(f"notify.format must be one of {', '.join(NOTIFY_FORMATS)} "
                        f"(got {fmt!r}); guessing from the URL")
        fmt = ""
    if url and not fmt:
        fmt = ("slack" if "hooks.slack.com" in url else "ntfy" if "ntfy" in url else "json")
    return url.strip(), str(fmt)


def _unknown_keys(doc: Mapping[str, Any], problems: list[str]) -> None:
    unknown = sorted(set(doc) - set(_TOP_KEYS))
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; ignored")
    for table, known in _TABLE_KEYS.items():
        value = doc.get(table)
        if isinstance(value, dict):
            extra = sorted(set(value) - set(known))
            if extra:
                problems.append(f"unknown key(s) {', '.join(extra)} in [{table}]; ignored")


def default_config_file(environ: Mapping[str, str] | None = None) -> str:
    """config.toml: under APPROVALD_HOME when set, else the platform's config directory."""
    home = env_home(environ)
    if home:
        return os.path.join(os.path.realpath(os.path.expanduser(home)), "config.toml")
    from approvald.userdirs import platform_dirs

    return os.path.join(platform_dirs()["config"], "config.toml")


def load_settings(path: str | os.PathLike[str] | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Read config.toml (missing: defaults) and the environment. A bad value is reported in
    `problems` and replaced by its default rather than stopping the daemon or a hook;
    unreadable TOML raises ConfigError."""
    env = os.environ if environ is None else environ
    file = os.fspath(path) if path is not None else default_config_file(env)
    doc = _read_toml(file)
    problems: list[str] = []
    _unknown_keys(doc, problems)
    approval = _positive_int(doc, "approval_timeout_s", DEFAULT_APPROVAL_TIMEOUT_S, problems)
    hook = _positive_int(doc, "hook_timeout_s", HOOK_TIMEOUT_S, problems)
    no_daemon = doc.get("no_daemon", DEFAULT_NO_DAEMON)
    if no_daemon not in NO_DAEMON_CHOICES:
        problems.append(f"no_daemon must be one of {', '.join(NO_DAEMON_CHOICES)} "
                        f"(got {no_daemon!r}); using {DEFAULT_NO_DAEMON}")
        no_daemon = DEFAULT_NO_DAEMON
    override = env.get(APPROVAL_TIMEOUT_ENV, "").strip()
    if override:
        try:
            approval = max(1, int(float(override)))
        except ValueError:
            problems.append(f"{APPROVAL_TIMEOUT_ENV}={override!r} is not a number; ignored")
    agents = _agents(doc, hook, problems)
    shortest_hook = min([hook, *(a["hook_timeout_s"] for a in agents.values()
                                 if isinstance(a.get("hook_timeout_s"), int))])
    if approval > shortest_hook - HOOK_MARGIN_S:
        capped = max(1, shortest_hook - HOOK_MARGIN_S)
        problems.append(f"approval_timeout_s {approval} must stay {HOOK_MARGIN_S} s below "
                        f"every hook_timeout_s ({shortest_hook}); using {capped}")
        approval = capped
    managed, pin = _managed(doc, env, problems)
    confirm = read_table(doc, "dashboard", problems).get("confirm_high_risk", False)
    if not isinstance(confirm, bool):
        problems.append(f"dashboard.confirm_high_risk must be true or false (got {confirm!r})"
                        "; using false")
        confirm = False
    webhook, notify_format = _notify(doc, problems)
    return Settings(approval_timeout_s=approval, hook_timeout_s=hook, no_daemon=no_daemon,
                    lease_ttl_s=_positive_int(doc, "lease_ttl_s", DEFAULT_LEASE_TTL_S,
                                              problems),
                    confirm_high_risk=confirm, notify_webhook=webhook,
                    notify_format=notify_format,
                    agents=agents, gateway=read_table(doc, "gateway", problems),
                    otel=read_table(doc, "otel", problems), managed_policies=managed,
                    managed_pin=pin,
                    doctor_watch=env.get(DOCTOR_WATCH_ENV, "1").strip() != "0",
                    session_id=env.get(SESSION_ID_ENV, "").strip(),
                    source=file if doc else "", problems=tuple(problems))


def safe_load_settings(path: str | os.PathLike[str] | None = None,
                       environ: Mapping[str, str] | None = None) -> Settings:
    """load_settings that never raises: an unreadable file gives the defaults (and says so)."""
    try:
        return load_settings(path, environ)
    except ConfigError as exc:
        return Settings(problems=(str(exc),))
