"""Characters a job run's strings can't carry.

A lone surrogate (``"\\ud800"``, written as a JSON or YAML escape) is not a character: UTF-8
can't encode it, so a body or log line holding one can't be written. Control characters
(NUL, ESC, …) in names, tags and display names are never meant and can corrupt what shows
them. Environment values and arguments keep tab and newline, which ADS accepts there.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_TAB_NEWLINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def character_problem(text: str, *, keep_tab_newline: bool = False) -> str | None:
    """Why ``text`` can't be carried (never quoting it), or None."""
    if has_surrogate(text):
        return "holds a lone surrogate (a \\ud800-\\udfff escape), which UTF-8 can't carry"
    control = _CONTROL_BUT_TAB_NEWLINE if keep_tab_newline else _CONTROL
    found = control.search(text)
    if found is not None:
        allowed = " (tab and newline are allowed)" if keep_tab_newline else ""
        return f"holds the control character U+{ord(found.group()):04X}{allowed}"
    return None
