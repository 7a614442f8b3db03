"""Per-program global options, stripped so that `args[0]` is the subcommand.

Each table entry says which leading options take a value (`--opt VALUE` or `--opt=VALUE`),
which of them move the working directory, and whether unknown leading options are skipped
(most CLIs) or end the scan (terraform, where `-version` *is* the command). To support a new
program, add one `GlobalOptions(...)` line to `PROGRAMS`.
"""

from __future__ import annotations

from approvald.model.plain import Frozen, Plain
from approvald.shell.words import Word

# Programs whose subcommand or arguments matter to the starter policy: an argument that comes
# from a variable or substitution makes such a command dynamic (DYNAMIC_ARGS).
WATCHED = frozenset({
    "git", "terraform", "tofu", "terragrunt", "kubectl", "helm", "pulumi", "aws", "gcloud",
    "az", "gh", "docker", "podman", "npm", "pnpm", "yarn", "cargo", "twine", "gem", "rm",
    "dd", "chmod", "chown", "curl", "wget", "approvald",
})

SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "fish", "csh",
                    "tcsh", "rbash"})


def is_watched(program: str) -> bool:
    return program in WATCHED or program.startswith("mkfs")


class GlobalOptions(Frozen):
    value: frozenset[str]  # take a value: next word, or attached with `=`
    cwd: frozenset[str]  # their value changes the working directory
    attached: frozenset[str]  # short options whose value may be glued: -nprod
    skip_unknown: bool  # unknown leading `-x` options are flags to skip
    toolchain: bool  # cargo-style `+nightly` before the subcommand
    keep: frozenset[str]  # options that are the command itself (-version)

    def __init__(self, value: frozenset[str] = frozenset(), cwd: frozenset[str] = frozenset(),
                 attached: frozenset[str] = frozenset(), skip_unknown: bool = True,
                 toolchain: bool = False, keep: frozenset[str] = frozenset()) -> None:
        self.__dict__.update(value=value, cwd=cwd, attached=attached, skip_unknown=skip_unknown,
                             toolchain=toolchain, keep=keep)


def _set(*names: str) -> frozenset[str]:
    return frozenset(names)


_GIT = GlobalOptions(
    value=_set("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env",
               "--super-prefix", "--attr-source", "--list-cmds"),
    cwd=_set("-C"),
)
_TERRAFORM = GlobalOptions(value=_set("-chdir", "--chdir"), cwd=_set("-chdir", "--chdir"),
                           skip_unknown=False)
_TERRAGRUNT = GlobalOptions(
    value=_set("--terragrunt-config", "--terragrunt-tfpath", "--terragrunt-working-dir",
               "--terragrunt-download-dir", "--terragrunt-source", "--terragrunt-source-map",
               "--terragrunt-iam-role", "--terragrunt-iam-assume-role-duration",
               "--terragrunt-iam-assume-role-session-name", "--terragrunt-parallelism",
               "--terragrunt-include-dir", "--terragrunt-exclude-dir", "--terragrunt-log-level",
               "--terragrunt-hclfmt-file", "--terragrunt-json-out",
               "--terragrunt-modules-that-include", "--terragrunt-strict-include",
               "--working-dir", "--config", "--tf-path", "--download-dir", "--source",
               "--source-map", "--iam-assume-role", "--parallelism", "--log-level",
               "--queue-include-dir", "--queue-exclude-dir", "--log-format", "--experiment"),
    cwd=_set("--terragrunt-working-dir", "--working-dir"),
)
_KUBECTL = GlobalOptions(
    value=_set("-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--cluster",
               "--user", "--token", "-v", "--v", "--as", "--as-group", "--as-uid",
               "--certificate-authority", "--client-certificate", "--client-key",
               "--cache-dir", "--request-timeout", "--tls-server-name", "--password",
               "--username", "--profile", "--profile-output", "--vmodule", "--log-file",
               "--log-dir", "--log-flush-frequency", "--stderrthreshold"),
    attached=_set("-n", "-s", "-v"),
)
_HELM = GlobalOptions(
    value=_set("-n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver",
               "--kube-as-user", "--kube-as-group", "--kube-ca-file", "--kube-token",
               "--kube-tls-server-name", "--registry-config", "--repository-cache",
               "--repository-config", "--burst-limit", "--qps", "--content-cache"),
    attached=_set("-n"),
)
_DOCKER = GlobalOptions(
    value=_set("-H", "--host", "--context", "-c", "--config", "-l", "--log-level",
               "--tlscacert", "--tlscert", "--tlskey"),
)
_GH = GlobalOptions(value=_set("-R", "--repo", "--hostname"), attached=_set("-R"))
_NPM = GlobalOptions(
    value=_set("--prefix", "-C", "-w", "--workspace", "--registry", "--userconfig",
               "--globalconfig", "--cache", "--loglevel", "--otp"),
    cwd=_set("--prefix", "-C"),
)
_PNPM = GlobalOptions(  # pnpm's -w is --workspace-root, a flag
    value=_set("-C", "--dir", "--filter", "-F", "--reporter", "--loglevel", "--registry"),
    cwd=_set("-C", "--dir"),
)
_YARN = GlobalOptions(
    value=_set("--cwd", "--cache-folder", "--modules-folder", "--mutex", "--registry",
               "--network-timeout", "--global-folder", "--link-folder"),
    cwd=_set("--cwd"),
)
_AWS = GlobalOptions(
    value=_set("--profile", "--region", "--output", "--endpoint-url", "--query",
               "--ca-bundle", "--cli-read-timeout", "--cli-connect-timeout", "--color",
               "--cli-binary-format"),
)
_GCLOUD = GlobalOptions(
    value=_set("--project", "--account", "--configuration", "--format", "--verbosity",
               "--impersonate-service-account", "--billing-project", "--flags-file",
               "--trace-token"),
)
_AZ = GlobalOptions(value=_set("--subscription", "-o", "--output", "--query"))
_PULUMI = GlobalOptions(value=_set("-C", "--cwd", "--color", "-v", "--verbose", "--tracing"),
                        cwd=_set("-C", "--cwd"))
