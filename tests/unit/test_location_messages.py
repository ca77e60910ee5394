"""Every refusal of a spec location, with the exact message the caller reads (they reach
error answers and the lint output, so they are part of the contract), and the limits at
their exact edge."""

from __future__ import annotations

import pytest

from ocirefs.locations import (
    MAX_LOCATION_LENGTH,
    MAX_OBJECT_NAME_BYTES,
    LocationError,
    location_of,
    parse_allow_entry,
    parse_location,
)

HOST = "https://objectstorage.us-phoenix-1.oraclecloud.com"
DEDICATED = "https://ns.objectstorage.us-phoenix-1.oci.customer-oci.com"


@pytest.mark.parametrize(("text", "message"), [
    (None, "specLocation must be a string"),
    ("   ", "specLocation is empty"),
    ("oci://b@ns/a\x01b", "specLocation contains control characters"),
    ("s3://b@ns/a", "specLocation must be oci://bucket@namespace/object or an Object "
                    "Storage https URL"),
    ("oci://bucket-ns/a", "expected oci://bucket@namespace/object"),
    ("oci://b@ns", "the location names no object"),
    ("oci://b@ns/", "the location names no object"),
    (f"{HOST}/n/ns/b/b/o/a?x=1", "Object Storage URLs with a query or fragment are not "
                                 "accepted"),
    (f"{HOST}/n/ns/b/b/o/a#top", "Object Storage URLs with a query or fragment are not "
                                 "accepted"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com?x/n/ns/b/b/o/a",
     "Object Storage URLs with a query or fragment are not accepted"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com#x",
     "Object Storage URLs with a query or fragment are not accepted"),
    (f"{HOST}/p/secret-token/n/ns/b/b/o/a",
     "pre-authenticated request URLs are not accepted: give the object's "
     "oci://bucket@namespace/object location and grant the function read access"),
    ("https://example.com/n/ns/b/b/o/a", "the URL host is not an Object Storage endpoint"),
    (f"{HOST}/n/ns/b/b/a", "expected an Object Storage URL of the form "
                           "/n/<ns>/b/<bucket>/o/<object>"),
    (f"{HOST}/n/ns/b/b/o/%ff", "the URL path is not valid percent-encoded UTF-8"),
    (f"{DEDICATED}/n/other/b/b/o/a", "the URL host and path name different namespaces"),
    ("oci://b@NS/a", "the namespace is not a valid Object Storage namespace"),
    ("oci://b!@ns/a", "the bucket name is not a valid Object Storage bucket name"),
    ("oci://.@ns/a", "the bucket name is not a valid Object Storage bucket name"),
    ("oci://..@ns/a", "the bucket name is not a valid Object Storage bucket name"),
    (f"{HOST}/n/ns/b/b/o/a%0Ab", "the object name contains control characters"),
    ("oci://b@ns/a/./b", "the object name must not contain '.' or '..' path segments"),
    ("oci://b@ns/a/../b", "the object name must not contain '.' or '..' path segments"),
    (f"{HOST}/n/ns/b/b/o/%ed%a0%80", "the URL path is not valid percent-encoded UTF-8"),
])
def test_a_refused_location_says_why_in_words(text, message):
    with pytest.raises(LocationError) as raised:
        parse_location(text)
    assert str(raised.value) == message


def test_an_object_name_that_is_not_utf8_is_refused():
    with pytest.raises(LocationError) as raised:
        location_of("ns", "b", "a\udcff")
    assert str(raised.value) == "the object name is not valid UTF-8"


def test_a_location_of_exactly_the_maximum_length_is_accepted():
    # percent-encoded, so that the object name stays within its own limit
    prefix = f"{HOST}/n/ns/b/b/o/"
    room = MAX_LOCATION_LENGTH - len(prefix)
    exact = prefix + "%61" * (room // 3) + "a" * (room % 3)
    assert len(exact) == MAX_LOCATION_LENGTH
    assert parse_location(exact).object == "a" * (room // 3 + room % 3)
    with pytest.raises(LocationError) as raised:
        parse_location(exact + "a")
    assert str(raised.value) == f"specLocation is longer than {MAX_LOCATION_LENGTH} characters"


def test_an_object_name_of_exactly_the_maximum_bytes_is_accepted():
    name = "é" * (MAX_OBJECT_NAME_BYTES // 2)
    assert parse_location(f"oci://b@ns/{name}").object == name
    with pytest.raises(LocationError) as raised:
        parse_location(f"oci://b@ns/{name}a")
    assert str(raised.value) == f"the object name is longer than {MAX_OBJECT_NAME_BYTES} bytes"


def test_the_scheme_is_case_insensitive_and_read_from_its_own_characters():
    assert parse_location("OCI://b@ns/x").uri == "oci://b@ns/x"
    assert parse_location("HTTPS://objectstorage.us-phoenix-1.oraclecloud.com/n/ns/b/b/o/x"
                          ).region == "us-phoenix-1"


def test_a_bucket_name_may_not_hold_an_at_sign_the_namespace_is_after_the_last_one():
    with pytest.raises(LocationError) as raised:
        parse_location("oci://a@b@ns/x")
    assert str(raised.value) == "the bucket name is not a valid Object Storage bucket name"


def test_an_event_location_needs_an_object():
    with pytest.raises(LocationError) as raised:
        location_of("ns", "b", "")
    assert str(raised.value) == "the location names no object"


def test_an_https_location_needs_an_object():
    with pytest.raises(LocationError):
        parse_location(f"{HOST}/n/ns/b/b/o/")


@pytest.mark.parametrize("entry", ["s3:///specs@ns/daily/", "oci://b@ns/a\x00"])
def test_an_allow_list_entry_is_an_oci_prefix_without_control_characters(entry):
    with pytest.raises(LocationError) as raised:
        parse_allow_entry(entry)
    assert str(raised.value) == "expected oci://bucket@namespace/prefix"


def test_an_allow_list_entry_may_name_a_whole_bucket():
    entry = parse_allow_entry("oci://specs@ns")
    assert (entry.bucket, entry.namespace, entry.object) == ("specs", "ns", "")
