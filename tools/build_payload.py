"""Build the function image's ``/python`` tree: the Dockerfile runs this script, and so does
``make payload DEST=dir`` (no Docker needed), so both trees are built the same way.

    python3 tools/build_payload.py [--replace] DEST [--lock requirements/function.lock.txt]

1. ``pip install --require-hashes --no-deps --target DEST`` of the function's lock: every
   package is in the lock, fdk's declared test and build tools are not
   (``requirements/function-excludes.txt``), so nothing else can come in.
2. Remove what the function never imports: the OCI SDK's service packages other than
   :data:`KEPT_OCI_SERVICES` (~170 of them, ~230 MB) and fdk's own test suite. OCI
   Functions pulls the image on a cold start: every megabyte is paid there.
3. Trim each ``RECORD`` to the files that are left (the SDK's alone lists 2 MB of them).
4. ``strip --strip-unneeded`` the extension modules, as Debian does for shared libraries:
   their debug information and local symbols are never used at run time (~7 MB).
5. Byte-compile everything with ``unchecked-hash`` ``.pyc`` files: the function's file
   system is read-only, so a missing ``.pyc`` would be recompiled on every cold start
   (~0.9 s for the SDK), and unchecked-hash ones stay valid whatever mtimes COPY leaves.
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCK = ROOT / "requirements" / "function.lock.txt"

# The OCI services a run imports: the two the function calls, dns (oci.pagination imports
# it) and work_requests (oci.waiter does). tests/system/test_payload.py compares this set
# with the services a real run loads. The SDK's other packages (auth, retry, _vendor, …)
# are not services and stay.
KEPT_OCI_SERVICES = frozenset({"data_science", "object_storage", "dns", "work_requests"})

# Installed files the function never runs: fdk's test suite (it imports pytest) and the
# debugging script built on it.
UNUSED = ("fdk/tests", "bin/fdk-tcp-debug")


class PayloadError(Exception):
    """The payload cannot be built as asked (the message says why)."""


def install(lock: Path, dest: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", "--no-compile", "--no-deps",
                    "--require-hashes", "--target", str(dest), "-r", str(lock)], check=True)


def is_oci_service(package: Path) -> bool:
    """Every service package of the SDK has a ``models`` package; its own packages don't."""
    return package.is_dir() and (package / "models" / "__init__.py").is_file()


def remove_unused(dest: Path) -> None:
    for package in (dest / "oci").iterdir():
        if is_oci_service(package) and package.name not in KEPT_OCI_SERVICES:
            shutil.rmtree(package)
    for relative in UNUSED:
        path = dest / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def trim_records(dest: Path) -> None:
    """Drop the RECORD rows of removed files (rows outside the tree, ``../../bin/…``, stay)."""
    for record in dest.glob("*.dist-info/RECORD"):
        rows = list(csv.reader(io.StringIO(record.read_text())))
        kept = [row for row in rows
                if row and (row[0].startswith("..") or (dest / row[0]).exists())]
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(kept)
        record.write_text(out.getvalue())


def strip_extensions(dest: Path) -> None:
    strip = shutil.which("strip")
    if strip is None:
        raise PayloadError("`strip` (binutils) is needed to strip the extensions")
    libraries = sorted(str(path) for path in dest.rglob("*.so"))
    if libraries:
        subprocess.run([strip, "--strip-unneeded", *libraries], check=True)


def byte_compile(dest: Path) -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0",
                    "--invalidation-mode", "unchecked-hash", str(dest)], check=True)


def is_payload(tree: Path) -> bool:
    return any(tree.glob("fdk-*.dist-info")) and any(tree.glob("oci-*.dist-info"))


def build(dest: Path, lock: Path = DEFAULT_LOCK, replace: bool = False) -> Path:
    """Build the payload into ``dest``: a new or empty directory, or with ``replace`` an
    earlier payload (never any other directory)."""
    if dest.exists() and any(dest.iterdir()):
        if not (replace and is_payload(dest)):
            raise PayloadError(f"{dest} is not empty (nor, with --replace, an earlier "
                               "payload)")
        shutil.rmtree(dest)
    dest.mkdir(parents=True, exist_ok=True)
    install(lock, dest)
    remove_unused(dest)
    trim_records(dest)
    strip_extensions(dest)
    byte_compile(dest)
    return dest


def size_bytes(tree: Path) -> int:
    """What the tree adds to an image layer: the bytes of its regular files. The 40 MiB
    target applies to this figure."""
    return sum(path.stat().st_size for path in tree.rglob("*")
               if path.is_file() and not path.is_symlink())


def disk_bytes(tree: Path) -> int:
    """What ``du`` shows for the tree: the blocks allocated to its files and directories,
    each file rounded up to whole blocks (~2,700 small files: some 20 % over the layer's
    bytes on a 4 KiB-block file system)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in (tree, *tree.rglob("*")):
        info = path.lstat()
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            total += info.st_blocks * 512
    return total


def describe_size(tree: Path) -> str:
    """Both sizes, saying which one the 40 MiB target is about."""
    return (f"{size_bytes(tree) / 2**20:.1f} MiB in an image layer (the bytes of its files: "
            f"the 40 MiB target), {disk_bytes(tree) / 2**20:.1f} MiB on this disk as du "
            "counts it (whole blocks)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dest", type=Path, help="the directory to build (/python in the image)")
    parser.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help="the hashed lock")
    parser.add_argument("--replace", action="store_true",
                        help="replace dest if it holds an earlier payload")
    options = parser.parse_args(argv)
    try:
        dest = build(options.dest, options.lock, options.replace)
    except PayloadError as error:
        print(f"build_payload: {error}", file=sys.stderr)
        return 2
    print(f"{dest}: {describe_size(dest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
