"""`approvald policy check` and `approvald policy init` (reached through `policy_cmd`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from approvald.paths import get_paths
from approvald.settings import ConfigError, load_settings

INIT_FILE = "my-rules.yaml"
INIT_TEXT = """\
# Your approvald policy. approvald reads every *.yaml in this directory after its starter
# policy, in name order. `approvald policy check` validates everything at once;
# `approvald policy explain -c 'CMD'` shows which rule decides a command, and why.
# The whole language: docs/POLICY.md.
#
# Every rule that matches votes, and the strongest vote wins: DENY beats REQUIRE_APPROVAL
# beats ALLOW. So an ALLOW of yours does not outvote a starter rule that asks; name the rules
# it sets aside with `overrides:` (see the last example).

# default: REQUIRE_APPROVAL   # what a command no rule matches gets (the starter's: ALLOW)
# disable: [git-push]         # switch starter rules off by id (policy explain names them)

rules: []
# Replace `rules: []` with `rules:` and your own, for example:
#
#  - id: no-prod-kubectl
#    decision: DENY
#    reason: Production is deployed by CI only.
#    match: {program: kubectl, any_arg: ["--context=prod*", "prod"]}
#
#  - id: terraform-apply-is-high-risk
#    decision: REQUIRE_APPROVAL
#    reason: Applying infrastructure changes real resources.
#    risk: high          # with confirm_high_risk in config.toml the dashboard asks again
#    match: {program: terraform, args: [apply]}
#
#  - id: allow-plans-in-infra
#    decision: ALLOW
#    reason: A plan changes nothing.
#    overrides: [terraform-mutate]   # that rule's REQUIRE_APPROVAL is set aside where this holds
#    match: {program: terraform, args_exact: [plan], cwd: ~/src/shop/infra}
"""


def run_check(opts: argparse.Namespace) -> int:
    from approvald.policy.check import check

    paths = get_paths()
    try:
        settings_problems = load_settings(paths.config).problems
    except ConfigError as exc:
        settings_problems = (str(exc),)
    project = (opts.project or Path.cwd()).expanduser().absolute()
    result = check(paths, opts.files or None, project, settings_problems)
    engine = result.engine
    if opts.json:
        doc: dict[str, Any] = {
            "ok": result.ok,
            "problems": [{"file": p.file, "line": p.line, "field": p.field,
                          "message": str(p)} for p in result.problems],
            "files": [str(path) for _, path in result.files], "warnings": result.notes}
        if result.problems:
            first = result.problems[0]
            doc.update(error=str(first), file=first.file, line=first.line, field=first.field)
        if engine is not None:
            doc["policy_hash"] = engine.policy_hash
            if engine.managed_hash:
                doc["managed_policies"] = {"dir": str(engine.paths.managed_policies),
                                           "sha256": engine.managed_hash}
        print(json.dumps(doc))
        return 0 if result.ok else 1
    for problem in result.problems:
        print(f"error: {problem}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}")
    if not result.ok:
        count = len(result.problems)
        print(f"{count} problem{'s' if count != 1 else ''}; the daemon keeps the last policy "
              "that loaded until they are fixed", file=sys.stderr)
        return 1
    assert engine is not None
    print(f"ok: {len(engine.base.rules)} rules from {len(result.files)} file(s), "
          f"policy {engine.policy_hash}")
    for layer, path in result.files:
        print(f"  {layer:<8} {path}")
    if engine.managed_hash:
        print(f"managed policies {engine.paths.managed_policies}: {engine.managed_hash} "
              "(pin it with managed_policies_sha256)")
    return 0


def run_init(opts: argparse.Namespace) -> int:
    paths = get_paths()
    target = paths.policies / INIT_FILE
    if target.exists() and not opts.force:
        print(f"approvald policy init: {target} exists; edit it, or add --force to start over",
              file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(INIT_TEXT, encoding="utf-8")
    print(f"wrote {target}\nedit it, then run `approvald policy check`")
    return 0
