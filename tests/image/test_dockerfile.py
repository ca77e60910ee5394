"""The function image, checked without building it (this machine has no Docker engine).

- The Dockerfile's COPY sources exist and are in the build context (``.dockerignore``);
- it installs exactly ``requirements.txt`` (all pinned), without a pip cache;
- its ENTRYPOINT is ``func.yaml``'s entrypoint; it runs as a non-root user;
- it byte-compiles ``/python`` and ``/function``, and the modules its ``compileall -x``
  skips are none of those the function imports on a real run;
- the ``/function`` layout its COPY lines produce starts from that entrypoint with its
  ``PYTHONPATH``, byte-compiled and without writing byte-code.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from localoci.fdkrunner import FunctionProcess
from tests.spec_cases import flat

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
OCI_UID = "1000"  # OCI Functions starts containers as fn, uid/gid 1000


@dataclass
class Instruction:
    keyword: str
    args: str

    def words(self) -> list[str]:
        return shlex.split(self.args)

    def flags_and_operands(self) -> tuple[dict[str, str], list[str]]:
        flags, operands = {}, []
        for word in self.words():
            if word.startswith("--") and not operands:
                name, _, value = word[2:].partition("=")
                flags[name] = value
            else:
                operands.append(word)
        return flags, operands


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages (continuations joined, comments dropped)."""
    logical, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        logical.append(current + stripped)
        current = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), rest.strip()
        if keyword == "ARG" and not stages:
            name, _, default = rest.partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = rest.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), words[0])
            name = words[2] if len(words) > 2 and words[1].upper() == "AS" else None
            stages.append(Stage(base, name))
        else:
            stages[-1].instructions.append(Instruction(keyword, rest))
    return args, stages


def dockerignore_patterns() -> list[tuple[bool, str]]:
    patterns = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!")).lstrip("/")
        patterns.append((negated, pattern))
    return patterns


def _matches(pattern: str, path: str) -> bool:
    """Docker's matching: the pattern against the path or any of its parent directories."""
    regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
    regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    parts = path.split("/")
    return any(re.fullmatch(regex, "/".join(parts[:i])) for i in range(1, len(parts) + 1))


def ignored(path: str, patterns: list[tuple[bool, str]] | None = None) -> bool:
    """Whether ``.dockerignore`` keeps ``path`` (relative to the repo) out of the context."""
    result = False
    for negated, pattern in patterns if patterns is not None else dockerignore_patterns():
        if _matches(pattern, path):
            result = not negated
    return result


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], list[Stage]]:
    return parse_dockerfile(DOCKERFILE.read_text())


def _func_yaml(key: str) -> str:
    for line in (ROOT / "func.yaml").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"func.yaml has no {key}")


