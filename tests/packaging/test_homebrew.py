"""The Homebrew formula: parses, matches the lock exactly, has its stanzas, and its test passes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.utils import canonicalize_name

from tests.support.packaging import FORMULA, LOCK, load_script, project_version

gen_formula = load_script("gen_formula")
RUBY = shutil.which("ruby")
needs_ruby = pytest.mark.skipif(RUBY is None, reason="ruby is not installed")


def formula_text() -> str:
    return FORMULA.read_text(encoding="utf-8")


def formula_resources(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    """{"all"|"macos"|"linux": {name: (url, sha256)}}, read from the formula text itself."""
    found: dict[str, dict[str, tuple[str, str]]] = {"all": {}, "macos": {}, "linux": {}}
    block = "all"
    name: str | None = None
    url: str | None = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in ("on_macos do", "on_linux do"):
            block = stripped[3:-3]
        elif line == "  end":  # closes an on_* block (resources close at deeper indent)
            block = "all"
        elif match := re.fullmatch(r'resource "([^"]+)" do', stripped):
            name, url = match.group(1), None
        elif (match := re.fullmatch(r'url "([^"]+)"', stripped)) and name:
            url = match.group(1)
        elif (match := re.fullmatch(r'sha256 "([0-9a-f]{64})"', stripped)) and name and url:
            assert name not in found[block], f"resource {name} twice"
            found[block][name] = (url, match.group(1))
            name = url = None
    return found


def locked_for(sys_platform: str) -> dict[str, tuple[str, frozenset[str]]]:
    """What the formula's Python needs on a platform, straight from the lock's markers."""
    env = {
        "python_version": "3.14", "python_full_version": "3.14.0", "sys_platform": sys_platform,
        "platform_system": {"darwin": "Darwin", "linux": "Linux"}[sys_platform],
        "os_name": "posix", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "platform_machine": "x86_64",
    }
    needed = {}
    for entry in gen_formula.parse_lock(LOCK.read_text(encoding="utf-8")):
        if entry.marker is None or Marker(entry.marker).evaluate(env):
            assert entry.name not in needed, f"{entry.name} pinned twice for {sys_platform}"
            needed[entry.name] = (entry.version, entry.hashes)
    return needed


@needs_ruby
def test_formula_parses_with_ruby() -> None:
    done = subprocess.run([RUBY, "-c", str(FORMULA)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Syntax OK" in done.stdout


def test_formula_python_matches_generator() -> None:
    assert f'depends_on "{gen_formula.PYTHON_FORMULA}"' in formula_text()
    assert gen_formula.PYTHON_FULL_VERSION.startswith(
        gen_formula.PYTHON_FORMULA.removeprefix("python@") + ".")


@pytest.mark.parametrize("platform", ["darwin", "linux"])
def test_formula_resources_match_the_lock_exactly(platform: str) -> None:
    resources = formula_resources(formula_text())
    block = "macos" if platform == "darwin" else "linux"
    in_formula = {**resources["all"], **resources[block]}
    needed = locked_for(platform)
    provided = {name for name in needed if name in gen_formula.HOMEBREW_PROVIDED}
    for name in provided:  # built by Homebrew's own formula instead of a resource
        assert f'depends_on "{gen_formula.HOMEBREW_PROVIDED[name]}"' in formula_text()
    assert {canonicalize_name(n) for n in in_formula} == set(needed) - provided
    for name, (url, sha) in in_formula.items():
        version, hashes = needed[canonicalize_name(name)]
        assert sha in hashes, f"{name}: sha256 {sha} is not a locked hash of {version}"
        assert url.startswith("https://files.pythonhosted.org/packages/"), url
        filename = url.rsplit("/", 1)[1]
        assert filename.endswith((".tar.gz", ".zip")), f"{name}: not an sdist: {filename}"
        assert f"-{version}." in filename, f"{name}: {filename} is not version {version}"


def test_formula_is_exactly_what_the_generator_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(entry: object) -> tuple[str, str]:
        raise AssertionError(f"the committed formula lacks a locked resource: {entry}")

    monkeypatch.setattr(gen_formula, "fetch_sdist", no_network)
    assert gen_formula.generate(None) == formula_text()


def test_generator_refuses_an_sdist_hash_the_lock_does_not_pin(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("example-pkg==1.0 \\\n    --hash=sha256:" + "a" * 64 + "\n", encoding="utf-8")
    monkeypatch.setattr(gen_formula, "fetch_sdist",
                        lambda entry: ("https://x/example_pkg-1.0.tar.gz", "b" * 64))
    with pytest.raises(SystemExit, match="not in the lock"):
        gen_formula.generate("c" * 64, lock=lock, formula=tmp_path / "none.rb")


def test_formula_stanzas() -> None:
    text = formula_text()
    version = project_version()
    assert re.search(r"^class Approvald < Formula$", text, re.M)
    assert "  include Language::Python::Virtualenv\n" in text
    assert re.search(r'^  desc "[^"]+"$', text, re.M)
    assert re.search(r'^  homepage "https://github\.com/[^"]+"$', text, re.M)
    url = re.search(r'^  url "([^"]+)"$', text, re.M)
    assert url
    assert url.group(1).endswith(f"/releases/download/v{version}/approvald-{version}.tar.gz")
    assert re.search(r'^  sha256 "[0-9a-f]{64}"$', text, re.M)
    assert '  license "MIT"\n' in text
    assert re.search(r'^  depends_on "python@3\.\d+"$', text, re.M)
    assert "  def install\n    virtualenv_install_with_resources\n  end\n" in text
    service = re.search(r"^  service do\n(.*?)^  end\n", text, re.M | re.S)
    assert service, "no service block"
    assert 'run [opt_bin/"approvald", "daemon"]' in service.group(1)
    assert "keep_alive true" in service.group(1)
    assert 'log_path var/"log/' in service.group(1)
    assert 'error_log_path var/"log/' in service.group(1)
    test = re.search(r"^  test do\n(.*?)^  end\n", text, re.M | re.S)
    assert test, "no test block"
    assert '(testpath/"policy.yaml").write' in test.group(1)
    assert "policy test" in test.group(1) and "--policy" in test.group(1)
    assert 'result["decision"]' in test.group(1)


# A stand-in for the parts of Homebrew's formula DSL the formula uses, so its `test do` block
# runs for real against an installed approvald: class-level DSL calls are recorded and ignored,
# the test block is kept and run with Homebrew's test helpers.
RUBY_HARNESS = r'''
require "json"
require "open3"
require "pathname"

module Language; module Python; module Virtualenv; end; end; end

class Formula
  class << self
    attr_reader :test_block
    def test(&block)
      @test_block = block
    end

    def method_missing(*)
      nil
    end

    def respond_to_missing?(*)
      true
    end
  end

  def bin
    Pathname(ENV.fetch("BREW_TEST_BIN"))
  end

  def testpath
    Pathname(ENV.fetch("BREW_TEST_PATH"))
  end

  def version
    ENV.fetch("BREW_TEST_VERSION")
  end

  def shell_output(cmd, result = 0)
    out, status = Open3.capture2(cmd)
    raise "#{cmd}: exit #{status.exitstatus}, wanted #{result}" if status.exitstatus != result
    out
  end

  def pipe_output(cmd, input = nil, result = nil)
    out, status = Open3.capture2(cmd, stdin_data: input)
    raise "#{cmd}: exit #{status.exitstatus}: #{out}" if result && status.exitstatus != result
    out
  end

  def assert_match(pattern, string)
    pattern = Regexp.new(Regexp.escape(pattern)) if pattern.is_a?(String)
    raise "#{pattern.inspect} !~ #{string.inspect}" unless pattern.match?(string)
  end

  def assert_equal(expected, actual)
    raise "expected #{expected.inspect}, got #{actual.inspect}" unless expected == actual
  end

  def assert_includes(collection, item)
    raise "#{collection.inspect} lacks #{item.inspect}" unless collection.include?(item)
  end
end

load ARGV.fetch(0)
formula = Approvald.new
formula.instance_exec(&Approvald.test_block)
puts "formula test passed"
'''


@needs_ruby
@pytest.mark.e2e
@pytest.mark.skipif(sys.platform == "win32", reason="Homebrew runs on macOS and Linux only")
def test_formula_test_block_passes_against_the_installed_cli(approvald_exe: list[str]) -> None:
    if len(approvald_exe) != 1:
        pytest.skip("needs the approvald console script (bin/approvald)")
    with tempfile.TemporaryDirectory(prefix="ad-brew-", dir="/tmp") as tmp:
        harness = Path(tmp) / "harness.rb"
        harness.write_text(RUBY_HARNESS, encoding="utf-8")
        testpath = Path(tmp) / "testpath"
        testpath.mkdir()
        env = {**os.environ, "BREW_TEST_BIN": str(Path(approvald_exe[0]).parent),
               "BREW_TEST_PATH": str(testpath), "BREW_TEST_VERSION": project_version()}
        done = subprocess.run([RUBY, str(harness), str(FORMULA)], cwd=testpath, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "formula test passed" in done.stdout
