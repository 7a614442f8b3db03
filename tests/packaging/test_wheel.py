"""`python -m build` gives an sdist and (built from it) a wheel carrying everything approvald
needs at run time; the installed wheel works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from tests.support.packaging import REPO, project_version

BUILD_TIMEOUT = 300


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """sdist and wheel as `python -m build` makes them: the wheel is built from the sdist."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
                          capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    version = project_version()
    wheel = out / f"approvald-{version}-py3-none-any.whl"
    sdist = out / f"approvald-{version}.tar.gz"
    assert wheel.is_file() and sdist.is_file(), sorted(p.name for p in out.iterdir())
    return {"wheel": wheel, "sdist": sdist}


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_wheel_carries_policies_dashboard_and_styles(dists: dict[str, Path]) -> None:
    names = wheel_names(dists["wheel"])
    assert "approvald/__init__.py" in names
    assert "approvald/cli/__init__.py" in names
    assert "approvald/service.py" in names
    for policy in sorted((REPO / "policies").glob("*.yaml")):
        assert f"approvald/policies/{policy.name}" in names
    assert "approvald/policies/starter.yaml" in names
    assert "approvald_tui/__init__.py" in names
    styles = sorted((REPO / "tui").rglob("*.tcss"))
    assert styles, "the dashboard has no .tcss in the tree"
    for style in styles:
        assert style.relative_to(REPO / "tui").as_posix() in names
    assert not any(n.startswith(("tests/", "packaging/", "src/", "tui/")) for n in names)


def test_wheel_metadata_version_entry_point_and_dependencies(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        info = f"approvald-{project_version()}.dist-info"
        metadata = Parser().parsestr(archive.read(f"{info}/METADATA").decode("utf-8"))
        entry_points = archive.read(f"{info}/entry_points.txt").decode("utf-8")
    assert metadata["Version"] == project_version()
    assert metadata["Requires-Python"] == ">=3.10"
    required = " ".join(metadata.get_all("Requires-Dist") or [])
    for dep in ("tree-sitter", "tree-sitter-bash", "pyyaml", "textual", "keyring", "starlette"):
        assert dep in required
    assert "approvald = approvald.cli:main" in entry_points


def test_sdist_carries_sources_policies_styles_and_the_lock(dists: dict[str, Path]) -> None:
    with tarfile.open(dists["sdist"]) as archive:
        names = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    for needed in ("pyproject.toml", "src/approvald/__init__.py", "policies/starter.yaml",
                   "tui/approvald_tui/__init__.py", "packaging/requirements.lock"):
        assert needed in names
    assert any(n.startswith("tui/approvald_tui/") and n.endswith(".tcss") for n in names)


@pytest.fixture(scope="module")
def installed(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed; its dependencies come from this interpreter's
    site-packages (a .pth line), so no network is needed and nothing is built."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(dists["wheel"])],
        capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()
    # Only the directory itself: the .pth files inside it (our editable install) are not run.
    Path(site, "deps-from-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n",
                                                     encoding="utf-8")
    return venv


def venv_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["APPROVALD_HOME"] = str(home)
    return env


def venv_exe(venv: Path) -> Path:
    return venv / ("Scripts/approvald.exe" if sys.platform == "win32" else "bin/approvald")


@pytest.mark.e2e
def test_installed_wheel_runs_from_another_directory(
        installed: Path, tmp_path: Path, approvald_home: Path) -> None:
    done = subprocess.run([str(venv_exe(installed)), "--version"], cwd=tmp_path,
                          env=venv_env(approvald_home), capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"approvald {project_version()}"
    python = venv_exe(installed).with_name("python.exe" if sys.platform == "win32" else "python")
    probe = ("import json, approvald, approvald_tui, importlib.resources as r;"
             "print(json.dumps([approvald.__file__, approvald_tui.__file__,"
             " r.files('approvald').joinpath('policies', 'starter.yaml').is_file(),"
             " sorted(p.name for p in r.files('approvald_tui').iterdir()"
             " if p.name.endswith('.tcss'))]))")
    done = subprocess.run([str(python), "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, env=venv_env(approvald_home), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    core, tui, has_policy, styles = json.loads(done.stdout)
    assert Path(core).is_relative_to(installed) and Path(tui).is_relative_to(installed)
    assert has_policy
    assert styles


@pytest.mark.e2e
def test_installed_wheel_decides_with_the_bundled_starter_policy(
        installed: Path, tmp_path: Path, approvald_home: Path) -> None:
    payload = {"session_id": "wheel", "hook_event_name": "PreToolUse", "cwd": str(tmp_path),
               "tool_name": "Bash", "tool_input": {"command": "rm -rf /"}}
    done = subprocess.run([str(venv_exe(installed)), "policy", "test", "--from", "claude-code"],
                          input=json.dumps(payload), cwd=tmp_path, capture_output=True,
                          text=True, env=venv_env(approvald_home), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["decision"] == "DENY"
    assert result["fingerprint"].startswith("sha256:")


@pytest.mark.e2e
def test_installed_wheel_dashboard_takes_a_headless_screenshot(
        installed: Path, tmp_path: Path, approvald_home: Path) -> None:
    """`approvald tui` from the wheel: it finds its .tcss, starts a daemon for the session,
    draws, saves a screenshot (TEXTUAL_SCREENSHOT) and exits 0."""
    env = {**venv_env(approvald_home),
           "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver",
           "TEXTUAL_SCREENSHOT": "3", "TEXTUAL_SCREENSHOT_LOCATION": str(tmp_path),
           "TEXTUAL_SCREENSHOT_FILENAME": "dashboard.svg"}
    done = subprocess.run([str(venv_exe(installed)), "tui", "--no-notify"], cwd=tmp_path,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    svg = (tmp_path / "dashboard.svg").read_text(encoding="utf-8")
    assert "daemon&#160;connected" in svg
    assert "Pending" in svg
