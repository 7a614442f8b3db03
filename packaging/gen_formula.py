#!/usr/bin/env python3
"""Generate homebrew/Formula/approvald.rb from packaging/requirements.lock.

Homebrew builds every Python dependency from its sdist, one `resource` per package. The set of
packages and their versions comes from the lock (never from whatever happens to be installed),
each package's sdist URL from PyPI's JSON API, and its sha256 must be one of the hashes the lock
already pins for that version: a mismatch stops the generator.

URLs already in the existing formula are reused when their hash is still the locked one, so a
regeneration with an unchanged lock needs no network (the tests use that to prove the committed
formula is exactly what this script produces).

    packaging/gen_formula.py --sdist dist/approvald-0.1.0.tar.gz   # the release workflow
    packaging/gen_formula.py                  # keep the formula's current sdist sha256
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name, parse_sdist_filename
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "packaging" / "requirements.lock"
FORMULA = REPO / "homebrew" / "Formula" / "approvald.rb"
VERSION_FILE = REPO / "src" / "approvald" / "__init__.py"

GITHUB_REPO = "approvald/approvald"  # placeholder owner until the project has its real home
HOMEPAGE = f"https://github.com/{GITHUB_REPO}"
# The current Homebrew python formula (aliases python, python3); resources are chosen for it.
PYTHON_FORMULA = "python@3.14"
PYTHON_FULL_VERSION = "3.14.0"
# Packages Homebrew ships as formulae of their own, built with the right toolchain (Rust for
# cryptography). The formula depends on those instead of building them as resources; Homebrew's
# virtualenvs see the site-packages of python-library formulae.
HOMEBREW_PROVIDED = {
    "cryptography": "cryptography",
    "cffi": "cryptography",  # cryptography's formula depends on cffi's, which carries pycparser
    "pycparser": "cryptography",
}
# Packages whose sdists build native code with Rust (maturin): the formula needs Rust to build.
RUST_BUILT = {"pydantic-core", "rpds-py", "jiter"}

# The `test do` block: a policy written into testpath and a Claude Code payload it must deny.
# The policy uses the rule format of policies/*.yaml (approvald.policy); tests/packaging runs the
# same policy and payload through the real CLI so the formula's test cannot drift from it.
TEST_POLICY = """\
version: 1
name: brew-test
default: ALLOW
rules:
  - id: block-push
    decision: DENY
    reason: Pushing is not allowed here.
    match: {program: git, args: [push]}
"""
TEST_PAYLOAD = {
    "session_id": "brew-test",
    "hook_event_name": "PreToolUse",
    "cwd": "/tmp",
    "tool_name": "Bash",
    "tool_input": {"command": "git push origin main"},
}
TEST_DECISION = "DENY"
TEST_RULE = "block-push"


@dataclass(frozen=True)
class Locked:
    name: str  # canonical (PEP 503) name
    version: str
    marker: str | None
    hashes: frozenset[str]


@dataclass(frozen=True)
class Resource:
    name: str
    version: str
    url: str
    sha256: str


def read_version(path: Path = VERSION_FILE) -> str:
    match = re.search(r'^__version__ = "([^"]+)"', path.read_text(encoding="utf-8"), re.M)
    if not match:
        raise SystemExit(f"no __version__ in {path}")
    return match.group(1)


def parse_lock(text: str) -> list[Locked]:
    """Parse a hashed requirements file (pip/uv format): `name==ver ; marker --hash=...`."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    if current:
        logical.append(current)
    result = []
    for entry in logical:
        hashes = frozenset(re.findall(r"--hash=sha256:([0-9a-f]{64})", entry))
        spec = re.sub(r"--hash=\S+", "", entry).strip()
        requirement, _, marker = spec.partition(";")
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+)", requirement.strip())
        if not match:
            raise ValueError(f"unpinned or unreadable lock entry: {entry!r}")
        result.append(Locked(canonicalize_name(match.group(1)), match.group(2),
                             marker.strip() or None, hashes))
    return result


