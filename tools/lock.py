"""Hashed lock files: ``make lock`` writes them, the test suite checks they are current.

Every install (both Dockerfiles, the Makefile's venvs) reads a lock, never a loose
requirements file, with ``pip install --require-hashes``: each package, transitive ones
included, is pinned to one version and to the sha256 of every file PyPI has for it.

The humans edit the *inputs* (``requirements.txt``, ``requirements-dev.txt``,
``job/requirements.txt``, ``requirements/*.in``); ``python tools/lock.py`` (``make lock``)
resolves each with ``uv pip compile --generate-hashes`` and writes a
fingerprint line into the lock: the sha256 of its inputs (the requirements in the files,
in the files they include with ``-r``/``-c``, in the locks it is constrained by and in the
override file; comments aside) and of the resolver's arguments. ``python tools/lock.py
--check`` recomputes the fingerprints offline; a lock whose inputs changed since it was
written is reported stale.

uv rather than pip-tools: its overrides can drop a declared dependency from a
resolution (fdk declares pytest, Cython, wheel and pbr as runtime dependencies; the
function image must not ship them), it resolves for Python 3.11 on every platform
whatever machine runs it, and it ignores pip's local-mirror configuration, so the locks
carry PyPI's hashes and no machine-specific URL.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_VERSION = "3.11"  # the function image (func.yaml runtime) and the job image
# Both images are built for linux/amd64 on glibc (Debian) bases. Resolving for that
# platform alone also lets an override's never-true marker remove a package outright (a
# universal resolution keeps it, marked).
IMAGE_PLATFORM = "x86_64-manylinux_2_28"
FINGERPRINT = "# inputs-sha256: "
FINGERPRINT_NOTE = " (written by `make lock`; a stale lock fails the tests)"
_INCLUDE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)[\s=]+(\S+)")
_COMMENT = re.compile(r"(^|\s+)#.*$")  # pip's rule: '#' at the start or after a space


@dataclass(frozen=True)
class Lock:
    """One lock file and what it is resolved from (paths relative to the repository)."""

    output: str
    inputs: tuple[str, ...]
    constraints: tuple[str, ...] = ()  # locks whose versions this one must share
    overrides: str | None = None
    platform: str | None = None  # an image's platform; None: every platform (universal)

    def resolver_args(self) -> list[str]:
        """``uv pip compile`` arguments (without the output file and the executable)."""
        args = ["pip", "compile", "--quiet", "--no-config", "--python-version", PYTHON_VERSION,
                "--generate-hashes", "--custom-compile-command", "make lock"]
        args += ["--python-platform", self.platform] if self.platform else ["--universal"]
        for constraint in self.constraints:
            args += ["--constraint", constraint]
        if self.overrides:
            args += ["--override", self.overrides]
        return [*args, *self.inputs]


# Order matters: a lock is written after the locks it is constrained by. The dev lock comes
# first and constrains the images' locks, so the tests run the very versions the images
# ship (a dev tool's upper bound, such as oci-cli's on pytz, holds for the images too).
LOCKS: tuple[Lock, ...] = (
    Lock("requirements/dev.lock.txt", ("requirements-dev.txt", "job/requirements.txt"),
         overrides="requirements/dev-overrides.txt"),
    Lock("requirements/function.lock.txt", ("requirements.txt",),
         constraints=("requirements/dev.lock.txt",),
         overrides="requirements/function-excludes.txt", platform=IMAGE_PLATFORM),
    Lock("job/requirements.lock.txt", ("job/requirements.txt",),
         constraints=("requirements/dev.lock.txt",), platform=IMAGE_PLATFORM),
    # Its own venv: checkov's pins conflict with the dev tools'.
    Lock("requirements/checkov.lock.txt", ("requirements/checkov.in",)),
    # Installed on top of the dev venv by `make fuzz` only.
    Lock("requirements/fuzz.lock.txt", ("requirements/fuzz.in",),
         constraints=("requirements/dev.lock.txt",)),
)


def input_files(lock: Lock, root: Path) -> list[str]:
    """Every file the resolution reads, ``-r``/``-c`` includes followed, in a stable order."""
    seen: list[str] = []
    pending = [*lock.inputs, *lock.constraints, *([lock.overrides] if lock.overrides else [])]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.append(name)
        if name in lock.constraints:  # a lock: its content counts, its own includes don't
            continue
        for line in (root / name).read_text().splitlines():
            match = _INCLUDE.match(line)
            if match:
                included = (root / name).parent / match.group(2)
                pending.append(str(included.resolve().relative_to(root.resolve())))
    return seen


def _requirements(path: Path) -> str:
    """What pip reads in a requirements file: comments and blank lines dropped, so editing
    a comment needs no re-lock (and a lock's own fingerprint line is not its content)."""
    lines = (_COMMENT.sub("", line).strip() for line in path.read_text().splitlines())
    return "\n".join(line for line in lines if line)


def fingerprint(lock: Lock, root: Path = ROOT) -> str:
    """sha256 over the resolver's arguments and the requirements of every input file."""
    files = {name: hashlib.sha256(_requirements(root / name).encode()).hexdigest()
             for name in input_files(lock, root)}
    document = json.dumps({"args": lock.resolver_args(), "files": files}, sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()


def recorded_fingerprint(path: Path) -> str | None:
    if not path.is_file():
        return None
    for line in path.read_text().splitlines():
        if line.startswith(FINGERPRINT):
            return line[len(FINGERPRINT):].split()[0]
    return None


def stale_locks(root: Path = ROOT, locks: tuple[Lock, ...] = LOCKS) -> list[str]:
    """The locks whose inputs changed since they were written (or that are missing)."""
    return [lock.output for lock in locks
            if recorded_fingerprint(root / lock.output) != fingerprint(lock, root)]


def uv_executable() -> str:
    from uv import find_uv_bin  # the dev lock pins uv; only writing locks needs it

    return find_uv_bin()


def write(lock: Lock, root: Path = ROOT, upgrade: bool = False) -> None:
    """Resolve ``lock`` with uv (keeping its current pins unless ``upgrade``) and stamp it."""
    output = root / lock.output
    command = [uv_executable(), *lock.resolver_args(), "--output-file", lock.output]
    if upgrade:
        command.append("--upgrade")
    subprocess.run(command, cwd=root, check=True)
    lines = output.read_text().splitlines()
    header_end = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    stamp = FINGERPRINT + fingerprint(lock, root) + FINGERPRINT_NOTE
    output.write_text("\n".join([*lines[:header_end], stamp, *lines[header_end:]]) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="only report locks whose inputs changed (offline); exit 1 if any")
    parser.add_argument("--upgrade", action="store_true",
                        help="re-resolve to the newest allowed versions instead of keeping pins")
    options = parser.parse_args(argv)
    if options.check:
        stale = stale_locks(ROOT)
        for name in stale:
            print(f"{name} does not match its inputs: run `make lock` and commit it",
                  file=sys.stderr)
        return 1 if stale else 0
    for lock in LOCKS:
        write(lock, upgrade=options.upgrade)
        print(f"locked {lock.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
