"""The repository's Python sources as syntax trees, parsed once per test session: several
checks (layers, vocabulary, the tests' own layout) read the same files."""

from __future__ import annotations

import ast
import functools
from pathlib import Path


@functools.cache
def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


@functools.cache
def nodes(path: Path) -> tuple[ast.AST, ...]:
    """Every node of the file, as ``ast.walk`` visits them."""
    return tuple(ast.walk(parsed(path)))
