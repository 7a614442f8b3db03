#!/usr/bin/env python3
"""Write scoop/approvald.json for a release.

Scoop installs the one-folder Windows build the release workflow archives
(`approvald-windows-x86_64.zip`, holding `approvald/approvald.exe` and its `_internal/`),
checked against its sha256 from the release's SHA256SUMS. Why a built folder and not a
pip-based install, and why a folder rather than one file: packaging/SCOOP.md.

    packaging/gen_scoop.py --checksums dist/SHA256SUMS   # the release workflow
    packaging/gen_scoop.py                               # keep the current hash
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_formula import HOMEPAGE, REPO, read_version

MANIFEST = REPO / "scoop" / "approvald.json"
ARCHIVE = "approvald-windows-x86_64.zip"
CHECKSUMS = "SHA256SUMS"
URL_TEMPLATE = HOMEPAGE + "/releases/download/v{version}/" + ARCHIVE
# The archive holds the folder itself; Scoop installs its contents (`current\approvald.exe`).
EXTRACT_DIR = "approvald"


def hash_from_checksums(text: str, filename: str = ARCHIVE) -> str:
    """The sha256 on `filename`'s line of a `sha256sum` output (`HEX  NAME` or `HEX *NAME`)."""
    for line in text.splitlines():
        match = re.fullmatch(r"([0-9a-fA-F]{64})\s+\*?(\S+)", line.strip())
        if match and match.group(2) == filename:
            return match.group(1).lower()
    raise SystemExit(f"{filename} is not in the checksums file")


def manifest(version: str, sha256: str) -> dict[str, object]:
    return {
        "version": version,
        "description": "Approval companion and local policy proxy for coding agents.",
        "homepage": HOMEPAGE,
        "license": "MIT",
        "notes": [
            "Start the daemon at logon with a scheduled task:",
            "  approvald service install   (prints the exact schtasks command)",
            "Add the Claude Code hook: approvald install claude-code",
        ],
        "architecture": {
            "64bit": {"url": URL_TEMPLATE.format(version=version), "hash": sha256,
                      "extract_dir": EXTRACT_DIR},
        },
        "bin": "approvald.exe",
        "checkver": {"github": HOMEPAGE},
        "autoupdate": {
            "architecture": {
                "64bit": {
                    "url": URL_TEMPLATE.replace("{version}", "$version"),
                    "hash": {
                        "url": HOMEPAGE + "/releases/download/v$version/" + CHECKSUMS,
                        "regex": r"([a-fA-F0-9]{64})\s+\*?" + ARCHIVE.replace(".", r"\."),
                    },
                    "extract_dir": EXTRACT_DIR,
                },
            },
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checksums", type=Path, help="the release's SHA256SUMS")
    parser.add_argument("--output", type=Path, default=MANIFEST)
    args = parser.parse_args(argv)
    if args.checksums is not None:
        sha = hash_from_checksums(args.checksums.read_text(encoding="utf-8"))
    else:
        current = json.loads(MANIFEST.read_text(encoding="utf-8"))
        sha = current["architecture"]["64bit"]["hash"]
    text = json.dumps(manifest(read_version(), sha), indent=4) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
