"""The Scoop manifest: valid against Scoop's schema, pointing at this version's release archive
(the one-folder build)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from tests.support.packaging import SCHEMAS, SCOOP_MANIFEST, load_script, project_version

gen_scoop = load_script("gen_scoop")


def manifest() -> dict:
    return json.loads(SCOOP_MANIFEST.read_text(encoding="utf-8"))


def test_manifest_is_valid_against_scoops_schema() -> None:
    schema = json.loads((SCHEMAS / "scoop-manifest.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(manifest())]
    assert errors == []


def test_schema_check_catches_a_broken_manifest() -> None:
    schema = json.loads((SCHEMAS / "scoop-manifest.schema.json").read_text(encoding="utf-8"))
    broken = {**manifest(), "architecture": {"64bit": {"url": "x", "hash": "not-a-hash"}}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_manifest_points_at_this_versions_one_folder_archive() -> None:
    data = manifest()
    version = project_version()
    assert data["version"] == version
    for key in ("description", "homepage", "license"):
        assert data[key]
    arch = data["architecture"]["64bit"]
    assert arch["url"].endswith(f"/releases/download/v{version}/approvald-windows-x86_64.zip")
    assert re.fullmatch(r"[0-9a-f]{64}", arch["hash"])
    # The archive holds approvald/ (approvald.exe and _internal/); Scoop installs what is in it.
    assert arch["extract_dir"] == "approvald"
    assert data["bin"] == "approvald.exe"
    assert data["checkver"] == {"github": data["homepage"]}


def test_autoupdate_finds_the_hash_in_the_release_checksums() -> None:
    auto = manifest()["autoupdate"]["architecture"]["64bit"]
    assert "$version" in auto["url"]
    assert auto["url"] == manifest()["architecture"]["64bit"]["url"].replace(
        project_version(), "$version")
    assert auto["extract_dir"] == "approvald"
    assert auto["hash"]["url"].endswith("/releases/download/v$version/SHA256SUMS")
    # The regex Scoop applies to SHA256SUMS (as sha256sum writes it) must capture the archive's.
    sums = "\n".join([f"{'1' * 64}  approvald-linux-x86_64.tar.gz",
                      f"{'2' * 64}  approvald-windows-x86_64.zip",
                      f"{'3' * 64}  approvald-{project_version()}.tar.gz"])
    found = re.findall(auto["hash"]["regex"], sums)
    assert found == ["2" * 64]


def test_generator_reads_the_archive_hash_from_checksums(tmp_path: Path) -> None:
    sums = tmp_path / "SHA256SUMS"
    sums.write_text(f"{'a' * 64}  approvald-macos-arm64.tar.gz\n"
                    f"{'b' * 64} *approvald-windows-x86_64.zip\n", encoding="utf-8")
    out = tmp_path / "approvald.json"
    assert gen_scoop.main(["--checksums", str(sums), "--output", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["architecture"]["64bit"]["hash"] == "b" * 64
    with pytest.raises(SystemExit):
        gen_scoop.hash_from_checksums(f"{'a' * 64}  approvald-macos-arm64.tar.gz\n")


def test_committed_manifest_is_the_generators_output(tmp_path: Path) -> None:
    out = tmp_path / "approvald.json"
    assert gen_scoop.main(["--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == SCOOP_MANIFEST.read_text(encoding="utf-8")