def marker_environment(sys_platform: str) -> dict[str, str]:
    system = {"darwin": "Darwin", "linux": "Linux"}[sys_platform]
    return {
        "python_version": ".".join(PYTHON_FULL_VERSION.split(".")[:2]),
        "python_full_version": PYTHON_FULL_VERSION,
        "sys_platform": sys_platform,
        "platform_system": system,
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "platform_machine": "arm64" if sys_platform == "darwin" else "x86_64",
    }


def applies(entry: Locked, sys_platform: str) -> bool:
    if entry.marker is None:
        return True
    return Marker(entry.marker).evaluate(marker_environment(sys_platform))  # type: ignore[arg-type]


def homebrew_sets(locked: list[Locked]) -> dict[str, list[Locked]]:
    """Split the lock into what both platforms, only macOS and only Linux need."""
    mac = {e.name: e for e in locked if applies(e, "darwin")}
    linux = {e.name: e for e in locked if applies(e, "linux")}
    both = [e for name, e in mac.items() if linux.get(name) == e]
    return {
        "both": sorted(both, key=lambda e: e.name),
        "macos": sorted((e for n, e in mac.items() if linux.get(n) != e), key=lambda e: e.name),
        "linux": sorted((e for n, e in linux.items() if mac.get(n) != e), key=lambda e: e.name),
    }


def known_urls(formula_text: str) -> dict[str, str]:
    """sha256 -> url for every resource already in the formula."""
    pairs = re.findall(r'url "([^"]+)"\s+sha256 "([0-9a-f]{64})"', formula_text)
    return {sha: url for url, sha in pairs}


def fetch_sdist(entry: Locked) -> tuple[str, str]:
    """The sdist's URL and sha256, from PyPI's JSON simple API (PEP 691)."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{entry.name}/",
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        files = json.load(response)["files"]
    for item in files:
        if not item["filename"].endswith((".tar.gz", ".zip")):
            continue
        name, version = parse_sdist_filename(item["filename"])
        if name == entry.name and str(version) == str(Version(entry.version)):
            return item["url"], item["hashes"]["sha256"]
    raise SystemExit(f"{entry.name}=={entry.version} has no sdist on PyPI; Homebrew needs one")


def resolve(entry: Locked, known: dict[str, str]) -> Resource:
    for sha in entry.hashes:
        url = known.get(sha)
        if url is not None and entry.version in url:
            return Resource(entry.name, entry.version, url, sha)
    url, sha = fetch_sdist(entry)
    if sha not in entry.hashes:
        raise SystemExit(f"{entry.name}=={entry.version}: PyPI's sdist sha256 {sha} is not in "
                         "the lock; regenerate packaging/requirements.lock")
    return Resource(entry.name, entry.version, url, sha)


def ruby_literal(value: object, indent: int) -> str:
    """A Ruby literal for JSON-like data (strings and nested hashes), one key a line."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        pad = " " * (indent + 2)
        items = ",\n".join(f"{pad}{json.dumps(k)} => {ruby_literal(v, indent + 2)}"
                           for k, v in value.items())
        return "{\n" + items + ",\n" + " " * indent + "}"
    raise TypeError(f"no Ruby literal for {type(value).__name__}")


def render_resource(res: Resource, indent: str) -> str:
    return (f'{indent}resource "{res.name}" do\n'
            f'{indent}  url "{res.url}"\n'
            f'{indent}  sha256 "{res.sha256}"\n'
            f'{indent}end\n')


