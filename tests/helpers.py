"""Small helpers shared by the test suites."""

from __future__ import annotations

import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"


def load_event(name: str):
    """A canned call from tests/events/: parsed JSON, or the raw text of a .txt file."""
    path = EVENTS / name
    return path.read_text() if path.suffix == ".txt" else json.loads(path.read_text())


def event_bytes(name: str) -> bytes:
    return (EVENTS / name).read_bytes()
