"""Lint spec files on disk with the library's own rules: ``jobspec FILE…`` (installed with
``pip install``) or ``python -m jobspec FILE…`` (from a checkout).

Prints ``file: field: message`` for every problem (``file: message`` for a problem of the
whole file: unreadable, too large, not YAML), then ``N files OK, M with problems``; exits 1
when any file has a problem, 2 on a usage error.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR

if TYPE_CHECKING:
    from .errors import Problem

MISSING_YAML = ("jobspec needs PyYAML, which is not installed in this Python ({python}): "
                "pip install PyYAML==6.0.2, or install the spec library with its dependency "
                "(pip install <path or URL of the launcher repository>)")


def lint(paths: list[str], *, max_bytes: int, spec_env_var: str,
         out: TextIO | None = None) -> int:
    """Print ``file: field: message`` per problem and the summary (to stdout by default,
    looked up at each print, as print does: a caller may have replaced it); return the bad
    files."""
    from .errors import SpecInvalid, SpecTooLarge
    from .spec import parse_spec

    bad = 0
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
            parse_spec(data, max_bytes=max_bytes, spec_env_var=spec_env_var)
        except OSError as exc:
            print(f"{path}: cannot read ({exc.strerror})", file=out)
            bad += 1
        except SpecInvalid as exc:
            for problem in exc.problems:
                print(line(path, problem), file=out)
            bad += 1
        except SpecTooLarge as exc:
            print(f"{path}: {exc.message}", file=out)
            bad += 1
    print(f"{len(paths) - bad} files OK, {bad} with problems", file=out)
    return bad


def line(path: str, problem: Problem) -> str:
    """``file: field: message``, or ``file: message`` for a problem of the whole file."""
    return f"{path}: {problem.field}: {problem.message}" if problem.field \
        else f"{path}: {problem.message}"


def main(argv: list[str] | None = None) -> int:
    import argparse
    import os

    parser = argparse.ArgumentParser(
        prog="jobspec" if os.path.basename(sys.argv[0]) == "jobspec" else "python -m jobspec",
        description="Check job spec files (flat or ADS job YAML) with the launcher's own "
                    "validation, offline: one line per problem (file: field: message), in the "
                    "order the fields appear, then the count of files. Exit status: 0 when "
                    "every file is valid, 1 when any has a problem, 2 on a usage error.")
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="spec files to check (YAML, as uploaded to Object Storage)")
    parser.add_argument(
        "--max-spec-bytes", type=int, metavar="N",
        default=int(os.environ.get("MAX_SPEC_BYTES") or DEFAULT_MAX_SPEC_BYTES),
        help="refuse files larger than N bytes, as the function does (default: the "
             f"MAX_SPEC_BYTES environment variable, else {DEFAULT_MAX_SPEC_BYTES})")
    parser.add_argument(
        "--spec-env-var", metavar="NAME",
        default=os.environ.get("SPEC_ENV_VAR") or DEFAULT_SPEC_ENV_VAR,
        help="the environment variable the launcher passes the spec's location in, which a "
             "spec may not set itself (default: the SPEC_ENV_VAR environment variable, else "
             f"{DEFAULT_SPEC_ENV_VAR})")
    args = parser.parse_args(argv)
    try:
        import yaml  # noqa: F401 - the one dependency: say so plainly when it is missing
    except ModuleNotFoundError:
        print(MISSING_YAML.format(python=sys.executable), file=sys.stderr)
        return 2
    bad = lint(args.files, max_bytes=args.max_spec_bytes, spec_env_var=args.spec_env_var)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
