"""The command line install writes into an agent's settings for approvald's hook, and reading
one back: which executable (and fast-entry script) it runs, for which agent and event.

Doctor and uninstall read these lines from files the agent can write, so a line that is not
exactly approvald's hook shape is not ours.
"""

from __future__ import annotations

import ntpath
import shlex

from approvald.install import approvald_command, hook_entry_command, is_hook_entry, is_python


def hook_command(agent: str, prefix: str | None = None, event: str | None = None) -> str:
    """The command written into an agent's settings (the one place that builds it): the
    hook's fast entry, `<python> -I -S <.../approvald/hook/entry.py> hook AGENT`, where
    approvald runs from a Python installation; `<approvald> hook AGENT` from a binary, or
    after `prefix` when one is given. For an event besides the pre-tool decision, the event's
    name follows: `... hook AGENT EVENT`."""
    if prefix is None:
        prefix = hook_entry_command() or approvald_command()
    command = f"{prefix} hook {agent}"
    return f"{command} {event}" if event else command


def _split_hook(text: str) -> tuple[str, str, str | None] | None:
    """(program, agent, event or None) of `PROGRAM hook AGENT [EVENT]`."""
    for extra in (0, 1):
        parts = text.rsplit(" ", 2 + extra)
        # An event is one word of letters (`PostToolUse`); `hook AGENT --flag` is not ours.
        if (len(parts) == 3 + extra and parts[1] == "hook" and all(parts[2:])
                and (not extra or parts[3].isalpha())):
            return parts[0].strip(), parts[2], parts[3] if extra else None
    return None


def _hook_words(command: str) -> tuple[list[str], str, str | None] | None:
    """(the files a hook command runs: its executable, then the fast entry's script when it
    runs one; the agent; the event argument or None), if the command is approvald's hook."""
    text = command.strip()
    if text.startswith("& "):  # PowerShell's call operator (Copilot's `powershell` field)
        text = text[2:].lstrip()
    split = _split_hook(text)
    if split is None:
        return None
    program, agent, event = split
    try:
        # Unquoted words split on spaces only: shlex would eat a Windows path's backslashes.
        words = shlex.split(program) if ("'" in program or '"' in program) else program.split()
    except ValueError:
        return None
    if len(words) >= 3 and words[-2:] == ["-m", "approvald"]:
        return [words[0]], agent, event
    if (len(words) >= 2 and is_hook_entry(words[-1]) and is_python(words[0])
            and all(w.startswith("-") for w in words[1:-1])):
        return [words[0], words[-1]], agent, event  # the fast entry, run by this Python
    if len(words) == 1:
        # ntpath splits on both / and \, so Windows paths are recognised too.
        name = ntpath.basename(words[0]).lower()
        if name in ("approvald", "approvald.exe"):
            return [words[0]], agent, event
    return None


def hook_target(command: str) -> tuple[str, str] | None:
    """(the approvald executable, the agent) a hook command runs, if it is approvald's hook
    (for the fast entry, the Python that runs it)."""
    target = hook_event_target(command)
    return None if target is None else (target[0], target[1])


def hook_event_target(command: str) -> tuple[str, str, str | None] | None:
    """(the approvald executable, the agent, the event argument or None) a hook command runs,
    if it is approvald's hook (for the fast entry, the Python that runs it)."""
    found = _hook_words(command)
    return (found[0][0], found[1], found[2]) if found is not None else None


def hook_executable(command: str, agent: str | None = None) -> str | None:
    """The approvald executable a hook command runs, if it is approvald's hook (for `agent`,
    when given); else None."""
    target = hook_target(command)
    if target is None or (agent is not None and target[1] != agent):
        return None
    return target[0]


def hook_files(command: str) -> list[str]:
    """The files an approvald hook command needs, as written: its executable, and the fast
    entry's script when it runs one ([] for a command that is not approvald's hook)."""
    found = _hook_words(command)
    return found[0] if found is not None else []
