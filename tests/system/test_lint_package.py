"""The spec library installs on its own: ``pip install <repository>`` gives a ``jobspec``
command that needs only PyYAML, and says so plainly when PyYAML is missing.

Built offline from a copy of ``pyproject.toml``, ``jobspec/`` and ``ocirefs/`` (so the build
proves it needs nothing else, and leaves no build files in the checkout), installed into a
new venv that holds nothing but the wheel and, for the second half, PyYAML.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from tests.support.docblocks import blocks
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow  # a wheel built and installed: ~10 s



def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def readme_lint_example() -> tuple[str, list[str]]:
    """The README's lint example (tests/process/test_doc_examples.py checks it too): the
    command's arguments and the lines it shows."""
    (block,) = [block for block in blocks("lint") if block.document.name == "README.md"]
    command, *shown = block.body.splitlines()
    assert command.startswith("$ python -m jobspec "), command
    return command[len("$ python -m jobspec "):], shown


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv (no pip, no setuptools) with the library's wheel installed: its bin/."""
    tmp = tmp_path_factory.mktemp("jobspec-package")
    source = tmp / "source"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    for package in ("jobspec", "ocirefs"):
        shutil.copytree(ROOT / package, source / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                "--no-index", "--disable-pip-version-check", "-q", "-w", tmp / "dist", source,
                cwd=tmp)
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = (tmp / "dist").glob("*.whl")

    venv = tmp / "venv"
    made = run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    pip = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
              "--no-index", "--disable-pip-version-check", "-q", wheel, cwd=tmp)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv


def site_packages(venv: Path) -> Path:
    (found,) = venv.glob("lib/python3*/site-packages")
    return found


def test_the_wheel_holds_the_spec_library_its_oci_references_and_its_command_only(installed):
    installed_names = {path.name for path in site_packages(installed).iterdir()
                       if not path.name.startswith(("_distutils", "distutils-precedence"))}
    assert {name for name in installed_names if not name.endswith(".dist-info")} == {
        "jobspec", "ocirefs"}
    assert (installed / "bin" / "jobspec").is_file()
    entry_points = next(site_packages(installed).glob("*.dist-info/entry_points.txt"))
    assert "jobspec = jobspec.__main__:main" in entry_points.read_text()
    metadata = next(site_packages(installed).glob("*.dist-info/METADATA")).read_text()
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == [
        f"Requires-Dist: PyYAML=={yaml.__version__}"]  # the parser the function ships


def test_then_with_pyyaml_only_the_command_prints_what_the_readme_shows(installed, tmp_path):
    # 1. Without PyYAML: a sentence saying what to install, not a traceback.
    missing = run(installed / "bin" / "jobspec", ROOT / "examples/specs/hello.yaml", cwd=tmp_path)
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert missing.stderr.startswith("jobspec needs PyYAML, which is not installed"), \
        missing.stderr
    assert "pip install PyYAML==6.0.2" in missing.stderr

    # 2. PyYAML alone added (a copy of this venv's: the tests run offline): the README's
    #    example, run in the checkout (a console script imports from its venv, not the
    #    current folder).
    here, only_yaml = Path(sysconfig.get_paths()["purelib"]), tmp_path / "pyyaml"
    for name in ("yaml", "_yaml", f"PyYAML-{yaml.__version__}.dist-info"):
        shutil.copytree(here / name, only_yaml / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(only_yaml)}
    where = subprocess.run([installed / "bin" / "python", "-c",
                            "import jobspec, yaml; print(jobspec.__file__, yaml.__file__)"],
                           cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    assert where.stdout.split() == [
        str(site_packages(installed) / "jobspec" / "__init__.py"),
        str(only_yaml / "yaml" / "__init__.py")], where.stdout + where.stderr
    arguments, shown = readme_lint_example()
    result = subprocess.run(f"{installed}/bin/jobspec {arguments}", shell=True, cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert result.stdout.splitlines() == shown
    assert result.stderr == ""


def test_help_describes_every_argument(installed):
    result = run(installed / "bin" / "jobspec", "--help", cwd=installed)
    assert result.returncode == 0
    assert result.stdout.startswith("usage: jobspec ")
    for argument in ("FILE", "--max-spec-bytes N", "--spec-env-var NAME"):
        described = re.search(rf"^  {re.escape(argument)} +\S", result.stdout, re.MULTILINE)
        assert described, f"{argument} has no description:\n{result.stdout}"
