"""Per-program file rules for containers, clusters, cloud CLIs and gh (see `argrules.py`)."""

from __future__ import annotations

from collections.abc import Callable

from approvald.shell.argscan import Acc, option_values, scan


def _docker(acc: Acc) -> None:
    """Mounts, --env-file and --secret sources are read; docker cp copies files in or out."""
    args = acc.cmd.args
    if args[0] == "cp" and len(args) >= 3:
        operands = [a for a in args[1:] if not a.startswith("-")]
        if len(operands) >= 2:
            source, destination = operands[-2], operands[-1]
            if not _container_path(source):
                acc.read(source)
            if not _container_path(destination):
                acc.write(destination)
        return
    for index, arg in enumerate(args):
        value = None
        name, equals, attached = arg.partition("=")
        if name in ("-v", "--volume", "--mount", "--env-file", "--secret", "--label-file") or \
                (arg.startswith("-v") and len(arg) > 2):
            value = attached if equals else (arg[2:] if arg.startswith("-v") and
                                             len(arg) > 2 and not equals and name != "-v"
                                             else (args[index + 1] if index + 1 < len(args)
                                                   else None))
        if value is None:
            continue
        if name in ("--env-file", "--label-file"):
            acc.read(value)
        elif name in ("--mount", "--secret"):
            for part in value.split(","):
                key, _, setting = part.partition("=")
                if key in ("source", "src") and setting[:1] in ("/", "~", ".", "$"):
                    acc.read(setting)
        else:
            source = value.split(":", 1)[0]
            if source[:1] in ("/", "~", ".", "$"):
                acc.read(source)


def _container_path(text: str) -> bool:
    head, colon, _ = text.partition(":")
    return bool(colon) and "/" not in head and not head.startswith(".")


def _kubectl(acc: Acc) -> None:
    args = acc.cmd.args
    if args[0] == "cp":
        operands = [a for a in args[1:] if not a.startswith("-")]
        if len(operands) >= 2 and not _container_path(operands[-2]):
            acc.read(operands[-2])
    for arg in args:
        for prefix in ("--from-file=", "--from-env-file="):
            if arg.startswith(prefix):
                acc.read(arg[len(prefix):].split("=", 1)[-1])


def _gh(acc: Acc) -> None:
    args = acc.cmd.args
    seen, operands = scan(args, frozenset({"-t", "--title", "-b", "--body", "-n", "--notes",
                                            "-F", "--body-file", "--notes-file", "-R",
                                            "--repo", "-m", "--message", "-d", "--desc",
                                            "-f", "--field", "--raw-field", "--input"}))
    for name, value, index in seen:
        if name in ("-t", "--title", "-b", "--body", "-n", "--notes", "-m", "--message", "-d",
                    "--desc") and value is not None:
            acc.patterns.add(index)
        elif name in ("--body-file", "--notes-file", "--input") and value:
            acc.read(value)
    words = [args[i] for i in operands]
    if words[:2] in (["gist", "create"], ["release", "upload"], ["release", "create"]):
        skip = 2 if words[0] == "gist" else 3
        for file in words[skip:]:
            acc.read(file)
    if words[:2] == ["secret", "set"]:
        for value, _ in option_values(seen, "-f", "--env-file"):
            acc.read(value)


def _cloud_copy(acc: Acc) -> None:
    """aws s3 cp|sync|mv / gsutil cp|rsync|mv: local sources are read."""
    args = acc.cmd.args
    verbs = args[1:2] if acc.cmd.program == "aws" and args[0] == "s3" else args[:1]
    if not verbs or verbs[0] not in ("cp", "sync", "mv", "rsync"):
        return
    start = 2 if acc.cmd.program == "aws" else 1
    operands = [a for a in args[start:] if not a.startswith("-")]
    for operand in operands[:-1]:
        if "://" not in operand:
            acc.read(operand)


TOOL_RULES: dict[str, Callable[[Acc], None]] = {
    "docker": _docker, "podman": _docker, "nerdctl": _docker, "kubectl": _kubectl,
    "oc": _kubectl, "gh": _gh, "aws": _cloud_copy, "gsutil": _cloud_copy,
}
