"""Build the two images (``make images``): the function's from ``Dockerfile`` and the job's
from ``job/Dockerfile``, with podman or Docker, tagged ``jobrun-launcher:<func.yaml version>``
and ``notebook-runner:<same version>``.

    python -m tools.images [build] [--if-engine]   build (or reuse) both, print names and sizes
    python -m tools.images engine                  which engine would build, or why none can

- **Reuse.** Each image carries a label with the hash of its inputs (the Dockerfile, its
  ignore file, every file of its build context, the build arguments and the base images'
  IDs); an image whose label matches is reused as it is, without calling the engine's build.
- **Base images.** The Dockerfiles' own (``fnproject/python:3.11-dev`` and
  ``fnproject/python:3.11`` for the function, ``python:3.11-slim``, pinned by digest, for the
  job) are pulled when they are not here yet. Where they cannot be pulled (no registry but
  the package registries), a **stand-in base** is built once from Debian packages
  (``debootstrap`` of Debian 12 with its Python 3.11, pip and binutils), imported as
  ``localhost/jobrun-standin-base:<hash of its recipe>`` and kept: later builds reuse it. The
  images are then built exactly as for a registry, on that base. ``IMAGE_BASE=standin``
  skips the pulls.
- **Network.** A build reaches only the package registries: pip (PyPI) inside the build,
  and the Debian mirror (``DEBIAN_MIRROR``) for the stand-in. podman builds use the host's
  network and the host's CA bundle (mounted for the build only, never in a layer), as the
  host's own pip does.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from localoci.containers import CA_BUNDLE, Engine, NoEngine, find_engine

ROOT = Path(__file__).resolve().parent.parent
INPUTS_LABEL = "io.jobrun-launcher.inputs"
STANDIN_REPOSITORY = "localhost/jobrun-standin-base"
STANDIN_SUITE = "bookworm"  # Debian 12: Python 3.11, like the canonical bases
# python-is-python3: the job image's ENTRYPOINT runs `python`; binutils: the payload
# script strips the extension modules; pip installs the hashed locks.
STANDIN_PACKAGES = ("python3", "python3-pip", "python-is-python3", "binutils",
                    "ca-certificates")
STANDIN_RECIPE = 1  # bump when the stand-in's making changes in a way the lines above don't
DEFAULT_MIRROR = "http://deb.debian.org/debian"
PULL_TIMEOUT = 300.0
BUILD_TIMEOUT = 1800.0


class ImageError(RuntimeError):
    """An image could not be built (the message says why)."""


@dataclass(frozen=True)
class ImageRecipe:
    """One image: its repository name, Dockerfile, ignore file and base-image arguments."""

    repository: str
    dockerfile: str
    ignorefile: str

    def base_args(self) -> dict[str, str]:
        """The Dockerfile's global ``ARG NAME=default`` lines (its base images)."""
        args = {}
        for line in (ROOT / self.dockerfile).read_text().splitlines():
            stripped = line.strip()
            if stripped.upper().startswith("FROM "):
                break
            match = re.match(r"ARG\s+(\w+)=(\S+)", stripped, re.IGNORECASE)
            if match:
                args[match.group(1)] = match.group(2)
        return args


FUNCTION = ImageRecipe("jobrun-launcher", "Dockerfile", ".dockerignore")
JOB = ImageRecipe("notebook-runner", "job/Dockerfile", "job/Dockerfile.dockerignore")
RECIPES = (FUNCTION, JOB)


def version() -> str:
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.startswith("version:"):
            return line.split(":", 1)[1].strip()
    raise ImageError("func.yaml has no version")


def image_name(recipe: ImageRecipe) -> str:
    return f"{recipe.repository}:{version()}"


def qualified(reference: str) -> str:
    """``python:3.11-slim`` → ``docker.io/library/python:3.11-slim``: podman resolves no
    short names unless registries.conf lists search registries, Docker reads both."""
    first = reference.split("/", 1)[0]
    if "/" in reference and ("." in first or ":" in first or first == "localhost"):
        return reference
    return f"docker.io/{reference if '/' in reference else 'library/' + reference}"


# -- the build context, as the ignore files define it --------------------------------------


