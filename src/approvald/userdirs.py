"""The per-user directories platformdirs would give for `approvald`, computed with `os` alone.

The hook reads these on every agent tool call, so nothing beyond `os` and `sys` is imported
(platformdirs itself costs several milliseconds); a test holds the two in agreement.
"""

import os
import sys

APP = "approvald"


def _env_dir(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value if value and os.path.isabs(value) else default


def platform_dirs() -> dict[str, str]:
    """`data`, `config`, `state`, `log` and `runtime` directories for approvald on this platform."""
    user_home = os.path.expanduser("~")
    if sys.platform == "darwin":
        support = os.path.join(user_home, "Library", "Application Support", APP)
        return {"data": support, "config": support, "state": support,
                "log": os.path.join(user_home, "Library", "Logs", APP),
                "runtime": os.path.join(user_home, "Library", "Caches", "TemporaryItems", APP)}
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA") or os.path.join(user_home, "AppData", "Local")
        base = os.path.join(local, APP, APP)  # platformdirs: appauthor defaults to appname
        return {"data": base, "config": base, "state": base,
                "log": os.path.join(base, "Logs"), "runtime": os.path.join(local, "Temp", APP)}
    state = os.path.join(
        _env_dir("XDG_STATE_HOME", os.path.join(user_home, ".local", "state")), APP)
    runtime = _env_dir("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}")
    if not os.path.isdir(runtime):
        # platformdirs falls back to a per-user temp directory when /run/user is missing.
        runtime = f"/tmp/runtime-{os.getuid()}"
    return {
        "data": os.path.join(
            _env_dir("XDG_DATA_HOME", os.path.join(user_home, ".local", "share")), APP),
        "config": os.path.join(
            _env_dir("XDG_CONFIG_HOME", os.path.join(user_home, ".config")), APP),
        "state": state,
        "log": os.path.join(state, "log"),
        "runtime": os.path.join(runtime, APP),
    }
