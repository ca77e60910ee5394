"""Collecting problems while reading a spec: typed reads that never raise, messages that say
what to write instead, and the final list in the order the fields appear in the file."""

from __future__ import annotations

import datetime
from typing import Any

from ocirefs.ocids import expected_form, is_ocid

from .chars import character_problem
from .document import Document, Path, show
from .errors import Problem
from .yamlsafe import TabInIndentation

_TYPE_NAMES: dict[type, str] = {
    bool: "boolean", int: "integer", float: "number", str: "string", list: "list",
    dict: "mapping", type(None): "null", datetime.date: "date", datetime.datetime: "date-time",
}
# Plain scalars YAML reads as something other than a string: quoting them makes them strings.
_UNQUOTED = (bool, int, float, datetime.date)


def type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def expected(kind: str, value: Any) -> str:
    """``expected a string, got boolean; …`` with what to write instead, where that is clear."""
    article = "an" if kind[0] in "aeiou" else "a"
    return f"expected {article} {kind}, got {type_name(value)}{_fix(kind, value)}"


def _fix(kind: str, value: Any) -> str:
    """What to write instead of ``value`` where ``kind`` is expected ('' when unclear). It
    never repeats the value: a message must not echo the spec."""
    if kind == "string" and isinstance(value, bool):
        return " (YAML 1.1 reads yes/no/on/off/true/false as booleans); quote it"
    if kind == "string" and isinstance(value, _UNQUOTED):
        return "; quote it"
    if kind in ("integer", "number") and isinstance(value, str) and _is_number(value, kind):
        return "; write it without quotes"
    if kind == "integer" and isinstance(value, float):
        return "; write a whole number"
    if kind.startswith("list") and isinstance(value, (str, *_UNQUOTED)):
        if isinstance(value, str):
            return "; write a list: [a, b], or one item per line as - a"
        return "; write a list of quoted items: ['1', '2'], or one item per line as - '1'"
    return ""


def _is_number(text: str, kind: str) -> bool:
    try:
        (int if kind == "integer" else float)(text.strip())
    except ValueError:
        return False
    return True


class Checker:
    """Reads typed values out of a document, collecting every problem instead of raising."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self._found: list[tuple[Path | None, str]] = list(document.read_problems)

    def problem(self, path: Path | None, message: str) -> None:
        self._found.append((path, message))

    @property
    def count(self) -> int:
        return len(self._found)

    def problems(self) -> list[Problem]:
        """Every problem, in the order its field appears in the file (stable otherwise)."""
        def where(item: tuple[Path | None, str]) -> tuple[int, int]:
            return self.document.position(item[0]) if item[0] else (0, 0)
        return [Problem(show(path) if path else None, message)
                for path, message in sorted(self._found, key=where)]

    def typed(self, value: Any, path: Path, kind: type | tuple[type, ...], name: str) -> Any:
        """``value`` if it is of ``kind`` (booleans are never numbers), else a problem."""
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if value is None or (isinstance(value, bool) and bool not in kinds) \
                or not isinstance(value, kinds):
            self.problem(path, expected(name, value))
            return None
        return value

    # text, ocid and number read optional settings: an absent (None) value is no problem.

    def text(self, value: Any, path: Path, *, max_length: int | None = None) -> str | None:
        if value is None:
            return None
        text: str | None = self.typed(value, path, str, "string")
        if text is None:
            return None
        if not text.strip():
            self.problem(path, "must not be empty")
            return None
        if max_length and len(text) > max_length:
            self.problem(path, f"is longer than {max_length} characters")
            return None
        unusable = character_problem(text)
        if unusable:
            self.problem(path, unusable)
            return None
        return text

    def ocid(self, value: Any, path: Path, kind: str) -> str | None:
        if value is None:
            return None
        text: str | None = self.typed(value, path, str, "string")
        if text is not None and not is_ocid(text, kind):
            self.problem(path, f"expected a {kind} OCID ({expected_form(kind)})")
            return None
        return text

    def number(self, value: Any, path: Path) -> float | None:
        """A plain number (an integer is one too)."""
        number: float | None = self._plain(value, path, (int, float), "number")
        return number

    def integer(self, value: Any, path: Path) -> int | None:
        integer: int | None = self._plain(value, path, int, "integer")
        return integer

    def _plain(self, value: Any, path: Path, kind: type | tuple[type, ...], name: str) -> Any:
        """``value`` of ``kind``; YAML 1.1-only spellings (``012``, ``1_000``, ``1:30``)
        refused; an absent (None) value is no problem."""
        if value is None:
            return None
        number = self.typed(value, path, kind, name)
        if number is None:
            return None
        ambiguity = self.document.ambiguous.get(path)
        if ambiguity is not None:  # 012 (octal), 1_000, 1:30 (sexagesimal)
            self.problem(path, f"is read as a YAML 1.1 {ambiguity} but is ambiguous; write a "
                               "plain decimal number")
            return None
        return number


def ambiguous(kind: str) -> str:
    return (f"is read as a YAML 1.1 {kind} but is ambiguous; quote it for a string, or write "
            "it plainly (true/false, 10, 1.5)")


def tab_problem(document: Document, tab: TabInIndentation) -> tuple[Path | None, str]:
    """The tab as a problem of the field written on its line (the file read with spaces)."""
    path = document.field_at(tab.line) if tab.line is not None else None
    if path is None:
        return None, f"invalid YAML: {tab}"
    return path, f"{tab.REASON} (line {tab.line}, column {tab.column})"
