"""OCID shape checks: ``ocid1.<type>.<realm>.[region][.future].<unique id>``."""

from __future__ import annotations

import re

_OCID = re.compile(
    r"ocid1\.(?P<type>[a-z0-9]+)\.(?P<realm>[a-z0-9]+)\.(?P<region>[a-z0-9-]*)"
    r"(?:\.[a-z0-9-]+)?\.(?P<unique>[a-z0-9]+)\Z"
)
MAX_OCID_LENGTH = 255

# What a field may reference: a compartment can also be the tenancy (root compartment).
KINDS = {
    "datasciencejob": ("datasciencejob",),
    "datasciencejobrun": ("datasciencejobrun",),
    "datascienceproject": ("datascienceproject",),
    "compartment": ("compartment", "tenancy"),
    "loggroup": ("loggroup",),
    "log": ("log",),
    "subnet": ("subnet",),
}


def is_ocid(value: object, kind: str) -> bool:
    """True when ``value`` is a string shaped like an OCID of ``kind``."""
    if not isinstance(value, str) or len(value) > MAX_OCID_LENGTH:
        return False
    match = _OCID.match(value)
    return match is not None and match.group("type") in KINDS[kind]


def expected_form(kind: str) -> str:
    """How an OCID of ``kind`` starts, for messages: ``ocid1.compartment.… or ocid1.tenancy.…``."""
    return " or ".join(f"ocid1.{type_}.…" for type_ in KINDS[kind])
