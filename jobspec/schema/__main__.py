"""``python -m jobspec.schema``: regenerate jobspec.schema.json from the key tables
(``--check``: exit 1 when the file is not what the tables give)."""

from __future__ import annotations

import sys

from . import SCHEMA_PATH, render


def main(argv: list[str]) -> int:
    data = render().encode()  # UTF-8, "\n" line ends on every system
    if "--check" in argv:
        if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_bytes() != data:
            print(f"{SCHEMA_PATH} is out of date: run python -m jobspec.schema", file=sys.stderr)
            return 1
        return 0
    SCHEMA_PATH.write_bytes(data)
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
