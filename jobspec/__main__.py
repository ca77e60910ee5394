"""Lint spec files on disk with the library's own rules: ``python -m jobspec FILE…``.

Prints ``file: field: message`` for every problem, then ``N files OK, M with problems``;
exits 1 when any file has a problem.
"""

from __future__ import annotations

import sys
from typing import TextIO

from .errors import SpecInvalid, SpecTooLarge
from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR
from .spec import parse_spec


def lint(paths: list[str], *, max_bytes: int, spec_env_var: str,
         out: TextIO | None = None) -> int:
    """Print ``file: field: message`` per problem and the summary (to stdout by default,
    looked up at the call: a caller may have replaced it); return the bad files."""
    out = out or sys.stdout
    bad = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
            parse_spec(data, max_bytes=max_bytes, spec_env_var=spec_env_var)
        except OSError as exc:
            print(f"{path}: -: cannot read ({exc.strerror})", file=out)
            bad += 1
        except SpecInvalid as exc:
            for problem in exc.problems:
                print(f"{path}: {problem.field or '-'}: {problem.message}", file=out)
            bad += 1
        except SpecTooLarge as exc:
            print(f"{path}: -: {exc.message}", file=out)
            bad += 1
    print(f"{len(paths) - bad} files OK, {bad} with problems", file=out)
    return bad


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(
        prog="python -m jobspec",
        description="Validate job spec files with the launcher's own rules (no network).")
    parser.add_argument("files", nargs="+", metavar="FILE")
    parser.add_argument("--max-spec-bytes", type=int,
                        default=int(os.environ.get("MAX_SPEC_BYTES") or DEFAULT_MAX_SPEC_BYTES))
    parser.add_argument("--spec-env-var",
                        default=os.environ.get("SPEC_ENV_VAR") or DEFAULT_SPEC_ENV_VAR)
    args = parser.parse_args(argv)
    bad = lint(args.files, max_bytes=args.max_spec_bytes, spec_env_var=args.spec_env_var)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
