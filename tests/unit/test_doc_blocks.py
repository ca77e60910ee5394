"""The block machinery itself: finding, comparing, rewriting, rendering, normalising."""

from __future__ import annotations

import json

import pytest

from tests.support import docblocks as blocks
from tests.support.docblocks import Normaliser, render

DOCUMENT = """# A page

<!-- example: answer (checked) -->
```json
{"ok": true}
```

<!-- example: other -->
```
left alone
```
"""


@pytest.fixture
def page(tmp_path, monkeypatch):
    path = tmp_path / "page.md"
    path.write_text(DOCUMENT)
    monkeypatch.setattr(blocks, "ROOT", tmp_path)
    monkeypatch.setattr(blocks, "DOCUMENTS", (path,))
    return path


def test_a_block_that_differs_is_named_with_its_line_and_the_difference(page, monkeypatch):
    monkeypatch.setattr(blocks, "UPDATING", False)
    blocks.check("answer", '{"ok": true}')
    with pytest.raises(AssertionError) as failure:
        blocks.check("answer", '{"ok": false}')
    message = str(failure.value)
    assert message.startswith("page.md line 3 (<!-- example: answer -->) differs from what "
                              "the code produces:")
    assert '-{"ok": true}\n+{"ok": false}' in message
    assert message.endswith("regenerate the blocks: make docs-examples")


def test_updating_rewrites_only_the_named_blocks(page, monkeypatch):
    monkeypatch.setattr(blocks, "UPDATING", True)
    blocks.check("answer", '{"ok": false}')
    assert page.read_text() == DOCUMENT.replace('{"ok": true}', '{"ok": false}')


def test_a_name_no_block_carries_fails(page):
    with pytest.raises(AssertionError, match="no block is marked <!-- example: missing -->"):
        blocks.check("missing", "x")


def test_render_fills_lines_and_breaks_what_does_not_fit():
    value = {"ok": True, "names": ["a" * 30, "b" * 30, "c" * 30], "n": 1}
    text = render(value)
    assert json.loads(text) == value
    assert max(len(line) for line in text.splitlines()) <= blocks.WIDTH
    assert text == ('{"ok": true,\n'
                    ' "names": ["' + "a" * 30 + '", "' + "b" * 30 + '",\n'
                    '           "' + "c" * 30 + '"],\n'
                    ' "n": 1}')  # after a member that took lines, a line of its own


def test_the_normaliser_maps_each_value_to_one_example_everywhere():
    run = "ocid1.datasciencejobrun.oc1.phx." + "f" * 60
    normalise = Normaliser(etags=("e-1",))
    assert normalise({"a": run, "b": [run, "2026-12-05T07:00:00.5Z"], "c": "e-1"}) == {
        "a": "ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun1",
        "b": ["ocid1.datasciencejobrun.oc1.phx.amaaaaaaexamplerun1", Normaliser.TIMES[0]],
        "c": "199f8dbf-7e4a-4f0c-9c0b-000000000001"}
