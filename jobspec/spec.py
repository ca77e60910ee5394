"""Job specs: parse and validate the YAML a notebook run is described by.

Two dialects, told apart by shape:

- **flat** (the original container's format): ``noteBook``, ``jobName``, ``logGroupId``,
  ``logId``, ``projectId``, ``compartmentId``, ``outputFolder`` and the container's
  ``parameters``, ``excludeTags``, ``notebookEncoding`` (:mod:`jobspec.flat`);
- **ADS job YAML** (``kind: job``), read as oracle-ads reads it (:mod:`jobspec.ads`).

Everything here is pure: :func:`parse_spec` turns bytes into a :class:`JobSpec` — the job
run's settings and the container's keys — or raises :class:`~jobspec.errors.SpecInvalid`
listing every problem found, in file order. The function, the lint command
(``python -m jobspec FILE…``) and the job container all call it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .ads import INFRASTRUCTURE_TYPES, MAX_ARGUMENTS, MIN_BLOCK_STORAGE_GB, read_ads
from .document import Document, Path
from .env import MAX_ENV_TOTAL, env_problem, env_size, env_value_problem
from .errors import Problem, SpecInvalid, SpecTooLarge
from .flat import read_flat
from .keys import FLAT
from .limits import DEFAULT_MAX_SPEC_BYTES, DEFAULT_SPEC_ENV_VAR, ETAG_ENV_VAR, CostLimits
from .model import MAX_DISPLAY_NAME, Infrastructure, JobSpec
from .problems import Checker, tab_problem, type_name
from .yamlsafe import TabInIndentation, YamlProblem, load_with_nodes

__all__ = [
    "INFRASTRUCTURE_TYPES", "MAX_ARGUMENTS", "MAX_DISPLAY_NAME", "MAX_ENV_TOTAL",
    "MIN_BLOCK_STORAGE_GB", "Infrastructure", "JobSpec", "env_problem", "env_size",
    "env_value_problem", "load_document", "parse_spec", "type_name",
]


def load_document(data: bytes, *, max_bytes: int = DEFAULT_MAX_SPEC_BYTES) -> Document:
    """Bytes → a mapping document; raise SpecTooLarge or SpecInvalid (one problem)."""
    if len(data) > max_bytes:
        raise SpecTooLarge(f"the spec is larger than {max_bytes} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SpecInvalid([Problem(None, "the spec is not valid UTF-8")]) from None
    read_problems: tuple[tuple[Path | None, str], ...] = ()
    try:
        doc, root = load_with_nodes(text)
    except TabInIndentation as exc:
        if exc.expanded is None or not isinstance(exc.expanded[0], dict):
            raise SpecInvalid([Problem(None, f"invalid YAML: {exc}")]) from None
        # Report the tab, and check the rest of the file as if it were spaces.
        doc, root = exc.expanded
        read_problems = (tab_problem(Document.from_nodes(doc, root), exc),)
    except YamlProblem as exc:
        raise SpecInvalid([Problem(None, f"invalid YAML: {exc}")]) from None
    if doc is None:
        raise SpecInvalid([Problem(None, "the spec is empty")])
    if not isinstance(doc, dict):
        raise SpecInvalid([Problem(None, "expected a mapping at the top level, got "
                                         f"{type_name(doc)}")])
    return Document(doc, root, read_problems)


def parse_spec(data: bytes, *, max_bytes: int = DEFAULT_MAX_SPEC_BYTES,
               spec_env_var: str = DEFAULT_SPEC_ENV_VAR,
               launcher_env: Mapping[str, str] | None = None,
               limits: CostLimits | None = None) -> JobSpec:
    """Validate a spec; raise SpecTooLarge or SpecInvalid (with every problem).

    ``launcher_env`` is what the launcher adds to the run's environment (the spec's location
    and eTag) when the caller knows it: the function and the job container do, so they agree
    on the environment's size limit; the lint command does not. ``limits``: the
    deployment's cost limits (the function's configuration); None checks none.
    """
    document = load_document(data, max_bytes=max_bytes)
    doc = document.data
    check = Checker(document)
    if "kind" in doc or "spec" in doc:
        room = MAX_ENV_TOTAL - env_size((launcher_env or {}).items())
        spec = read_ads(doc, check, frozenset({spec_env_var, ETAG_ENV_VAR}), room, limits)
    elif any(FLAT.resembles(key) for key in doc):
        spec = read_flat(doc, check)
    else:
        raise SpecInvalid([Problem(None, "unrecognised spec: expected the flat keys (noteBook, "
                                         "jobName, …) or an ADS job YAML (kind: job)")])
    if check.count:
        raise SpecInvalid(check.problems())
    return spec
