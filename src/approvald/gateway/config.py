"""The gateway's settings: the `[gateway]` table of config.toml (approvald.settings).

    [gateway]
    injection = "ask"        # prompt-injection findings: "warn", "withhold" or "ask"
    max_result_kb = 1024     # a larger tool result is refused with a clear error
    call_timeout_s = 600     # an upstream call that takes longer is abandoned (and cancelled)
    sampling = "refuse"      # upstream sampling requests: "refuse" (the gateway does not even
                             # offer it upstream), or "policy": each is the action
                             # mcp__NAME__sampling/createMessage; allowed, it goes to an agent
                             # that can sample (handshake era), its answer redacted

`injection` applies to descriptions and results alike:
- warn: the finding is recorded (audit log, dashboard) and nothing is held back;
- withhold: a tool whose description has findings is withheld until a person accepts it
  (`approvald mcp pins accept`), and a result with findings is replaced by an error;
- ask: such a tool is withheld the same way (its description reaches the model when it is
  listed, before any call could be asked about), and a result with findings waits for a person
  (with no daemon, nobody can be asked: it is withheld).

Why config.toml and not a policy file: it is how this process behaves, read once at start like
`no_daemon`, and it must not be loosened from a project's `.approvald/policy.yaml`, which the
agent can edit; config.toml is the person's, and self-protection keeps the agent out of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

WARN = "warn"
WITHHOLD = "withhold"
ASK = "ask"
INJECTION_MODES = (WARN, WITHHOLD, ASK)
REFUSE = "refuse"
POLICY = "policy"
SAMPLING_MODES = (REFUSE, POLICY)


@dataclass(frozen=True)
class GatewaySettings:
    injection: str = ASK
    max_result_bytes: int = 1024 * 1024
    call_timeout_s: float = 600.0
    sampling: str = REFUSE
    problems: tuple[str, ...] = field(default=(), compare=False)

    @property
    def holds_flagged_tools(self) -> bool:
        return self.injection != WARN


def _choice(table: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str,
            problems: list[str]) -> str:
    value = table.get(key, default)
    if value not in choices:
        problems.append(f"[gateway] {key} must be one of {', '.join(choices)} (got {value!r}); "
                        f"using {default}")
        return default
    return str(value)


def _positive(table: Mapping[str, Any], key: str, default: float,
              problems: list[str]) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        problems.append(f"[gateway] {key} must be a positive number (got {value!r}); "
                        f"using {default:g}")
        return default
    return float(value)


_KEYS = ("injection", "max_result_kb", "call_timeout_s", "sampling")


def gateway_settings(table: Mapping[str, Any]) -> GatewaySettings:
    """The `[gateway]` table read leniently: a bad value is reported and replaced."""
    problems: list[str] = []
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        problems.append(f"[gateway] unknown key(s) {', '.join(unknown)}; ignored")
    defaults = GatewaySettings()
    return GatewaySettings(
        injection=_choice(table, "injection", INJECTION_MODES, defaults.injection, problems),
        max_result_bytes=int(_positive(table, "max_result_kb",
                                       defaults.max_result_bytes / 1024, problems) * 1024),
        call_timeout_s=_positive(table, "call_timeout_s", defaults.call_timeout_s, problems),
        sampling=_choice(table, "sampling", SAMPLING_MODES, defaults.sampling, problems),
        problems=tuple(problems),
    )
