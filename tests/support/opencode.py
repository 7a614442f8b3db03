"""approvald's OpenCode plugin, loaded by node as OpenCode (Bun) loads it, and its
`tool.execute.before` called the way OpenCode calls it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

# Imports the plugin module, starts every plugin it exports as OpenCode does, and calls
# `tool.execute.before`; prints what happened as one JSON line.
DRIVER = """
import { pathToFileURL } from "node:url";
const [file, context, input, output] = process.argv.slice(1);
const mod = await import(pathToFileURL(file).href);
const exports = Object.keys(mod);
const hooks = await mod.ApprovaldPlugin(JSON.parse(context));
try {
  await hooks["tool.execute.before"](JSON.parse(input), JSON.parse(output));
  console.log(JSON.stringify({ allowed: true, exports }));
} catch (err) {
  console.log(JSON.stringify({ allowed: false, error: String(err && err.message),
                               is_error: err instanceof Error, exports }));
}
"""


def node() -> str:
    found = shutil.which("node")
    if found is None:
        pytest.fail("node is not installed: run scripts/test.sh (it installs it) or install "
                    "Node.js yourself")
    return found


def call_plugin(plugin: Path, tool: str, args: dict[str, Any], directory: Path,
                env: dict[str, str], session: str = "ses_test",
                timeout: float = 60) -> dict[str, Any]:
    """`tool.execute.before` of the plugin file for one call: {"allowed", "error"?,
    "is_error"?, "exports"}."""
    return finish_plugin_call(start_plugin_call(plugin, tool, args, directory, env, session),
                              timeout)


def start_plugin_call(plugin: Path, tool: str, args: dict[str, Any], directory: Path,
                      env: dict[str, str], session: str) -> subprocess.Popen[str]:
    """The same call left running (a call that waits for a person)."""
    return subprocess.Popen(
        [node(), "--input-type=module", "-e", DRIVER, str(plugin),
         json.dumps({"directory": str(directory), "worktree": str(directory)}),
         json.dumps({"tool": tool, "sessionID": session, "callID": "call_1"}),
         json.dumps({"args": args})],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_plugin_call(proc: subprocess.Popen[str], timeout: float = 60) -> dict[str, Any]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == 0, err
    lines = out.strip().splitlines()
    assert lines, err
    result: dict[str, Any] = json.loads(lines[-1])
    return result