def context_files(recipe: ImageRecipe) -> Iterator[Path]:
    """The files the build sends: the ignore files here are allow-lists (``*`` then ``!path``
    lines), so the context is what those lines name, without byte-code."""
    for line in (ROOT / recipe.ignorefile).read_text().splitlines():
        line = line.strip()
        if not line.startswith("!"):
            continue
        path = ROOT / line[1:].strip("/")
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            if "__pycache__" not in file.parts and file.suffix != ".pyc":
                yield file


def inputs_hash(recipe: ImageRecipe, build_args: dict[str, str], base_ids: list[str]) -> str:
    digest = hashlib.sha256()
    for part in (recipe.dockerfile, recipe.ignorefile):
        digest.update(part.encode() + b"\0" + (ROOT / part).read_bytes() + b"\0")
    for file in sorted(set(context_files(recipe))):
        digest.update(str(file.relative_to(ROOT)).encode() + b"\0" + file.read_bytes() + b"\0")
    for name, value in sorted(build_args.items()):
        digest.update(f"{name}={value}\0".encode())
    for image_id in base_ids:
        digest.update(image_id.encode() + b"\0")
    return digest.hexdigest()


# -- base images -----------------------------------------------------------------------------


def standin_tag() -> str:
    recipe = f"{STANDIN_RECIPE} {STANDIN_SUITE} {' '.join(STANDIN_PACKAGES)}"
    digest = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    return f"{STANDIN_REPOSITORY}:{STANDIN_SUITE}-{digest}"


def build_standin(engine: Engine, say: Callable[[str], None]) -> str:
    """The stand-in base (see the module docstring): reused when already imported."""
    tag = standin_tag()
    if engine.image_exists(tag):
        say(f"stand-in base {tag}: already built, reused")
        return tag
    debootstrap = shutil.which("debootstrap") or (
        "/usr/sbin/debootstrap" if os.path.exists("/usr/sbin/debootstrap") else None)
    if debootstrap is None:
        raise ImageError("the canonical base images cannot be pulled and debootstrap is not "
                         "installed to build a stand-in (apt-get install debootstrap)")
    if os.geteuid() != 0:
        raise ImageError("the canonical base images cannot be pulled, and building the "
                         "stand-in base (debootstrap) needs root")
    mirror = os.environ.get("DEBIAN_MIRROR", DEFAULT_MIRROR)
    say(f"stand-in base {tag}: debootstrap of Debian {STANDIN_SUITE} from {mirror} "
        "(once; about 2 minutes)")
    (ROOT / "build").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="standin-", dir=ROOT / "build") as work:
        rootfs = Path(work) / "rootfs"
        try:
            subprocess.run([debootstrap, "--variant=minbase",
                            f"--include={','.join(STANDIN_PACKAGES)}", STANDIN_SUITE,
                            str(rootfs), mirror], check=True, stdout=subprocess.DEVNULL,
                           timeout=BUILD_TIMEOUT)
        finally:
            unmount_below(rootfs)  # an interrupted debootstrap leaves /proc mounted there
        # The official Python images have no EXTERNALLY-MANAGED marker: pip installs into
        # the system interpreter there, so the Dockerfiles do so too.
        for marker in rootfs.glob("usr/lib/python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / cache).glob("*"):
                if entry.is_file():
                    entry.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(engine.command("import", "--change", "CMD [\"python3\"]",
                                                 "-", tag), stdin=tar.stdout,
                                  capture_output=True, timeout=BUILD_TIMEOUT)
        assert tar.stdout is not None
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            raise ImageError(f"importing the stand-in base failed: "
                             f"{imported.stderr.decode(errors='replace').strip()}")
    say(f"stand-in base {tag}: built and kept for the next builds")
    return tag


def unmount_below(folder: Path) -> None:
    """Unmount whatever is still mounted under ``folder`` (deepest first), so that removing
    it never reaches into the host's /proc or /sys."""
    try:
        mounts = [line.split()[1] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return
    prefix = str(folder.resolve()) + "/"
    for point in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False, capture_output=True)


def pull_problem(engine: Engine, reference: str) -> str | None:
    """None when ``reference`` is here or was pulled, else why it could not be."""
    if engine.image_exists(reference):
        return None
    try:
        done = engine.run("pull", "--quiet", reference, check=False, timeout=PULL_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"no answer in {PULL_TIMEOUT:.0f} s"
    if done.returncode == 0:
        return None
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    reason = lines[-1] if lines else f"exit {done.returncode}"
    return reason if len(reason) <= 100 else "…" + reason[-99:]


def base_images(engine: Engine, say: Callable[[str], None]) -> dict[ImageRecipe, dict[str, str]]:
    """Each recipe's build arguments: the canonical bases, or the stand-in for all of them
    (the function's build and run stages must share an interpreter path: /python/bin/fdk's
    shebang is the build stage's Python)."""
    canonical = {recipe: {name: qualified(value) for name, value in recipe.base_args().items()}
                 for recipe in RECIPES}
    problems = []
    if os.environ.get("IMAGE_BASE") == "standin":
        problems.append("IMAGE_BASE=standin")
    else:
        for args in canonical.values():
            for reference in args.values():
                problem = pull_problem(engine, reference)
                if problem:
                    problems.append(f"{reference}: {problem}")
                    break
            if problems:
                break
    if not problems:
        return canonical
    say(f"the canonical base images cannot be used ({problems[0]}): building on a stand-in "
        "base from Debian packages instead, otherwise exactly as for a registry")
    tag = build_standin(engine, say)
    return {recipe: dict.fromkeys(args, tag) for recipe, args in canonical.items()}


# -- the images ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Built:
    name: str
    size_bytes: int
    reused: bool
    base: str


def build_one(engine: Engine, recipe: ImageRecipe, build_args: dict[str, str],
              say: Callable[[str], None]) -> Built:
    name = image_name(recipe)
    base_ids = [engine.inspect(reference, "{{.Id}}") for reference in build_args.values()]
    wanted = inputs_hash(recipe, build_args, base_ids)
    base = ", ".join(sorted(set(build_args.values())))
    previous = engine.inspect(name, "{{.Id}}") if engine.image_exists(name) else None
    if previous and engine.inspect(
            name, f'{{{{index .Config.Labels "{INPUTS_LABEL}"}}}}') == wanted:
        return Built(name, int(engine.inspect(name, "{{.Size}}")), True, base)
    say(f"building {name} from {recipe.dockerfile} on {base} ...")
    argv = engine.command("build", "--tag", name, "--file", str(ROOT / recipe.dockerfile),
                          "--label", f"{INPUTS_LABEL}={wanted}", *engine.limits())
    for arg, value in build_args.items():
        argv += ["--build-arg", f"{arg}={value}"]
    if engine.name == "podman":
        # BuildKit finds <Dockerfile>.dockerignore itself; podman is told. The host's
        # network and CA bundle: the same way to the package registry as the host's pip.
        argv += ["--ignorefile", str(ROOT / recipe.ignorefile), "--network", "host"]
        if os.path.isfile(CA_BUNDLE):
            argv += ["--volume", f"{CA_BUNDLE}:{CA_BUNDLE}:ro"]
    argv.append(str(ROOT))
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=BUILD_TIMEOUT)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.decode(errors="replace").splitlines()[-30:])
        raise ImageError(f"building {name} failed:\n{tail}")
    if previous and previous != engine.inspect(name, "{{.Id}}"):
        # the image this build replaced, now untagged: removed unless something still uses it
        engine.run("rmi", previous, check=False)
    return Built(name, int(engine.inspect(name, "{{.Size}}")), False, base)


