"""``-X importtime`` of the function process and of the baseline, and the import rule.

Both are measured the way they really run: the fdk process started from
``func.yaml``'s entrypoint with ``PYTHONPROFILEIMPORTTIME=1`` (the environment form
of ``-X importtime``) and sent one ``run`` call, since the fdk loads
``func/handler.py`` by path on the first call and the SDK modules are imported
on first use; the baseline script likewise runs one cold iteration.

``-X importtime`` also lists imports that were attempted and not found (optional
accelerators such as ``brotli`` or ``uvloop``); they count as modules here, and an
attempt at a forbidden package counts as importing it.

The rule (:func:`check`):

- no ``ads``, ``pandas`` or ``numpy`` module, ever;
- no OCI service package beyond ``oci.data_science``, ``oci.object_storage`` and
  ``oci.dns`` (``oci.pagination`` imports it) and whatever the bare-SDK baseline
  itself pulls in; a service package is an ``oci`` sub-package with a ``models``
  package;
- every module the function imports that the baseline does not is the function's
  own (``func.*``, ``jobspec.*``, ``ociplatform.*``), from the standard library, or a
  submodule of a distribution the baseline already loads (e.g. the fdk's
  ``fdk.context``/``fdk.response``, which its server imports only on the first call):
  no new third-party package.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path

ALLOWED_SERVICES = frozenset({"data_science", "object_storage", "dns"})
FORBIDDEN = frozenset({"ads", "pandas", "numpy"})
OWN_PACKAGES = frozenset({"func", "jobspec", "ociplatform", "ocirefs"})
_PREFIX = "import time:"


@dataclass(frozen=True)
class Entry:
    name: str
    self_us: int
    cumulative_us: int
    depth: int


@dataclass
class Profile:
    entries: list[Entry] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Profile:
        entries = []
        for line in text.splitlines():
            if not line.startswith(_PREFIX):
                continue
            parts = line[len(_PREFIX):].split("|")
            if len(parts) != 3 or not parts[0].strip().isdigit():
                continue  # the header line
            raw = parts[2].rstrip()
            name = raw.lstrip()
            depth = (len(raw) - len(name) - 1) // 2
            entries.append(Entry(name, int(parts[0]), int(parts[1]), depth))
        return cls(entries)

    @property
    def modules(self) -> set[str]:
        return {entry.name for entry in self.entries}

    @property
    def total_ms(self) -> float:
        """Wall time spent importing: the sum of the outermost imports."""
        top = min((entry.depth for entry in self.entries), default=0)
        return sum(e.cumulative_us for e in self.entries if e.depth == top) / 1000

    def top(self, count: int = 10) -> list[Entry]:
        return sorted(self.entries, key=lambda entry: -entry.cumulative_us)[:count]


def oci_services(modules: set[str]) -> set[str]:
    """The OCI service packages (``oci.<x>`` with a ``models`` package) in ``modules``."""
    spec = importlib.util.find_spec("oci")
    root = Path(spec.origin).parent if spec and spec.origin else None
    services = set()
    for name in modules:
        parts = name.split(".")
        if len(parts) >= 2 and parts[0] == "oci" and root is not None \
                and (root / parts[1] / "models").is_dir():
            services.add(parts[1])
    return services


def _stdlib(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


@dataclass
class Verdict:
    ok: bool
    services: list[str]
    extra_services: list[str]
    forbidden: list[str]
    extra_own: int
    extra_stdlib: list[str]
    extra_known: list[str]
    extra_other: list[str]

    def summary(self) -> str:
        text = (f"beyond the baseline: {self.extra_own} func.*, {len(self.extra_stdlib)} "
                f"stdlib, {len(self.extra_known)} more of its own packages "
                f"({', '.join(_packages(self.extra_known)) or '-'}), "
                f"{len(self.extra_other)} new third-party; "
                f"OCI services: {', '.join(self.services) or 'none'}")
        if self.extra_services:
            text += f"; UNEXPECTED services: {', '.join(self.extra_services)}"
        if self.forbidden:
            text += f"; FORBIDDEN: {', '.join(self.forbidden[:5])}"
        if self.extra_other:
            text += f"; UNEXPECTED third-party: {', '.join(self.extra_other[:8])}"
        return text


def check(function: Profile, baseline: Profile) -> Verdict:
    ours, theirs = function.modules, baseline.modules
    services = oci_services(ours)
    extra_services = sorted(services - ALLOWED_SERVICES - oci_services(theirs))
    forbidden = sorted(name for name in ours if name.split(".")[0] in FORBIDDEN)
    extra = ours - theirs
    own = {name for name in extra if name.split(".")[0] in OWN_PACKAGES}
    stdlib = sorted(name for name in extra - own if _stdlib(name))
    loaded = {name.split(".")[0] for name in theirs}
    known = sorted(name for name in extra - own - set(stdlib) if name.split(".")[0] in loaded)
    other = sorted(extra - own - set(stdlib) - set(known))
    return Verdict(ok=not (extra_services or forbidden or other), services=sorted(services),
                   extra_services=extra_services, forbidden=forbidden, extra_own=len(own),
                   extra_stdlib=stdlib, extra_known=known, extra_other=other)


def _packages(names: list[str]) -> list[str]:
    return sorted({name.split(".")[0] + ".*" for name in names})
