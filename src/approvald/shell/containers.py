"""Containers: the command a `docker run|exec|create` (podman, nerdctl, compose) starts.

The container command is judged like the same command run here, reached through
`docker run` / `docker exec` (recorded in `wrappers`). An image whose entrypoint is a known tool
(`amazon/aws-cli`, `gcr.io/go-containerregistry/crane`, `hashicorp/terraform`, ...) runs that tool
with the given arguments: `docker run amazon/aws-cli s3 rm ...` is `aws s3 rm ...`. The docker
command itself stays in the analysis too: its mounts, `--env-file` and `docker cp` sources are
files it reads (see `approvald.shell.fileargs`).
"""

from __future__ import annotations

from approvald.shell.peel import Handler, OptionSpec, Peel, parse_options
from approvald.shell.programs import strip_globals
from approvald.shell.words import Word

_RUN_VALUES = frozenset({
    "-a", "--attach", "--add-host", "--annotation", "--blkio-weight", "--cap-add", "--cap-drop",
    "--cgroup-parent", "--cgroupns", "--cidfile", "--cpu-period", "--cpu-quota", "--cpu-shares",
    "-c", "--cpus", "--cpuset-cpus", "--cpuset-mems", "--detach-keys", "--device",
    "--device-cgroup-rule", "--dns", "--dns-option", "--dns-search", "--domainname", "-e",
    "--env", "--env-file", "--entrypoint", "--expose", "--gpus", "--group-add",
    "--health-cmd", "--health-interval", "--health-retries", "--health-start-period",
    "--health-timeout", "-h", "--hostname", "--ip", "--ip6", "--ipc", "--isolation",
    "--kernel-memory", "-l", "--label", "--label-file", "--link", "--log-driver", "--log-opt",
    "--mac-address", "-m", "--memory", "--memory-reservation", "--memory-swap", "--mount",
    "--name", "--network", "--net", "--network-alias", "--oom-score-adj", "--pid",
    "--pids-limit", "--platform", "-p", "--publish", "--pull", "--restart", "--runtime",
    "--security-opt", "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt",
    "--sysctl", "--tmpfs", "--ulimit", "-u", "--user", "--userns", "--uts", "-v", "--volume",
    "--volume-driver", "--volumes-from", "-w", "--workdir", "--secret", "--pod", "--arch",
    "--os", "--variant", "--cgroups", "--sdnotify", "--timeout",
})
_RUN = OptionSpec(short_value="acehlmpuvw", long_value=_RUN_VALUES)
_EXEC = OptionSpec(short_value="euw", long_value=frozenset({
    "--env", "--env-file", "--user", "--workdir", "--detach-keys"}))
_COMPOSE_GLOBAL = OptionSpec(short_value="fp", long_value=frozenset({
    "--file", "--project-name", "--project-directory", "--profile", "--env-file", "--ansi",
    "--parallel", "--progress"}))
_COMPOSE_RUN = OptionSpec(short_value="eluvwp", long_value=frozenset({
    "--env", "--label", "--name", "--user", "--volume", "--workdir", "--publish",
    "--entrypoint", "--cap-add", "--cap-drop", "--pull"}))

# Images whose entrypoint is a tool the policy knows: their arguments are that tool's.
IMAGE_TOOLS = {
    "amazon/aws-cli": "aws", "aws-cli": "aws", "google/cloud-sdk": "gcloud",
    "google.com/cloudsdktool/cloud-sdk": "gcloud", "cloud-sdk": "gcloud",
    "go-containerregistry/crane": "crane", "crane": "crane", "skopeo/stable": "skopeo",
    "skopeo": "skopeo", "kaniko-project/executor": "kaniko", "regclient/regctl": "regctl",
    "regctl": "regctl", "oras-project/oras": "oras", "oras": "oras",
    "hashicorp/terraform": "terraform", "terraform": "terraform",
    "opentofu/opentofu": "tofu", "bitnami/kubectl": "kubectl", "kubectl": "kubectl",
    "alpine/helm": "helm", "helm": "helm", "cli/cli": "gh", "pulumi/pulumi": "pulumi",
    "docker": "docker", "library/docker": "docker", "buildah/stable": "buildah",
    "buildah": "buildah", "alpine/git": "git", "bitnami/git": "git",
    "mcr.microsoft.com/azure-cli": "az", "azure-cli": "az",
}


def image_tool(image: str) -> str | None:
    """`gcr.io/go-containerregistry/crane:v0.19` -> `crane`."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name = name[: len(name) - len(last)] + last.split(":", 1)[0]
    parts = name.lower().split("/")
    for size in (3, 2, 1):
        key = "/".join(parts[-size:])
        if key in IMAGE_TOOLS:
            return IMAGE_TOOLS[key]
    return None


def _run(label: str, spec: OptionSpec = _RUN) -> Handler:
    def handler(words: list[Word]) -> Peel | None:
        options, index = parse_options(words, spec)
        if index >= len(words):
            return None
        image, command = words[index], list(words[index + 1:])
        entrypoint = next((v for n, v in reversed(options) if n == "--entrypoint"), None)
        if entrypoint is not None:
            command = [entrypoint, *command]
        elif image.literal:
            tool = image_tool(image.text)
            if tool is not None and tool != (command[0].text if command else ""):
                command = [Word(tool), *command]
        if not command:
            return None
        return Peel(command, nested=label, label=label, keep=True)

    return handler


def _exec(label: str) -> Handler:
    def handler(words: list[Word]) -> Peel | None:
        _, index = parse_options(words, _EXEC)
        command = words[index + 1:]
        return Peel(command, nested=label, label=label, keep=True) if command else None

    return handler


def _compose(words: list[Word]) -> Peel | None:
    _, index = parse_options(words, _COMPOSE_GLOBAL)
    rest = words[index:]
    if not rest or not rest[0].literal:
        return None
    if rest[0].text == "run":
        return _run("compose run", _COMPOSE_RUN)(rest[1:])
    if rest[0].text == "exec":
        return _exec("compose exec")(rest[1:])
    return None


def _tool(program: str) -> Handler:
    table: dict[str, Handler] = {
        "run": _run(f"{program} run"), "create": _run(f"{program} run"),
        "exec": _exec(f"{program} exec"), "compose": _compose,
    }

    def handler(words: list[Word]) -> Peel | None:
        words = words[strip_globals(program, words).start:]
        if words and words[0].literal and words[0].text == "container":
            words = words[1:]
        if not words or not words[0].literal:
            return None
        chosen = table.get(words[0].text)
        return chosen(words[1:]) if chosen is not None else None

    return handler


CONTAINER_TOOLS: dict[str, Handler] = {
    "docker": _tool("docker"), "podman": _tool("podman"), "nerdctl": _tool("nerdctl"),
    "docker-compose": _compose, "podman-compose": _compose,
}
