"""The reserved environment names as the docs and the other checks read them (the scan of the
container's lookups and the docs comparison are in tests/security/test_reserved_names.py)."""

from __future__ import annotations

from jobspec.reserved import NAMES, PATTERNS, described, is_reserved


def test_a_reserved_name_or_pattern_is_reserved_an_authors_name_is_not():
    assert is_reserved("PATH") and is_reserved("OCI_CONFIG_FILE") and is_reserved("http_proxy")
    assert not is_reserved("REPORT_DATE")


def test_a_pattern_matches_in_any_case_only_when_it_says_so():
    assert is_reserved("HTTPS_PROXY") and is_reserved("https_proxy")
    # variable names are case-sensitive: the SDK and Python read only OCI_*, PYTHON*
    assert not is_reserved("oci_region") and not is_reserved("pythonpath")


def test_the_described_list_is_every_name_then_every_pattern_with_its_reason():
    entries = described()
    assert entries[:len(NAMES)] == list(NAMES.items())
    assert entries[len(NAMES):] == [(pattern.shown, pattern.reason) for pattern in PATTERNS]
    assert entries[0] == ("TENANCY_OCID", "it is set by Data Science on every job run")
    assert entries[-1] == ("MALLOC_*", "the C library's allocator reads MALLOC_*")
    assert ("*_PROXY", "HTTP clients send every request through the proxy it names (any case: "
                       "http_proxy too)") in entries
