"""Runs a python runtime's entrypoint in the child process, as ADS's ``driver_utils.JobRunner``
does: ``python -I -u -B script_boot.py CONFIG ARG…``.

Started with ``-I`` (no ``PYTHON*`` variables, no user site, not this file's folder on
``sys.path``), so it imports nothing but the standard library. CONFIG is JSON:
``{"entrypoint": abs path, "function": name or null, "path": [abs folders]}``; the folders
(the working folder, ``pythonPath``, the code folder) are appended to ``sys.path`` as ADS
appends them. Without a function the entrypoint runs as ``__main__`` with the arguments in
``sys.argv``; with one, the entrypoint is imported and the function called with the
arguments parsed as ADS parses them (``--key value`` → ``key="value"``, ``--flag`` →
``flag=None``, the rest positional).
"""

from __future__ import annotations

import importlib.util
import json
import runpy
import sys
from typing import Any


def parse_arguments(argv: list[str]) -> tuple[list[str], dict[str, Any]]:
    """ADS's ``driver_utils.ArgumentParser.parse``."""
    args: list[str] = []
    kwargs: dict[str, Any] = {}
    key = None
    for arg in argv:
        if len(arg) > 2 and arg.startswith("--"):
            key = arg[2:]
            kwargs[key] = None
        elif key:
            kwargs[key] = arg
            key = None
        else:
            args.append(arg)
    return args, kwargs


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    arguments = argv[1:]
    entrypoint: str = config["entrypoint"]
    for folder in config["path"]:
        if folder not in sys.path:
            sys.path.append(folder)
    function = config.get("function")
    if not function:
        sys.argv = [entrypoint, *arguments]
        runpy.run_path(entrypoint, run_name="__main__")
        return 0
    spec = importlib.util.spec_from_file_location("module", entrypoint)
    if spec is None or spec.loader is None:
        print(f"cannot import {entrypoint}", file=sys.stderr)
        return 2
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    method = getattr(module, function, None)
    if not callable(method):
        print(f"entryFunction {function} is not a function of the entrypoint", file=sys.stderr)
        return 2
    args, kwargs = parse_arguments(arguments)
    method(*args, **kwargs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