def _context_copies(stages: list[Stage]) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY/ADD from the build context."""
    copies = []
    for stage in stages:
        for instruction in stage.all("COPY") + stage.all("ADD"):
            flags, operands = instruction.flags_and_operands()
            if "from" not in flags:
                copies.append((operands[:-1], operands[-1]))
    return copies


def _compile_step(stages: list[Stage]) -> Instruction:
    steps = [i for s in stages for i in s.all("RUN") if "compileall" in i.args]
    assert len(steps) == 1, "exactly one RUN must byte-compile the image"
    return steps[0]


def _compile_exclusion(stages: list[Stage]) -> re.Pattern | None:
    words = _compile_step(stages).words()
    return re.compile(words[words.index("-x") + 1]) if "-x" in words else None


# -- the Dockerfile ------------------------------------------------------------------------


def test_base_images_are_func_yaml_build_and_run_images(dockerfile):
    _, stages = dockerfile
    assert [stage.base for stage in stages] == [_func_yaml("build_image"), _func_yaml("run_image")]


def test_copy_sources_exist_and_are_in_the_build_context(dockerfile):
    _, stages = dockerfile
    copies = _context_copies(stages)
    assert copies, "the Dockerfile copies nothing from the context"
    patterns = dockerignore_patterns()
    for sources, _ in copies:
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"COPY source {source} does not exist"
            files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
            kept = [f for f in files if not ignored(str(f.relative_to(ROOT)), patterns)]
            assert kept, f"{source} is excluded from the build context by .dockerignore"
            if path.is_dir():
                assert {f.name for f in kept} >= {p.name for p in path.glob("*.py")}


def test_installs_exactly_the_pinned_requirements(dockerfile):
    _, stages = dockerfile
    installs = [i for s in stages for i in s.all("RUN") if "pip" in i.args and "install" in i.args]
    assert len(installs) == 1, "one pip install, of requirements.txt only"
    command = installs[0].args.split("&&")[0]
    words = shlex.split(command)
    assert "--no-cache-dir" in words
    requirement_files = [words[i + 1] for i, w in enumerate(words) if w in ("-r", "--requirement")]
    assert len(requirement_files) == 1
    destinations = {dest: sources for sources, dest in _context_copies(stages)}
    assert destinations.get(requirement_files[0]) == ["requirements.txt"]
    positional, takes_value = [], False
    for word in words[words.index("install") + 1:]:
        if takes_value:
            takes_value = False
        elif word in ("-r", "--requirement", "-t", "--target", "-c", "--constraint"):
            takes_value = True
        elif not word.startswith("-"):
            positional.append(word)
    assert positional == [], f"pip installs more than requirements.txt: {positional}"
    assert not [i for s in stages for i in s.instructions if "requirements-dev" in i.args]
    for raw in (ROOT / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.\-]+", line), \
                f"requirements.txt pin is not exact: {line}"


def test_entrypoint_is_func_yaml_entrypoint(dockerfile):
    _, stages = dockerfile
    entrypoints = stages[-1].all("ENTRYPOINT")
    assert entrypoints, "the runtime stage has no ENTRYPOINT"
    assert json.loads(entrypoints[-1].args) == shlex.split(_func_yaml("entrypoint"))


def test_runs_as_a_non_root_user(dockerfile):
    _, stages = dockerfile
    users = stages[-1].all("USER")
    assert users, "the runtime stage sets no USER (it would run as root)"
    user = users[-1].args.split(":")[0]
    assert user not in ("root", "0")
    assert user in (OCI_UID, "fn")


def test_byte_compiles_the_dependencies_and_the_function(dockerfile):
    _, stages = dockerfile
    words = _compile_step(stages).words()
    assert {"/python", "/function"} <= set(words)
    # Used without checking source mtimes, so a COPY that changes them costs nothing.
    assert words[words.index("--invalidation-mode") + 1] == "unchecked-hash"
    runtime = stages[-1]
    copied = {i.flags_and_operands()[1][-1] for i in runtime.all("COPY")}
    assert {"/python", "/function"} <= copied
    assert any("PYTHONPATH=/function:/python" in i.args for i in runtime.all("ENV"))


def test_compile_exclusion_only_skips_unused_oci_services(dockerfile):
    _, stages = dockerfile
    skip = _compile_exclusion(stages)
    if skip is None:
        return
    assert skip.search("/python/oci/core/compute_client.py")
    assert skip.search("/python/oci/identity/models/user.py")
    for kept in ("/python/oci/base_client.py", "/python/oci/data_science/models/job_run.py",
                 "/python/oci/object_storage/object_storage_client.py",
                 "/python/oci/auth/signers/resource_principals_signer.py",
                 "/python/fdk/runner.py", "/python/yaml/__init__.py",
                 "/function/func/handler.py"):
        assert not skip.search(kept), kept


@pytest.mark.slow
def test_every_module_a_run_imports_is_byte_compiled_in_the_image(dockerfile, functions,
                                                                   oci_local):
    """Map each module the function imports on a real run to its image path."""
    _, stages = dockerfile
    skip = _compile_exclusion(stages)
    oci_local.put_spec("image/imports.yaml", flat())
    fn = functions(PYTHONPROFILEIMPORTTIME="1")
    reply = fn.invoke({"specLocation": oci_local.location("image/imports.yaml")}).json()
    assert reply["ok"] is True, reply
    names = [line.rsplit("|", 1)[1].strip() for line in fn.stderr().splitlines()
             if line.startswith("import time:") and line.split("|")[0][12:].strip().isdigit()]
    assert "oci.data_science" in names and "func.service" in names
    in_image = []
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        origin = Path(spec.origin) if spec and spec.origin else None
        if origin is None or origin.suffix != ".py":
            continue
        if origin.is_relative_to(SITE_PACKAGES):
            in_image.append("/python/" + str(origin.relative_to(SITE_PACKAGES)))
        elif origin.is_relative_to(ROOT):
            in_image.append("/function/" + str(origin.relative_to(ROOT)))
    assert len(in_image) > 500
    missed = [path for path in in_image if skip is not None and skip.search(path)]
    assert missed == [], f"imported but not byte-compiled in the image: {missed[:10]}"


def test_dockerignore_keeps_the_context_to_the_function():
    for path in ("tests/conftest.py", ".venv/bin/python", ".venv-checkov/bin/checkov",
                 ".git/HEAD", "benchmarks/suite.py", "localoci/server.py",
                 "terraform/main.tf", "requirements-dev.txt", "examples/specs/hello.yaml",
                 "func/__pycache__/app.cpython-311.pyc", ".pytest_cache/README.md",
                 ".hypothesis/x", "README.md", "Dockerfile"):
        assert ignored(path), f"{path} would be sent to the build"
    for path in ("func/handler.py", "func/app.py", "func.yaml", "requirements.txt"):
        assert not ignored(path), f"{path} is needed by the build"


# -- the image layout ----------------------------------------------------------------------


def _image_layout(tmp_path: Path, stages: list[Stage]) -> Path:
    """/function as the Dockerfile's COPY lines build it (without ignored files)."""
    patterns = dockerignore_patterns()
    for sources, destination in _context_copies(stages):
        if not destination.startswith("/function"):
            continue
        for source in sources:
            path = ROOT / source
            target = tmp_path / destination.lstrip("/")
            files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
            for file in files:
                relative = str(file.relative_to(ROOT))
                if ignored(relative, patterns):
                    continue
                out = target if path.is_file() and not destination.endswith("/") \
                    else target / file.relative_to(path)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, out)
    return tmp_path / "function"


