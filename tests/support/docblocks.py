"""The documents' example blocks, checked against what the code really produces.

A fenced block right after a marker comment

    <!-- example: NAME … -->

shows the output of the producer NAME (``tests/process/test_doc_examples.py`` or, for the demo,
``tests/system/test_demo.py``). The producer runs the real thing, normalises what changes from
run to run (OCIDs the emulator makes up, times, eTags, page tokens) and calls
:func:`check`, which compares every block marked NAME in README.md and docs/reference.md
with that output. With ``UPDATE_DOCS=1`` (``make docs-examples``) it rewrites the blocks
instead, so after a deliberate change the documents are regenerated, never hand-edited.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import ROOT

DOCUMENTS = (ROOT / "README.md", ROOT / "docs" / "reference.md")
WIDTH = 92  # a rendered JSON line longer than this is broken
HANG_AFTER = 40  # members of a bracket opened further right go on lines of their own
BLOCK = re.compile(r"^<!-- example: (?P<name>[\w-]+)\b[^\n]*-->\n```(?P<lang>\w*)\n"
                   r"(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
UPDATING = os.environ.get("UPDATE_DOCS") == "1"


@dataclass(frozen=True)
class Block:
    document: Path
    line: int
    name: str
    body: str

    def where(self) -> str:
        return f"{self.document.relative_to(ROOT)} line {self.line} (<!-- example: {self.name} -->)"


def blocks(name: str | None = None) -> list[Block]:
    found = []
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            if name is None or match["name"] == name:
                line = text.count("\n", 0, match.start()) + 1
                found.append(Block(document, line, match["name"], match["body"]))
    return found


def check(name: str, produced: str) -> None:
    """Every block marked ``name`` shows ``produced``; with UPDATE_DOCS=1, make it so."""
    produced = produced.rstrip("\n") + "\n"
    marked = blocks(name)
    assert marked, f"no block is marked <!-- example: {name} --> in README.md or docs/reference.md"
    if UPDATING:
        for document in {block.document for block in marked}:
            _rewrite(document, name, produced)
        return
    for block in marked:
        if block.body != produced:
            diff = "\n".join(difflib.unified_diff(
                block.body.splitlines(), produced.splitlines(), "in the document",
                "what the code produces", lineterm=""))
            raise AssertionError(
                f"{block.where()} differs from what the code produces:\n{diff}\n\n"
                "If the change is intended, regenerate the blocks: make docs-examples")


def _rewrite(document: Path, name: str, produced: str) -> None:
    text = document.read_text(encoding="utf-8")

    def replace(match: re.Match[str]) -> str:
        if match["name"] != name:
            return match[0]
        head = match[0][:match.start("body") - match.start()]
        return f"{head}{produced}```"

    document.write_text(BLOCK.sub(replace, text), encoding="utf-8")


def render(value: Any, column: int = 0, indent: int = 0) -> str:
    """JSON as the documents show it: on one line when it fits in :data:`WIDTH`; else the
    members filled onto lines aligned under the opening bracket (or, when that is already far
    right, indented two spaces from the line's indentation ``indent``), a member that itself
    takes several lines starting a line of its own."""
    flat = json.dumps(value, ensure_ascii=False)
    if column + len(flat) <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    if isinstance(value, dict):
        members = [(json.dumps(key, ensure_ascii=False) + ": ", item)
                   for key, item in value.items()]
        opening, closing = "{", "}"
    else:
        members = [("", item) for item in value]
        opening, closing = "[", "]"
    if column < HANG_AFTER:
        base, out = column + 1, opening
    else:
        base = indent + 2
        out = opening + "\n" + " " * base
    at, alone = base, False  # the current column; whether the last member took lines
    for number, (prefix, item) in enumerate(members):
        one_line = prefix + json.dumps(item, ensure_ascii=False)
        if number and not alone and at + 2 + len(one_line) + 1 <= WIDTH:
            out, at = out + ", ", at + 2
        elif number:
            out, at = out + ",\n" + " " * base, base
        piece = prefix + render(item, at + len(prefix), base)
        out += piece
        alone = "\n" in piece
        at = len(piece.rsplit("\n", 1)[-1]) if alone else at + len(piece)
    return out + closing


class Normaliser:
    """Replaces what changes from run to run by stable example values, the same value by
    the same example everywhere in one output."""

    # Made-up OCIDs (the emulator's), times, eTags and page tokens.
    RUN_OCID = re.compile(r"ocid1\.datasciencejobrun\.oc1\.[a-z-]*\.[a-z0-9]+")
    TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
    TIMES = ("2026-11-24T06:00:02.123Z", "2026-11-24T06:01:15.480Z",
             "2026-11-24T06:07:42.905Z", "2026-11-24T06:09:03.311Z")

    def __init__(self, *, etags: tuple[str, ...] = (), pages: tuple[str, ...] = (),
                 replace: dict[str, str] | None = None) -> None:
        self.etags, self.pages, self.replace = etags, pages, replace or {}
        self.seen: dict[tuple[str, str], str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def text(self, text: str) -> str:
        text = self.RUN_OCID.sub(lambda m: self._stable("run", m[0]), text)
        text = self.TIME.sub(lambda m: self._stable("time", m[0]), text)
        for etag in self.etags:
            text = text.replace(etag, self._stable("etag", etag))
        for page in self.pages:
            text = text.replace(page, self._stable("page", page))
        for old, new in self.replace.items():
            text = text.replace(old, new)
        return text

    def _stable(self, kind: str, value: str) -> str:
        if (kind, value) not in self.seen:
            index = sum(1 for seen_kind, _ in self.seen if seen_kind == kind)
            self.seen[(kind, value)] = self._example(kind, index)
        return self.seen[(kind, value)]

    def _example(self, kind: str, index: int) -> str:
        if kind == "run":
            return f"ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun{index + 1}"
        if kind == "time":
            return self.TIMES[index % len(self.TIMES)]
        if kind == "etag":
            return f"199f8dbf-7e4a-4f0c-9c0b-{index + 1:012d}"
        return f"examplenextpagetoken{index + 1}"
