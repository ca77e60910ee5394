"""How the demo prints: numbered steps, indented blocks, short OCIDs, notebook cells."""

from __future__ import annotations

from typing import Any


def step(number: int, text: str) -> None:
    print(f"\n== {number}. {text}", flush=True)


def show_lines(text: str, prefix: str) -> None:
    for line in text.splitlines():
        print(prefix + line)


def short_ocid(ocid: str) -> str:
    """``ocid1.datasciencejobrun…df6ca0``: the resource type and the last characters, enough
    to tell runs apart in one screen of output (the full OCID is printed once)."""
    parts = ocid.split(".")
    if len(parts) < 3 or len(ocid) <= 40:
        return ocid
    return f"{parts[0]}.{parts[1]}…{ocid[-6:]}"


def notebook_cells(notebook: dict[str, Any]) -> str:
    """An executed notebook's code cells with their text outputs and errors, as lines."""
    from job.notebook import cell_text

    lines: list[str] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        label = " (injected-parameters)" if "injected-parameters" in tags else ""
        source = "".join(cell.get("source", ""))
        lines.append(f"   In [{cell.get('execution_count') or ' '}]{label}: "
                     + source.replace("\n", "\n          "))
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                lines.append(f"      ! {output.get('ename')}: {output.get('evalue')}")
        lines.extend("      > " + line for line in cell_text(cell).splitlines())
    return "\n".join(lines)