@pytest.mark.slow
def test_entrypoint_starts_from_the_image_layout(dockerfile, tmp_path):
    _, stages = dockerfile
    function_dir = _image_layout(tmp_path, stages)
    assert (function_dir / "func.yaml").is_file()
    assert (function_dir / "func" / "handler.py").is_file()
    assert not list(function_dir.rglob("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "--invalidation-mode",
                    "unchecked-hash", str(function_dir)], check=True)
    env_line = next(i.args for i in stages[-1].all("ENV") if "PYTHONPATH=" in i.args)
    image_dirs = {"/function": str(function_dir), "/python": str(SITE_PACKAGES)}
    entries = re.search(r"PYTHONPATH=(\S+)", env_line).group(1).split(":")
    env = {"PYTHONPATH": ":".join(image_dirs[entry] for entry in entries),
           "PYTHONDONTWRITEBYTECODE": "1"}

    where = subprocess.run([sys.executable, "-c", "import func; print(func.__file__)"],
                           env={**env, "PATH": os.environ.get("PATH", "")},
                           cwd=str(function_dir), capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()).is_relative_to(function_dir)

    with FunctionProcess(env, root=function_dir) as fn:  # no JOB_OCID in its environment
        invocation = fn.invoke({"specLocation": "oci://specs@localns/a.yaml"})
        log = fn.stderr()
    assert invocation.status == 200, log
    assert invocation.headers["content-type"] == "application/json"
    body = invocation.json()
    assert body["ok"] is False and body["error"]["code"] == "ConfigurationError", body
    assert "JOB_OCID" in body["error"]["message"]


def test_dockerignore_matcher():
    patterns = [(False, "*"), (True, "func"), (False, "**/__pycache__")]
    assert ignored("tests/x.py", patterns)
    assert not ignored("func/app.py", patterns)
    assert ignored("func/__pycache__/app.pyc", patterns)
    assert not ignored("func", patterns)
