"""git's own indirections: commands hidden in configuration, aliases and options.

- Settings that hold a command (`core.pager`, `core.sshCommand`, `core.fsmonitor`,
  `diff.external`, `credential.helper`, filters, merge drivers, ...) and aliases are judged
  where they are *set*: on the command line (`-c`, `--config-env`, `GIT_CONFIG_COUNT` /
  `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n`, `GIT_CONFIG_PARAMETERS`) or by `git config` in the
  line. A setting whose value is only known at run time is dynamic.
- An alias is expanded where it is used (`git -c alias.p=push p`, `git config alias.p push;
  git p`); git's own commands win over aliases. Aliases kept in the repository's and the user's
  config files are expanded by the policy (`approvald.policy.expand`).
- Options that run commands: `rebase -x`, `bisect run`, `submodule foreach`, `filter-branch
  --*-filter`, `difftool -x`, `--upload-pack` / `--receive-pack` / `--exec`, `grep -O`,
  `send-email --to-cmd`.
"""

from __future__ import annotations

from approvald.model.lazyre import lazy_compile
from approvald.shell.programs import Globals
from approvald.shell.words import Word

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from approvald.shell.commands import Site
    from approvald.shell.state import Ctx, Scope
    from approvald.shell.walk import Analyzer

GIT_BUILTINS = frozenset("""
add am annotate apply archive bisect blame branch bugreport bundle cat-file check-attr
check-ignore check-mailmap check-ref-format checkout checkout-index cherry cherry-pick citool
clean clone column commit commit-graph commit-tree config count-objects credential
credential-cache credential-store daemon describe diagnose diff diff-files diff-index diff-tree
difftool fast-export fast-import fetch fetch-pack filter-branch fmt-merge-msg for-each-ref
for-each-repo format-patch fsck fsmonitor--daemon gc get-tar-commit-id grep gui hash-object help
hook http-backend http-fetch http-push imap-send index-pack init instaweb interpret-trailers log
ls-files ls-remote ls-tree mailinfo mailsplit maintenance merge merge-base merge-file
merge-index merge-one-file merge-tree mergetool mktag mktree multi-pack-index mv name-rev notes
p4 pack-objects pack-redundant pack-refs patch-id prune prune-packed pull push quiltimport
range-diff read-tree rebase receive-pack reflog remote repack replace request-pull rerere reset
restore rev-list rev-parse revert rm scalar send-email send-pack shortlog show show-branch
show-index show-ref sparse-checkout stage stash status stripspace submodule svn switch
symbolic-ref tag unpack-file unpack-objects update-index update-ref update-server-info
upload-archive upload-pack var verify-commit verify-pack verify-tag version whatchanged worktree
write-tree lfs subtree filter-repo
""".split())  # noqa: SIM905

_COMMAND_KEYS = lazy_compile(
    r"^(?:core\.(?:pager|editor|sshcommand|fsmonitor|askpass|gitproxy)|sequence\.editor|"
    r"pager\.[^.]+|diff\.external|diff\..+\.(?:command|textconv)|merge\..+\.driver|"
    r"filter\..+\.(?:clean|smudge|process)|credential(?:\..+)?\.helper|gpg(?:\..+)?\.program|"
    r"uploadpack\.packobjectshook|(?:difftool|mergetool)\..+\.cmd|browser\..+\.cmd|"
    r"remote\..+\.(?:receivepack|uploadpack)|interactive\.difffilter|"
    r"sendemail\.(?:tocmd|cccmd|headercmd))$")
_INCLUDE_KEYS = lazy_compile(r"^(?:include|includeif\..+)\.path$")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0", ""})
_CONFIG_PAIR = lazy_compile(r"'((?:[^']|'\\'')*)'(?:=('(?:[^']|'\\'')*'))?")
_CONFIG_FLAGS = frozenset({"--global", "--local", "--system", "--worktree", "--add",
                           "--replace-all", "--bool", "--int", "--path", "--type"})
_OPTION_COMMANDS = {  # subcommand -> options whose value is shell text
    "rebase": ("-x", "--exec"), "difftool": ("-x", "--extcmd"),
    "fetch": ("--upload-pack",), "pull": ("--upload-pack",), "ls-remote": ("--upload-pack",),
    "clone": ("--upload-pack", "-u"), "push": ("--receive-pack", "--exec"),
    "archive": ("--exec",), "grep": ("-O", "--open-files-in-pager"),
    "send-email": ("--to-cmd", "--cc-cmd", "--header-cmd"),
}
_FILTERS = ("--env-filter", "--tree-filter", "--index-filter", "--parent-filter",
            "--msg-filter", "--commit-filter", "--tag-name-filter")


