// Every OpenCode tool call, decided by approvald before it runs.
//
// OpenCode runs this plugin in its own process and has no timeout for it, so the plugin bounds
// the wait itself and fails closed: the tool runs only when `approvald hook opencode` exits 0
// with {"decision": "allow"} on stdout. No answer, another exit code, output it cannot read, a
// command that cannot start or its own timeout all throw, and a throw blocks the tool.
import { spawn } from "node:child_process";

// Written by `approvald install opencode`: the hook's argv, and a bound slightly above the
// hook's own deadline (the hook answers before it, a pending approval included).
const HOOK = __APPROVALD_COMMAND__;
const TIMEOUT_MS = __APPROVALD_TIMEOUT_MS__;
const MAX_OUTPUT = 1024 * 1024;

function block(reason) {
  return { allow: false, reason: reason || "approvald: denied" };
}

function verdict(code, signal, stdout, stderr) {
  if (code !== 0) {
    const why = stderr.trim() || (signal ? `killed by ${signal}` : `exit ${code}`);
    return block(`approvald: the hook failed (${why}), so this is blocked`);
  }
  let answer;
  try {
    answer = JSON.parse(stdout);
  } catch {
    return block("approvald: the hook's answer was not understood, so this is blocked");
  }
  if (answer === null || typeof answer !== "object") {
    return block("approvald: the hook's answer was not understood, so this is blocked");
  }
  const reason = typeof answer.reason === "string" ? answer.reason : "";
  if (answer.decision === "allow") return { allow: true, reason };
  if (answer.decision === "deny") return block(reason);
  return block("approvald: the hook's answer was not understood, so this is blocked");
}

function runHook(body) {
  return new Promise((resolve) => {
    let settled = false;
    let stdout = "";
    let stderr = "";
    let child;
    let timer;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const stop = (reason) => {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      settle(block(reason));
    };
    try {
      child = spawn(HOOK[0], HOOK.slice(1), { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    } catch (err) {
      settle(block(`approvald: cannot run ${HOOK[0]} (${err && err.message}), so this is blocked`));
      return;
    }
    timer = setTimeout(() => {
      stop(`approvald: no answer within ${TIMEOUT_MS / 1000} s, so this is blocked`);
    }, TIMEOUT_MS);
    child.on("error", (err) => {
      settle(block(`approvald: cannot run ${HOOK[0]} (${err && err.message}), so this is blocked`));
    });
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.length > MAX_OUTPUT) stop("approvald: the hook's answer is too long, so this is blocked");
    });
    child.stderr.on("data", (chunk) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk;
    });
    child.on("close", (code, signal) => settle(verdict(code, signal, stdout, stderr)));
    child.stdin.on("error", () => {
      // The hook stopped reading: its exit decides.
    });
    child.stdin.end(body);
  });
}

export const ApprovaldPlugin = async ({ directory, worktree }) => ({
  "tool.execute.before": async (input, output) => {
    let body;
    try {
      body = JSON.stringify({
        hook_event_name: "tool.execute.before",
        tool: input.tool,
        args: output.args ?? {},
        sessionID: input.sessionID,
        callID: input.callID,
        directory,
        worktree,
      });
    } catch (err) {
      throw new Error(`approvald: cannot read this tool call (${err && err.message}), so it is blocked`);
    }
    const result = await runHook(body);
    if (!result.allow) throw new Error(result.reason);
  },
});
