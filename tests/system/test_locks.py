"""The hashed lock files (``tools/lock.py``, ``make lock``), checked offline.

- every lock matches its inputs (the fingerprint ``make lock`` wrote), and editing an
  input without re-locking makes the check fail;
- every lock pins each package exactly, with hashes, and names no machine-local source;
- every install reads a lock with ``--require-hashes``; no tool is pinned in the Makefile;
- the function's lock leaves out what the function never imports.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools import lock as locks

ROOT = locks.ROOT
ALL_LOCKS = [lock.output for lock in locks.LOCKS]


def test_every_lock_matches_its_inputs():
    assert locks.stale_locks() == [], "inputs changed without re-locking: run `make lock`"


def _copy_inputs_and_locks(destination: Path) -> None:
    for lock in locks.LOCKS:
        for name in [lock.output, *locks.input_files(lock, ROOT)]:
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, target)


@pytest.mark.parametrize("edited", ["requirements-dev.txt", "requirements.txt",
                                    "job/requirements.txt", "requirements/checkov.in",
                                    "requirements/function-excludes.txt"])
def test_an_input_edited_without_relocking_fails_the_check(tmp_path, edited):
    _copy_inputs_and_locks(tmp_path)
    assert locks.stale_locks(tmp_path) == []
    with (tmp_path / edited).open("a") as text:
        text.write("mypy==1.0.0\n")
    stale = locks.stale_locks(tmp_path)
    assert stale, f"editing {edited} went unnoticed"
    for lock in locks.LOCKS:
        if edited in locks.input_files(lock, tmp_path):
            assert lock.output in stale


def test_a_comment_is_not_an_input(tmp_path):
    _copy_inputs_and_locks(tmp_path)
    with (tmp_path / "requirements-dev.txt").open("a") as text:
        text.write("# a note for the next person\n\n")
    assert locks.stale_locks(tmp_path) == []


def test_an_include_is_an_input_too(tmp_path):
    """requirements-dev.txt includes requirements.txt: the dev lock depends on both."""
    _copy_inputs_and_locks(tmp_path)
    (tmp_path / "requirements.txt").write_text(
        (tmp_path / "requirements.txt").read_text().replace("PyYAML==", "PyYAML==0.0.0  # "))
    assert "requirements/dev.lock.txt" in locks.stale_locks(tmp_path)


def test_a_relocked_dependency_makes_its_dependents_stale(tmp_path):
    """The image locks are constrained by the dev lock: they must follow it."""
    _copy_inputs_and_locks(tmp_path)
    dev = tmp_path / "requirements/dev.lock.txt"
    dev.write_text(dev.read_text().replace("\npyyaml==", "\npyyaml==0.0.0+", 1))
    assert "pyyaml==0.0.0+" in dev.read_text()
    assert set(locks.stale_locks(tmp_path)) >= {"requirements/function.lock.txt",
                                                 "job/requirements.lock.txt",
                                                 "requirements/fuzz.lock.txt"}


def test_the_check_command_exits_1_and_names_the_stale_lock(tmp_path, monkeypatch, capsys):
    _copy_inputs_and_locks(tmp_path)
    (tmp_path / "requirements/checkov.in").write_text("checkov==0.0.1\n")
    monkeypatch.setattr(locks, "ROOT", tmp_path)
    assert locks.main(["--check"]) == 1
    assert "requirements/checkov.lock.txt" in capsys.readouterr().err


def test_the_check_command_passes_on_the_repository():
    done = subprocess.run([sys.executable, "tools/lock.py", "--check"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _entries(path: Path) -> list[str]:
    """Each requirement of a lock, its continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", path.read_text())
    return [line for line in text.splitlines() if line and not line.startswith((" ", "#"))]


@pytest.mark.parametrize("name", ALL_LOCKS)
def test_every_package_is_pinned_exactly_with_hashes(name):
    entries = _entries(ROOT / name)
    assert entries
    for entry in entries:
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==[^ ;]+", entry), entry
        assert "--hash=sha256:" in entry, entry


@pytest.mark.parametrize("name", ALL_LOCKS)
def test_locks_name_no_local_source(name):
    text = (ROOT / name).read_text()
    for local in ("file:", "/opt/", "/work/", "/root/", "--index-url", "--extra-index-url",
                  "--find-links", "-e "):
        assert local not in text, f"{name} mentions {local}"


def test_the_makefile_installs_only_hashed_locks_and_pins_no_tool():
    makefile = (ROOT / "Makefile").read_text()
    variables = dict(re.findall(r"^(\w+)\s*:?=\s*(.*)$", makefile, re.MULTILINE))
    expanded = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m.group(1), m.group(0)), makefile)
    installs = [line for line in expanded.splitlines()
                if line.startswith("\t") and re.search(r"\bpip3? install\b", line)]
    assert len(installs) >= 3  # dev venv, checkov venv, fuzz
    for line in installs:
        assert "--require-hashes -r" in line, line
        target = line.split("--require-hashes -r", 1)[1].split()[0]
        assert target in ALL_LOCKS, line
    assert not re.search(r"[A-Za-z0-9]==\d", makefile), "a version pinned in the Makefile"


def test_both_dockerfiles_install_hashed_locks_only():
    function = (ROOT / "Dockerfile").read_text()
    assert "build_payload.py" in function
    assert "--require-hashes" in (ROOT / "tools/build_payload.py").read_text()
    job = (ROOT / "job/Dockerfile").read_text()
    installs = [line for line in job.splitlines() if "pip install" in line]
    assert installs and all("--require-hashes -r job/requirements.lock.txt" in line
                            for line in installs)


def test_the_function_lock_leaves_out_what_the_function_never_imports():
    names = {entry.split("==")[0].lower() for entry in
             _entries(ROOT / "requirements/function.lock.txt")}
    assert {"fdk", "oci", "pyyaml", "httptools"} <= names
    excluded = {line.split(";")[0].strip().lower() for line in
                (ROOT / "requirements/function-excludes.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert {"pytest", "cython", "wheel", "pbr"} <= excluded
    assert not excluded & names
    assert not {"pip", "setuptools", "pytest-asyncio", "aiohttp"} & names


def test_the_image_locks_share_the_dev_locks_versions():
    """The tests run the very versions the images ship."""
    def pins(name: str) -> dict[str, str]:
        return dict(entry.split(" ")[0].lower().split("==") for entry in _entries(ROOT / name))

    dev = pins("requirements/dev.lock.txt")
    for image_lock in ("requirements/function.lock.txt", "job/requirements.lock.txt"):
        for package, version in pins(image_lock).items():
            assert dev.get(package) == version, (image_lock, package, version)