def setting_command(key: str, value: str) -> str | None:
    """The shell text a git setting would run, or None when the setting runs nothing."""
    key = key.lower()
    if key.startswith("alias."):
        return value[1:] if value.startswith("!") else None
    if not _COMMAND_KEYS.match(key):
        return None
    if key == "core.fsmonitor" and value.lower() in _BOOLEAN:
        return None
    if key.endswith(".helper"):
        if value.startswith("!"):
            return value[1:]
        first = value.split()[0] if value.split() else ""
        return value if "/" in first else ("git credential-" + value if value else None)
    return value or None


def env_config(assignments: list[str]) -> list[tuple[str, Word]]:
    """`GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=k GIT_CONFIG_VALUE_0=v` and
    `GIT_CONFIG_PARAMETERS="'k'='v'"` among a command's assignments."""
    values = dict(a.split("=", 1) for a in assignments if "=" in a)
    pairs: list[tuple[str, Word]] = []
    for name, key in values.items():
        if name.startswith("GIT_CONFIG_KEY_"):
            value = values.get("GIT_CONFIG_VALUE_" + name[len("GIT_CONFIG_KEY_"):], "")
            pairs.append((key, Word(value, "$" not in value)))
    parameters = values.get("GIT_CONFIG_PARAMETERS")
    if parameters:
        for match in _CONFIG_PAIR.finditer(parameters):
            key = match.group(1)
            value = match.group(2)[1:-1] if match.group(2) else ""
            if match.group(2) is None and "=" in key:
                key, value = key.split("=", 1)
            pairs.append((key, Word(value)))
    return pairs


_DERIVING = frozenset({"config", "bisect", "submodule", "filter-branch"})


def derives(args: list[Word], found: Globals, assignments: list[str] | tuple[str, ...]) -> bool:
    """Whether `derive` could find anything for this git command (most `git status`, `git log`
    find nothing: the caller then skips it and the scope it would copy for it)."""
    if found.config or found.config_env or any(a.startswith("GIT_CONFIG_") for a in assignments):
        return True
    sub = args[0].text if args and args[0].literal else ""
    if not sub:
        return False
    options = _OPTION_COMMANDS.get(sub)
    if options is not None and sub in GIT_BUILTINS:  # `_options` needs a word starting so
        return any(word.text.startswith(options) for word in args[1:])
    return sub not in GIT_BUILTINS or sub in _DERIVING


def derive(an: Analyzer, args: list[Word], found: Globals, assignments: list[str],
           scope: Scope, ctx: Ctx, site: Site, cwd: str) -> None:
    """What a git command runs beyond itself (see the module docstring)."""
    config: list[tuple[str, Word]] = []
    for item in found.config:
        key, _, setting = item.text.partition("=")
        config.append((key, Word(setting, item.literal)))
    lookup = dict(a.split("=", 1) for a in assignments if "=" in a)
    for item in found.config_env:
        key, _, variable = item.text.partition("=")
        known = scope.vars.get(variable)
        if variable in lookup:
            config.append((key, Word(lookup[variable], "$" not in lookup[variable])))
        elif known is not None:
            config.append((key, known))
        else:
            config.append((key, Word(f"${variable}", False)))
    config += env_config(assignments)
    sub = args[0].text if args and args[0].literal else ""
    used = f"alias.{sub}".lower() if sub and sub not in GIT_BUILTINS else ""
    for key, value in config:
        if key.lower() != used or not value.literal:  # an alias used here is expanded below
            judge_setting(an, key, value, scope, ctx, site)
    if not sub:
        return
    if sub not in GIT_BUILTINS:
        alias = _alias(sub, config, an)
        if alias is not None:
            expand_alias(an, alias, args, scope, ctx, site)
        return
    rest = args[1:]
    if sub == "config":
        _config(an, rest, scope, ctx, site)
    elif sub == "bisect" and rest and rest[0].text == "run" and rest[1:]:
        _run(an, rest[1:], scope, ctx, site, "git bisect run", argv=True)
    elif sub == "submodule":
        words = [w for w in rest if not (w.literal and w.text in ("--quiet", "-q"))]
        if words and words[0].text == "foreach":
            command = [w for w in words[1:] if not (w.literal and w.text == "--recursive")]
            if command:
                _run(an, command, scope, ctx, site, "git submodule foreach")
    elif sub == "filter-branch":
        _options(an, rest, _FILTERS, scope, ctx, site, "git filter-branch")
    elif sub in _OPTION_COMMANDS:
        _options(an, rest, _OPTION_COMMANDS[sub], scope, ctx, site, f"git {sub}")