_CARGO = GlobalOptions(value=_set("--config", "-Z", "--color", "-C", "--manifest-path"),
                       cwd=_set("-C"), toolchain=True)
_GSUTIL = GlobalOptions(value=_set("-o", "-h", "-u", "-i"))
_MAKE = GlobalOptions(value=_set("-C", "--directory", "-f", "--file", "--makefile", "-I",
                                 "--include-dir", "-o", "-W"),
                      cwd=_set("-C", "--directory"), attached=_set("-C", "-f"))

PROGRAMS: dict[str, GlobalOptions] = {
    "git": _GIT,
    "terraform": _TERRAFORM,
    "tofu": _TERRAFORM,
    "terragrunt": _TERRAGRUNT,
    "kubectl": _KUBECTL,
    "oc": _KUBECTL,
    "helm": _HELM,
    "docker": _DOCKER,
    "podman": _DOCKER,
    "gh": _GH,
    "npm": _NPM,
    "pnpm": _PNPM,
    "yarn": _YARN,
    "aws": _AWS,
    "gcloud": _GCLOUD,
    "az": _AZ,
    "pulumi": _PULUMI,
    "cargo": _CARGO,
    "make": _MAKE,
    "gsutil": _GSUTIL,
}


class Globals(Plain):
    start: int  # index into the words after the program where the subcommand starts
    chdirs: list[Word]  # values of cwd-changing options, in order
    config: list[Word]  # git -c KEY=VALUE, as written
    config_env: list[Word]  # git --config-env=KEY=ENVVAR

    def __init__(self, start: int, chdirs: list[Word] | None = None,
                 config: list[Word] | None = None, config_env: list[Word] | None = None) -> None:
        self.start = start
        self.chdirs = chdirs if chdirs is not None else []
        self.config = config if config is not None else []
        self.config_env = config_env if config_env is not None else []


_NO_GLOBALS = Globals(0)  # a program without global options (read only, never filled)


def strip_globals(program: str, words: list[Word]) -> Globals:
    """Find where the subcommand starts in `words` (argv[1:])."""
    spec = PROGRAMS.get(program)
    if spec is None:
        return _NO_GLOBALS
    result = Globals(0)
    index = 0
    count = len(words)
    while index < count:
        word = words[index]
        text = word.text
        if not word.literal:
            break
        if spec.toolchain and text.startswith("+") and index == 0:
            index += 1
            continue
        if len(text) < 2 or not text.startswith("-") or text == "--" or text in spec.keep:
            break
        name, equals, attached_value = text.partition("=")
        value: Word | None = None
        if name in spec.value:
            if equals:
                value = Word(attached_value)
                index += 1
            else:
                value = words[index + 1] if index + 1 < count else None
                index += 2
        elif text[:2] in spec.attached and not text.startswith("--"):
            name, value = text[:2], Word(text[2:])
            index += 1
        elif spec.skip_unknown:
            index += 1
            continue
        else:
            break
        if value is not None:
            if name in spec.cwd:
                result.chdirs.append(value)
            elif name == "-c" and program == "git":
                result.config.append(value)
            elif name == "--config-env" and program == "git":
                result.config_env.append(value)
    result.start = min(index, count)
    return result
