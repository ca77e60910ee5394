"""A strict, safe YAML loader for job specs.

With PyYAML's safe constructor (no Python objects, ever) it refuses what makes
a small file dangerous or ambiguous: anchors and aliases (billion laughs), explicit
tags, merge keys, duplicate keys, non-string keys, nesting deeper than
``MAX_DEPTH`` and more than one document. Errors carry a line and column but
never the document's text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import Event
from yaml.nodes import MappingNode, Node
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

MAX_DEPTH = 32
_MAX_KEY_IN_MESSAGE = 64


class YamlProblem(ValueError):
    """Why a document was refused; ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(where + message)
        self.line, self.column = line, column


class TabInIndentation(YamlProblem):
    """A tab where YAML reads indentation. ``expanded`` is the document read again with every
    indentation tab as :data:`TAB_WIDTH` spaces (data and nodes), when that reads, so that the
    rest of the file can still be checked; line numbers are the same in both readings."""

    REASON = "a tab character in the indentation: YAML indents with spaces only"

    def __init__(self, line: int | None, column: int | None,
                 expanded: tuple[Any, Node | None] | None) -> None:
        super().__init__(self.REASON, line, column)
        self.expanded = expanded


# The second reading of a file with tabs in its indentation takes a tab for one level of
# the two-space indentation specs are written with: a guess, only used to find more problems.
TAB_WIDTH = 2
_INDENTATION_WITH_TAB = re.compile(r"^[ \t]*\t[ \t]*", re.MULTILINE)


def _mark(node_or_event: Node | Event) -> tuple[int, int]:
    """Where a node or event starts (1-based)."""
    mark = node_or_event.start_mark
    assert mark is not None  # PyYAML and libyaml give every node and event a start mark
    return mark.line + 1, mark.column + 1


class PythonEventParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python event parser (used when libyaml is missing)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


def strict_loader(event_parser: type) -> type:
    """A loader class: events from ``event_parser``, composed and constructed in Python
    so that every node passes the checks below (libyaml's composer has no hooks)."""

    class StrictLoader(Composer, SafeConstructor, Resolver, event_parser):  # type: ignore[misc]
        def __init__(self, stream: str) -> None:
            event_parser.__init__(self, stream)  # type: ignore[misc]
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._depth = 0

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or event.anchor is not None:
                raise YamlProblem("anchors and aliases are not allowed", *_mark(event))
            tag = getattr(event, "tag", None)
            if tag not in (None, "!"):
                raise YamlProblem(
                    "explicit YAML tags are not allowed (quote a value to make it a string)",
                    *_mark(event),
                )
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise YamlProblem(f"nesting is deeper than {MAX_DEPTH} levels", *_mark(event))
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
            # Only a mapping node gets here: the other callers of construct_mapping are the
            # constructors of tags (!!set, !!omap, python/…), and tags are refused above.
            mapping = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlProblem("merge keys (<<) are not allowed", *_mark(key_node))
                key = self.construct_object(key_node, deep=deep)
                if not isinstance(key, str):
                    raise YamlProblem("mapping keys must be strings", *_mark(key_node))
                if key in mapping:
                    shown = key if len(key) <= _MAX_KEY_IN_MESSAGE \
                        else key[:_MAX_KEY_IN_MESSAGE] + "…"
                    raise YamlProblem(f"duplicate key {shown!r}", *_mark(key_node))
                mapping[key] = self.construct_object(value_node, deep=deep)
            return mapping

        def construct_object(self, node: Node, deep: bool = False) -> Any:
            try:
                return super().construct_object(node, deep=deep)
            except YamlProblem:
                raise
            except (ValueError, OverflowError):
                # int() beyond 4300 digits, a date that does not exist (2026-02-30): the
                # exception's text may quote the value, so only the kind is named.
                raise YamlProblem(_unreadable(node.tag), *_mark(node)) from None

    return StrictLoader


# libyaml's C event parser is ~6x faster than PyYAML's; PyYAML wheels ship it.
_StrictLoader = strict_loader(yaml._yaml.CParser if yaml.__with_libyaml__
                              else PythonEventParser)


def load(text: str, loader_class: type | None = None) -> Any:
    """Parse one YAML document strictly; raise :class:`YamlProblem`."""
    return load_with_nodes(text, loader_class)[0]


def load_with_nodes(text: str, loader_class: type | None = None) -> tuple[Any, Node | None]:
    """Parse one YAML document strictly: the data and the node tree it was built from (marks,
    scalar styles), from a single parse. Raise :class:`YamlProblem`."""
    loader = None
    try:
        loader = (loader_class or _StrictLoader)(text)
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
        return data, node
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        if mark is not None and _is_tab(text, mark.index):
            raise TabInIndentation(line, column, _expanded(text, loader_class)) from None
        message = ": ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlProblem(message or "invalid YAML", line, column) from None
    except ReaderError as exc:  # a character YAML does not allow (the only unmarked error)
        raise YamlProblem(f"{exc.reason} (character {exc.position})") from None
    except RecursionError:
        raise YamlProblem(f"nesting is deeper than {MAX_DEPTH} levels") from None
    # (A constructor's ValueError or OverflowError can't get here: every constructor runs
    # inside StrictLoader.construct_object, which names it with its line and column.)
    finally:
        if loader is not None:
            loader.dispose()


def _expanded(text: str, loader_class: type | None) -> tuple[Any, Node | None] | None:
    """``text`` read with its indentation tabs as spaces; None when it still does not read."""
    expanded = _INDENTATION_WITH_TAB.sub(lambda m: m.group().expandtabs(TAB_WIDTH), text)
    if expanded == text:
        return None
    try:
        return load_with_nodes(expanded, loader_class)
    except YamlProblem:
        return None


def _unreadable(tag: str) -> str:
    """Why a plain scalar could not be constructed. Only two of the safe constructors fail on
    one (tags, which would reach the others, are refused before): int() beyond 4300 digits and
    a date or time that does not exist."""
    if tag == "tag:yaml.org,2002:int":
        return ("an integer longer than Python reads (4300 digits); quote it to make it a "
                "string")
    return "a date or time that does not exist; quote it to make it a string"


def _is_tab(text: str, index: int) -> bool:
    """Whether the scanner stopped on a tab (PyYAML says "found character that cannot start
    any token" for a tab it meets where indentation is read)."""
    return 0 <= index < len(text) and text[index] == "\t"