def judge_setting(an: Analyzer, key: str, value: Word, scope: Scope, ctx: Ctx,
                  site: Site) -> None:
    """A command-holding setting (or an include of another config file) is judged now."""
    from approvald.shell.commands import run_argv, walk_nested

    lowered = key.lower()
    if _INCLUDE_KEYS.match(lowered):
        an.note_dynamic(f"git includes the config file {value.text!r}; what it sets is unknown")
        run_argv(an, [Word(f"<git config from {value.text}>", False)], [], scope, ctx,
                 text=site.text, cwd=site.cwd)
        return
    is_command = lowered.startswith("alias.") or _COMMAND_KEYS.match(lowered) is not None
    if not is_command:
        return
    if not value.literal:
        an.note_dynamic(f"git setting {key} holds a command only known at run time")
        run_argv(an, [Word(f"<git {key}>", False)], [], scope, ctx, text=site.text,
                 cwd=site.cwd)
        return
    text = setting_command(lowered, value.text)
    if text:
        walk_nested(an, text, scope.copy(), ctx, f"git {key}", site)
    elif lowered.startswith("alias.") and value.text:
        # Defining an alias is judged as what it runs (`alias.p=push` is a push).
        walk_nested(an, "git " + value.text, scope.copy(), ctx, f"git {key}", site)


def _alias(name: str, config: list[tuple[str, Word]], an: Analyzer) -> str | None:
    found = an.git_config.get(f"alias.{name}".lower())
    for key, value in config:
        if key.lower() == f"alias.{name}".lower() and value.literal:
            found = value.text
    return found


def expand_alias(an: Analyzer, alias: str, args: list[Word], scope: Scope, ctx: Ctx,
                 site: Site) -> None:
    """`git -c alias.ship=push ship` runs `git push`; `alias.x='!sh ...'` runs a shell."""
    from approvald.shell.commands import quote_words, walk_nested

    rest = quote_words(args[1:])
    text = alias[1:] + " " + rest if alias.startswith("!") else "git " + alias + " " + rest
    walk_nested(an, text, scope.copy(), ctx, "git alias", site)


def _config(an: Analyzer, rest: list[Word], scope: Scope, ctx: Ctx, site: Site) -> None:
    """`git config [--global] [--add] KEY VALUE` / `git config set KEY VALUE`."""
    words = list(rest)
    if words and words[0].literal and words[0].text == "set":
        words = words[1:]
    operands: list[Word] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.literal and word.text in ("--file", "-f", "--blob", "--type"):
            index += 2
            continue
        if word.literal and (word.text in _CONFIG_FLAGS or word.text.startswith("--type=")
                             or word.text.startswith("--file=")):
            index += 1
            continue
        if word.literal and word.text.startswith("-"):
            return  # --get, --list, --unset, -e ...: nothing is set
        operands.append(word)
        index += 1
    if len(operands) < 2 or not operands[0].literal:
        return
    key, value = operands[0].text, operands[1]
    if value.literal:
        an.git_config[key.lower()] = value.text
    judge_setting(an, key, value, scope, ctx, site)


def _run(an: Analyzer, words: list[Word], scope: Scope, ctx: Ctx, site: Site, via: str,
         argv: bool = False) -> None:
    from approvald.shell.commands import can_nest, derived, run_argv, walk_nested

    if argv:
        if can_nest(an, ctx, via):
            run_argv(an, words, [], scope.copy(), derived(ctx, via, [*site.peeled, "git"]),
                     text=site.text, cwd=site.cwd)
        return
    text = " ".join(w.text for w in words)
    if not all(w.literal for w in words):
        an.note_dynamic(f"{via} runs text only known at run time")
        run_argv(an, [Word(text, False)], [], scope, ctx, text=site.text, cwd=site.cwd)
    walk_nested(an, text, scope.copy(), ctx, via, site)


def _options(an: Analyzer, rest: list[Word], names: tuple[str, ...], scope: Scope, ctx: Ctx,
             site: Site, via: str) -> None:
    index = 0
    while index < len(rest):
        word = rest[index]
        index += 1
        text = word.text
        for name in names:
            value: Word | None = None
            if text == name and index < len(rest) and not name.startswith("-O"):
                value = rest[index]
                index += 1
            elif text.startswith(name + "="):
                value = Word(text[len(name) + 1:], word.literal)
            elif len(name) == 2 and text.startswith(name) and len(text) > 2:
                value = Word(text[2:], word.literal)
            if value is not None:
                _run(an, [value], scope, ctx, site, via)
                break
