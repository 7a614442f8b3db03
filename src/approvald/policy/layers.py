"""The policy's layers, and what each may do to the others (docs/POLICY.md).

    built-in  self-protection: nothing disables it
    starter   the package's starter policy
    user      the user's policies directory: adds rules, sets the default, disables starter rules
    managed   the organisation's directory (APPROVALD_MANAGED_POLICIES / `managed_policies`):
              like the user's layer it may allow, set the default and disable starter or user
              rules; unlike it, nothing below can loosen what it says: the user's `disable` of
              a managed rule is ignored (and reported), and the user's default may be stricter
              than the managed default, never weaker
    project   a project's `.approvald/policy.yaml` (the engine's project layer): restrict only

Every matched rule votes and the strongest wins, so a user ALLOW never outvotes a managed DENY
or REQUIRE_APPROVAL. A managed directory that is set must exist; when its hash is pinned
(`managed_policies_sha256`), a changed managed policy does not load at all: the daemon keeps
the policy in force and reports it, and without a loaded policy nothing is allowed.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from approvald.model import pathtext
from approvald.policy.builtin import SELF_PREFIX
from approvald.policy.bundles import load_bundle
from approvald.policy.decision import ALLOW, stronger
from approvald.policy.errors import PolicyError
from approvald.policy.loader import RawBundle, RawRule
from approvald.signing import sha256

TYPE_CHECKING = False  # not `typing.TYPE_CHECKING`: importing typing costs the hook time
if TYPE_CHECKING:
    from pathlib import Path

BUILTIN = "built-in"
STARTER = "starter"
USER = "user"
MANAGED = "managed"
PROJECT = "project"
GIVEN = "given"  # files named on the command line (`policy test --policy FILE`)
SUFFIXES = (".yaml", ".yml")


def managed_files(directory: Path) -> list[Path]:
    """The managed layer's policy files, in name order; PolicyError when the directory that is
    set does not exist (the organisation's rules must not vanish with it)."""
    try:
        return sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())
    except FileNotFoundError:
        raise PolicyError("the managed policy directory does not exist",
                          file=str(directory)) from None
    except NotADirectoryError:
        raise PolicyError("the managed policy path is not a directory",
                          file=str(directory)) from None
    except OSError as exc:
        raise PolicyError(f"cannot read the managed policies: {exc.strerror}",
                          file=str(directory)) from None


def bundle_hash(files: list[Path]) -> str:
    """`sha256:` over each file's name and bytes, in name order: what `managed_policies_sha256`
    pins (`approvald policy check` prints it)."""
    digest = sha256()
    for path in files:
        data = path.read_bytes()
        digest.update(path.name.encode("utf-8") + b"\0" + str(len(data)).encode() + b"\0")
        digest.update(data)
    return "sha256:" + digest.hexdigest()


def load_managed(directory: Path, pin: str = "",
                 cache: str | os.PathLike[str] | None = None) -> tuple[list[RawBundle], str]:
    """The managed bundles and their hash; PolicyError when the hash is not the pinned one."""
    files = managed_files(directory)
    found = bundle_hash(files)
    if pin and pin.lower() != found:
        raise PolicyError(f"the managed policies changed: they hash to {found}, but "
                          f"managed_policies_sha256 pins {pin}", file=str(directory))
    return [load_bundle(p, cache) for p in files], found


def merge(bundles: list[RawBundle], managed: list[RawBundle], seen: dict[str, str],
          add: Callable[[RawRule], None], warnings: list[str],
          is_user: Callable[[RawBundle], bool]) -> tuple[set[str], str]:
    """Walk the starter and user bundles, then the managed ones: rules go to `add` (duplicate
    ids are errors), and the result is (ids disabled, the default in force)."""
    protected = {rule.id for bundle in managed for rule in bundle.rules}
    disabled: set[str] = set()
    default = ALLOW
    user_default: str | None = None
    managed_default: str | None = None
    for bundle in [*bundles, *managed]:
        is_managed = any(bundle is m for m in managed)
        for rule_id in bundle.disable:
            if rule_id.startswith(SELF_PREFIX):
                raise PolicyError(f"self-protection rule {rule_id!r} cannot be disabled",
                                  file=bundle.file, field="disable")
            if rule_id in protected and not is_managed:
                _note(warnings, f"{bundle.file}: disable of {rule_id!r} ignored: it is a "
                                "managed rule, which only the organisation's policy changes")
                continue
            disabled.add(rule_id)
        if bundle.default is not None:
            if is_managed:
                managed_default = bundle.default
            else:
                default = bundle.default
                user_default = bundle.default if is_user(bundle) else user_default
        for rule in bundle.rules:
            if rule.id in seen:
                raise PolicyError(f"duplicate rule id {rule.id!r} (also in {seen[rule.id]})",
                                  file=bundle.file, line=rule.line, field="id")
            seen[rule.id] = rule.source
            add(rule)
    if managed_default is None:
        return disabled, default
    if user_default is None:
        return disabled, managed_default
    if stronger(user_default, managed_default) != user_default:
        _note(warnings, f"the user's default {user_default} is weaker than the managed "
                        f"default {managed_default}; the managed one holds")
    return disabled, stronger(user_default, managed_default)


def _note(warnings: list[str], note: str) -> None:
    if note not in warnings:
        warnings.append(note)


def layer_of(source: str, *, starter: str | os.PathLike[str], user: str | os.PathLike[str],
             managed: str | os.PathLike[str] | None) -> str:
    """The layer a rule comes from, by its `file:line` source."""
    if source.startswith("<"):
        return BUILTIN
    file = pathtext.normalized(source.rsplit(":", 1)[0] if source[-1:].isdigit() else source)
    parent = pathtext.parent(file)
    for layer, directory in ((MANAGED, managed), (STARTER, starter), (USER, user)):
        if directory is not None and pathtext.same(parent, os.fspath(directory)):
            return layer
    if pathtext.name(file) == "policy.yaml" and pathtext.name(parent) == ".approvald":
        return PROJECT
    return GIVEN
