"""The GitHub workflows parse and do what they promise (they cannot run here)."""

from __future__ import annotations

from typing import Any

import yaml

from tests.support.packaging import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def all_runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) + str(step.get("uses", ""))
                     for step in job["steps"])


def test_every_workflow_is_valid_yaml_with_jobs_and_steps() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {f.name for f in files} >= {"ci.yml", "release.yml"}
    for path in files:
        data = load(path.name)
        assert data["name"] and data["on"] and data["jobs"]
        for job_id, job in data["jobs"].items():
            assert "runs-on" in job, job_id
            assert job.get("timeout-minutes"), f"{path.name}:{job_id} has no timeout"
            for step in job["steps"]:
                assert ("run" in step) != ("uses" in step), f"{path.name}:{job_id}: {step}"


def test_ci_runs_the_suite_on_three_platforms() -> None:
    ci = load("ci.yml")
    assert "pull_request" in ci["on"] and "push" in ci["on"]
    job = ci["jobs"]["test"]
    oses = job["strategy"]["matrix"]["os"]
    assert any(o.startswith("ubuntu") for o in oses)
    assert any(o.startswith("macos") for o in oses)
    assert any(o.startswith("windows") for o in oses)
    runs = all_runs(job)
    assert "scripts/test.sh" in runs  # Linux: exactly what .ci/run does
    assert "python -m pytest" in runs
    assert "scoop-manifest.schema.json" in runs  # the schemas tests read from ../shared


def test_release_builds_everything_with_checksums_and_updates_formula_and_manifest() -> None:
    release = load("release.yml")
    assert release["on"]["push"]["tags"] == ["v*"]
    jobs = release["jobs"]
    assert "python -m build" in all_runs(jobs["python-dists"])
    assets = {item["asset"] for item in jobs["binaries"]["strategy"]["matrix"]["include"]}
    # One-folder builds, archived (a one-file build unpacks itself on every start).
    assert assets == {"approvald-linux-x86_64.tar.gz", "approvald-macos-arm64.tar.gz",
                      "approvald-windows-x86_64.zip"}
    binaries = all_runs(jobs["binaries"])
    assert "--require-hashes -r packaging/requirements.lock" in binaries
    assert "packaging/build_binary.sh" in binaries
    assert "packaging/approvald.spec" in binaries
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"python-dists", "binaries"}
    runs = all_runs(publish)
    assert "sha256sum" in runs and "SHA256SUMS" in runs
    assert "packaging/gen_formula.py --sdist" in runs
    assert "packaging/gen_scoop.py --checksums release/SHA256SUMS" in runs
    assert "gh release upload" in runs
    assert publish["permissions"]["contents"] == "write"
