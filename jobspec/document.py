"""A loaded spec document: its data, where each field was written, and which plain scalars
YAML 1.1 (what PyYAML and ADS read) and YAML 1.2 (most editors and other tools) read
differently.

Paths are tuples of mapping keys as written and list indexes, e.g.
``("spec", "runtime", "spec", "env", 2, "value")``; :func:`show` writes them the way an author
finds them in the file: ``spec.runtime.spec.env[2].value``.
"""

from __future__ import annotations

import re
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]
# Keys longer than this are cut in paths: a path names a field, it must not echo the spec.
MAX_KEY_SHOWN = 64

_TAG = "tag:yaml.org,2002:"
# YAML 1.2 core-schema spellings; a plain scalar PyYAML (YAML 1.1) resolves as a bool, int or
# float without matching these is read differently by YAML 1.2 tools, so it is ambiguous.
_CORE = {
    _TAG + "bool": re.compile(r"true|True|TRUE|false|False|FALSE\Z"),
    _TAG + "int": re.compile(r"[-+]?(0|[1-9][0-9]*)\Z"),
    _TAG + "float": re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z"),
}
# A plain scalar PyYAML reads as a string but YAML 1.2 as a bool or number (1e3, 0o17).
_CORE_NOT_STRING = re.compile(
    r"(true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)\Z")


def show(path: Path) -> str:
    """``("spec", "env", 2, "value")`` → ``spec.env[2].value``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if len(part) <= MAX_KEY_SHOWN else part[:MAX_KEY_SHOWN] + "…"
            text += f".{shown}" if text else shown
    return text


class Document:
    """A parsed spec. Positions and ambiguities are worked out from the node tree on first
    use: a valid spec without numbers or parameters never needs them."""

    def __init__(self, data: Any, root: Node | None = None,
                 read_problems: tuple[tuple[Path | None, str], ...] = ()) -> None:
        self.data = data
        # Problems found while reading the file (a tab in the indentation) when it could still
        # be read, so that its other problems are reported too.
        self.read_problems = read_problems
        self._root = root
        self._positions: dict[Path, tuple[int, int]] = {}
        self._ambiguous: dict[Path, str] = {}
        self._walked = root is None

    @classmethod
    def from_nodes(cls, data: Any, root: Node | None) -> Document:
        return cls(data, root)

    def field_at(self, line: int) -> Path | None:
        """The innermost key or list item written on ``line``, if any (the first on it)."""
        on_line = [path for path, (at, _column) in self.positions.items() if at == line]
        return max(on_line, key=len) if on_line else None

    @property
    def positions(self) -> dict[Path, tuple[int, int]]:
        """(line, column), 1-based, of every key and list item."""
        self._walk_once()
        return self._positions

    @property
    def ambiguous(self) -> dict[Path, str]:
        """Plain scalars YAML 1.1 and YAML 1.2 read differently → the YAML 1.1 kind."""
        self._walk_once()
        return self._ambiguous

    def position(self, path: Path) -> tuple[int, int]:
        """Where ``path`` (or, when it is missing, its nearest written parent) was written."""
        positions = self.positions
        while path:
            if path in positions:
                return positions[path]
            path = path[:-1]
        return (0, 0)

    def _walk_once(self) -> None:
        if not self._walked:
            self._walked = True
            if self._root is not None:
                self._walk(self._root, ())

    def _walk(self, node: Node, path: Path) -> None:
        if isinstance(node, MappingNode):
            for key_node, value_node in node.value:
                child = (*path, str(key_node.value))
                self._positions[child] = _mark(key_node)
                self._walk(value_node, child)
        elif isinstance(node, SequenceNode):
            for i, item in enumerate(node.value):
                child = (*path, i)
                self._positions[child] = _mark(item)
                self._walk(item, child)
        elif isinstance(node, ScalarNode) and not node.style:  # plain: None, or '' from libyaml
            kind = _ambiguous_kind(node)
            if kind is not None:
                self._ambiguous[path] = kind


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _ambiguous_kind(node: ScalarNode) -> str | None:
    pattern = _CORE.get(node.tag)
    if pattern is not None:
        special_float = (node.tag == _TAG + "float"
                         and node.value.lower().lstrip("+-") in (".inf", ".nan"))
        ambiguous = not pattern.match(node.value) and not special_float
    else:
        ambiguous = node.tag == _TAG + "str" and bool(_CORE_NOT_STRING.match(node.value))
    if not ambiguous:
        return None
    return node.tag[len(_TAG):].replace("str", "string")
