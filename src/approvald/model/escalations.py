"""Words in a command that make it riskier than it reads: flags that skip a tool's own
confirmation or safety, and names of production things. The dashboard highlights them so a
person sees `--force` or `-auto-approve` before pressing `a`.

A display aid, not a policy: rules decide; this only draws the eye. Standard library only.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

# (pattern over one word, what it means); the pattern matches the whole word. Short flags
# that mean something else to most programs (`-n`, `-q`, `-k`) are left out.
_FLAGS: tuple[tuple[str, str], ...] = (
    (r"--force(-with-lease)?(=.*)?|-f|--force-push", "forces past the tool's own check"),
    (r"-?-auto-approve(=true)?|--yes|-y|--assume-yes|--non-interactive|--no-prompt|"
     r"--skip-confirmation", "skips the tool's own confirmation"),
    (r"--no-verify|--no-gpg-sign", "skips hooks or checks"),
    (r"--hard|--mirror|--prune(=.*)?|--delete|-D|--purge|--cascade(=.*)?|--all-namespaces|"
     r"--recursive|-r|-rf|-fr|-Rf", "reaches further than one thing"),
    (r"--grace-period=0|--now|--wait=false", "leaves no time to stop it"),
    (r"--insecure|--no-check-certificate|--disable-ssl|--trust-all", "turns off TLS checks"),
    (r"--dangerously-skip-permissions|--yolo|--full-auto|--dangerously-bypass.*",
     "turns off an agent's own permission checks"),
    (r"\+.+", "a forced push of a branch (`+ref`)"),
)
_PRODUCTION = re.compile(r"(?:^|[^a-z0-9])(prod|production|prd|live)(?:$|[^a-z0-9])",
                         re.IGNORECASE)
_PROTECTED_BRANCH = re.compile(r"^(?:origin/)?(main|master|release.*|trunk)$")
_COMPILED = tuple((re.compile(rf"(?:{pattern})\Z"), why) for pattern, why in _FLAGS)


@dataclass(frozen=True)
class Escalation:
    word: str  # as it appears in the command
    why: str


def words(command: str) -> list[str]:
    """The command's words as a shell would split them (a lenient split when quoting is
    broken)."""
    try:
        return shlex.split(command, comments=False)
    except ValueError:
        return command.split()


def escalations(command: str) -> list[Escalation]:
    """The words of `command` that deserve a second look, each once, in order."""
    found: list[Escalation] = []
    seen: set[str] = set()
    for word in words(command):
        if word in seen:
            continue
        why = next((reason for regex, reason in _COMPILED if regex.match(word)), None)
        if why is None and not word.startswith("-"):
            if _PROTECTED_BRANCH.match(word):
                why = "a protected branch"
            elif _PRODUCTION.search(word):
                why = "names production"
        elif why is None and _PRODUCTION.search(word):
            why = "names production"
        if why is not None:
            seen.add(word)
            found.append(Escalation(word, why))
    return found