def render(version: str, sdist_sha256: str, groups: dict[str, list[Resource]],
           provided: dict[str, list[str]]) -> str:
    rust = any(r.name in RUST_BUILT for group in groups.values() for r in group)
    url = f"{HOMEPAGE}/releases/download/v{version}/approvald-{version}.tar.gz"
    out = [
        "# Generated by packaging/gen_formula.py from packaging/requirements.lock: do not edit.\n",
        "class Approvald < Formula\n",
        "  include Language::Python::Virtualenv\n\n",
        '  desc "Approval companion and local policy proxy for coding agents"\n',
        f'  homepage "{HOMEPAGE}"\n',
        f'  url "{url}"\n',
        f'  sha256 "{sdist_sha256}"\n',
        '  license "MIT"\n\n',
        *(['  depends_on "rust" => :build\n'] if rust else []),
        f'  depends_on "{PYTHON_FORMULA}"\n',
    ]
    out.extend(f'  depends_on "{name}"\n' for name in provided["both"])
    out.append("\n")
    for platform in ("macos", "linux"):
        if provided[platform]:
            out.append(f"  on_{platform} do\n")
            out.extend(f'    depends_on "{name}"\n' for name in provided[platform])
            out.append("  end\n\n")
    out.extend(render_resource(r, "  ") + "\n" for r in groups["both"])
    for platform in ("macos", "linux"):
        if groups[platform]:
            out.append(f"  on_{platform} do\n")
            out.append("\n".join(render_resource(r, "    ") for r in groups[platform]))
            out.append("  end\n\n")
    out.append(
        "  def install\n"
        "    virtualenv_install_with_resources\n"
        "  end\n\n"
        "  service do\n"
        '    run [opt_bin/"approvald", "daemon"]\n'
        "    keep_alive true\n"
        '    log_path var/"log/approvald.log"\n'
        '    error_log_path var/"log/approvald.log"\n'
        "  end\n\n"
        "  test do\n"
        '    ENV["APPROVALD_HOME"] = (testpath/"home").to_s\n'
        '    assert_match version.to_s, shell_output("#{bin}/approvald --version")\n\n'
        '    (testpath/"policy.yaml").write <<~YAML\n'
        + "".join(f"      {line}\n" for line in TEST_POLICY.splitlines())
        + "    YAML\n"
        f"    payload = {ruby_literal(TEST_PAYLOAD, 4)}.to_json\n"
        '    command = "#{bin}/approvald policy test --from claude-code '
        '--policy #{testpath}/policy.yaml"\n'
        "    output = pipe_output(command, payload, 0)\n"
        "    result = JSON.parse(output)\n"
        f'    assert_equal "{TEST_DECISION}", result["decision"]\n'
        f'    assert_includes result["rules"], "{TEST_RULE}"\n'
        "  end\n"
        "end\n"
    )
    return "".join(out)


def generate(sdist_sha256: str | None, lock: Path = LOCK, formula: Path = FORMULA) -> str:
    existing = formula.read_text(encoding="utf-8") if formula.exists() else ""
    if sdist_sha256 is None:
        match = re.search(r'^  sha256 "([0-9a-f]{64})"', existing, re.M)
        if not match:
            raise SystemExit("no sdist sha256 in the existing formula: pass --sdist")
        sdist_sha256 = match.group(1)
    sets = homebrew_sets(parse_lock(lock.read_text(encoding="utf-8")))
    known = known_urls(existing)
    # A formula needed on both platforms is a plain dependency; otherwise per platform.
    needs = {key: {HOMEBREW_PROVIDED[e.name] for e in entries if e.name in HOMEBREW_PROVIDED}
             for key, entries in sets.items()}
    both = needs["both"] | (needs["macos"] & needs["linux"])
    provided = {"both": sorted(both), "macos": sorted(needs["macos"] - both),
                "linux": sorted(needs["linux"] - both)}
    groups = {
        key: [resolve(e, known) for e in entries if e.name not in HOMEBREW_PROVIDED]
        for key, entries in sets.items()
    }
    return render(read_version(), sdist_sha256, groups, provided)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--sdist", type=Path, help="the release sdist (its sha256 goes in)")
    source.add_argument("--sdist-sha256", help="the release sdist's sha256")
    parser.add_argument("--lock", type=Path, default=LOCK)
    parser.add_argument("--formula", type=Path, default=FORMULA,
                        help="existing formula (its resource URLs are reused)")
    parser.add_argument("--output", type=Path, help="default: overwrite --formula")
    args = parser.parse_args(argv)
    sha = args.sdist_sha256
    if args.sdist is not None:
        sha = hashlib.sha256(args.sdist.read_bytes()).hexdigest()
    text = generate(sha, args.lock, args.formula)
    target = args.output or args.formula
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
