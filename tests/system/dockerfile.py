"""The function image's Dockerfile and build context, read without a Docker engine: its
stages and instructions, ``.dockerignore``'s rules, and the ``/function`` tree its COPY
lines produce."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.paths import ROOT

DOCKERFILE = ROOT / "Dockerfile"


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


def context_copies(stages: list[Stage]) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY/ADD from the build context."""
    copies = []
    for stage in stages:
        for instruction in stage.all("COPY") + stage.all("ADD"):
            flags, operands = instruction.flags_and_operands()
            if "from" not in flags:
                copies.append((operands[:-1], operands[-1]))
    return copies


def image_layout(tmp_path: Path, stages: list[Stage]) -> Path:
    """/function as the Dockerfile's COPY lines build it (without ignored files)."""
    patterns = dockerignore_patterns()
    for sources, destination in context_copies(stages):
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