def build_all(engine: Engine, say: Callable[[str], None] = print) -> dict[str, Built]:
    """Both images, built or reused: ``{"function": …, "job": …}``."""
    args = base_images(engine, say)
    return {"function": build_one(engine, FUNCTION, args[FUNCTION], say),
            "job": build_one(engine, JOB, args[JOB], say)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.images",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="build", choices=("build", "engine"))
    parser.add_argument("--if-engine", action="store_true",
                        help="exit 0 with the reason when no container engine can run here")
    options = parser.parse_args(argv)
    try:
        engine = find_engine()
    except NoEngine as exc:
        print(f"images: {exc}", file=sys.stderr)
        return 0 if options.if_engine else 2
    if options.command == "engine":
        print(f"{engine.name} ({engine.path}" + (f", runtime {engine.runtime})"
                                                 if engine.runtime else ")"))
        return 0
    try:
        built = build_all(engine, lambda line: print(f"images: {line}", flush=True))
    except (ImageError, subprocess.SubprocessError, OSError) as exc:
        print(f"images: {exc}", file=sys.stderr)
        return 1
    for image in built.values():
        print(f"{image.name:<28} {image.size_bytes / 1e6:7.1f} MB  "
              f"{'up to date, reused' if image.reused else 'built'} (base {image.base})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
