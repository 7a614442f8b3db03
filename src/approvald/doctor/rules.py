"""Is a shell allow rule wider than what approvald's policy lets through?

Agents let users pre-approve shell commands by prefix (`Bash(git push:*)` in Claude Code,
`run_shell_command(git)` in Gemini CLI, `terminalAllowlist` in Cursor). A pre-approved command
is never put in front of a person by the agent, so when the approvald hook is missing or broken
the command runs unasked. This module names what such a prefix lets through, or None.
"""

from __future__ import annotations

from approvald.doctor.commands import program_name

# Programs whose mere prefix lets anything run: shells, wrappers, interpreters.
ARBITRARY = {
    "bash", "sh", "zsh", "dash", "ksh", "fish", "pwsh", "powershell", "cmd", "eval", "exec",
    "sudo", "doas", "env", "xargs", "nohup", "time", "timeout", "nice", "python", "python3",
    "node", "perl", "ruby", "php", "deno", "bun", "npx", "uvx", "pnpx", "bunx", "source", ".",
}

# program -> the subcommands the starter policy puts in front of a person ([] = any use).
GATED: dict[str, list[list[str]]] = {
    "git": [["push"], ["reset", "--hard"], ["clean"], ["filter-branch"], ["filter-repo"]],
    "terraform": [["apply"], ["destroy"], ["import"], ["state"]],
    "tofu": [["apply"], ["destroy"], ["import"], ["state"]],
    "terragrunt": [["apply"], ["destroy"], ["run-all"]],
    "pulumi": [["up"], ["destroy"]],
    "kubectl": [["apply"], ["delete"], ["create"], ["replace"], ["patch"], ["exec"],
                ["scale"], ["drain"], ["rollout"]],
    "helm": [["install"], ["upgrade"], ["uninstall"], ["delete"], ["rollback"]],
    "gh": [["pr", "merge"], ["release"], ["repo", "delete"], ["secret"], ["api"]],
    "npm": [["publish"]], "pnpm": [["publish"]], "yarn": [["publish"]],
    "cargo": [["publish"]], "twine": [["upload"]], "gem": [["push"]],
    "docker": [["run"], ["exec"], ["push"], ["rm"], ["system", "prune"]],
    "aws": [[]], "gcloud": [[]], "az": [[]], "rm": [[]], "dd": [[]], "mkfs": [[]],
    "ssh": [[]], "scp": [[]], "rsync": [[]], "curl": [[]], "wget": [[]],
    "chmod": [[]], "chown": [[]], "approvald": [[]], "fly": [["deploy"]],
    "flyctl": [["deploy"]], "vercel": [[]], "heroku": [[]],
}


def shell_rule_reason(spec: str, *, prefix: bool) -> str | None:
    """What the rule pre-approves that policy gates, or None when it is narrow enough.

    `spec` is the command part of the rule; `prefix` says whether it matches longer commands
    (a `:*` / `*` suffix, or an agent whose rules are prefixes). A `*` anywhere ends the literal
    part: everything before it is the prefix.
    """
    text = spec.strip()
    partial_last = False
    if "*" in text:
        text, prefix = text.split("*", 1)[0], True
        # `git pu*` ends mid-word: the last word is itself a prefix.
        partial_last = bool(text) and not text.endswith((" ", ":"))
    text = text.strip().removesuffix(":").strip()
    words = text.split()
    if not words:
        return "every shell command" if prefix or not spec.strip() else None
    program = program_name(words[0])
    if partial_last and len(words) == 1:
        # `Bash(gi*)`: any program starting with those letters.
        hits = [p for p in (*ARBITRARY, *GATED) if p.startswith(program)]
        if hits:
            return f"every command starting with `{words[0]}` (including `{sorted(hits)[0]}`)"
        return None
    rest = words[1:]
    # `bash -c:*`, `sudo:*`, `python3 -c:*`: anything can follow. `python3 manage.py test:*`
    # pins a script, so it is as narrow as the script.
    if program in ARBITRARY and prefix and all(w.startswith("-") for w in rest):
        return f"any command run through `{program}`"
    for sub in GATED.get(program, []):
        if not sub:
            return f"every `{program}` command"
        if _starts_with(rest, sub, partial_last=False):
            return f"`{program} {' '.join(sub)}`"
        if prefix and (
            _starts_with(sub, rest, partial_last=partial_last)
            or (rest and all(w.startswith("-") for w in rest))
        ):
            return f"`{program} {' '.join(sub)}`"
    return None


def _starts_with(words: list[str], head: list[str], *, partial_last: bool) -> bool:
    if len(head) > len(words):
        return False
    for i, expected in enumerate(head):
        if partial_last and i == len(head) - 1:
            if not words[i].startswith(expected):
                return False
        elif words[i] != expected:
            return False
    return True
