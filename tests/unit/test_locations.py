import pytest

from ocirefs.locations import LocationError, SpecLocation, parse_allow_entry, parse_location

CLASSIC = "https://objectstorage.us-phoenix-1.oraclecloud.com/n/myns/b/specs/o/"
DEDICATED = "https://myns.objectstorage.us-phoenix-1.oci.customer-oci.com/n/myns/b/specs/o/"


@pytest.mark.parametrize("text, obj, region", [
    ("oci://specs@myns/notebooks/daily.yaml", "notebooks/daily.yaml", None),
    ("  oci://specs@myns/a.yaml\n", "a.yaml", None),
    (CLASSIC + "notebooks/daily.yaml", "notebooks/daily.yaml", "us-phoenix-1"),
    (CLASSIC + "notebooks%2Fdaily.yaml", "notebooks/daily.yaml", "us-phoenix-1"),
    (DEDICATED + "notebooks/daily.yaml", "notebooks/daily.yaml", "us-phoenix-1"),
])
def test_each_accepted_form_normalises_to_oci_uri(text, obj, region):
    location = parse_location(text)
    assert location == SpecLocation("myns", "specs", obj, region)
    assert location.uri == f"oci://specs@myns/{obj}"


def test_https_object_names_are_percent_decoded_exactly_once():
    location = parse_location(CLASSIC + "dir%20one/run+1%252F.yaml")
    assert location.object == "dir one/run+1%2F.yaml"  # '+' stays, %25 decoded once


def test_oci_form_takes_the_object_name_literally():
    assert parse_location("oci://specs@myns/dir%20one/a+b.yaml").object == "dir%20one/a+b.yaml"


def test_unicode_and_spaces_survive():
    assert parse_location("oci://specs@myns/räport 1/ü.yaml").object == "räport 1/ü.yaml"


@pytest.mark.parametrize("url", [
    "https://objectstorage.us-phoenix-1.oraclecloud.com/p/SeCrEtToKeN/n/myns/b/specs/o/a.yaml",
    "https://myns.objectstorage.us-phoenix-1.oci.customer-oci.com/p/SeCrEtToKeN/n/myns/b/s/o/a",
])
def test_par_urls_are_refused_without_echoing_the_token(url):
    with pytest.raises(LocationError) as error:
        parse_location(url)
    assert "pre-authenticated" in str(error.value)
    assert "SeCrEtToKeN" not in str(error.value)


@pytest.mark.parametrize("text, fragment", [
    ("", "empty"),
    ("s3://bucket/a.yaml", "must be oci://"),
    ("oci://specs/a.yaml", "bucket@namespace"),
    ("oci://specs@myns", "names no object"),
    ("oci://specs@myns/", "names no object"),
    ("oci://specs@My_NS/a.yaml", "namespace"),
    ("oci://bad bucket@myns/a.yaml", "bucket name"),
    ("oci://..@myns/a.yaml", "bucket name"),
    ("oci://specs@myns/../secret.yaml", "'..'"),
    ("oci://specs@myns/a/./b.yaml", "'.'"),
    (CLASSIC + "a/%2E%2E/b.yaml", "'..'"),
    ("oci://specs@myns/a\x00.yaml", "control"),
    ("oci://specs@myns/a\n.yaml", "control"),
    (CLASSIC.replace("objectstorage", "evil") + "a.yaml", "not an Object Storage endpoint"),
    ("https://objectstorage.us-phoenix-1.evil.com/n/myns/b/specs/o/a.yaml", "endpoint"),
    ("https://other.objectstorage.us-phoenix-1.oci.customer-oci.com/n/myns/b/specs/o/a.yaml",
     "different namespaces"),
    (CLASSIC + "a.yaml?versionId=1", "query"),
    ("https://objectstorage.us-phoenix-1.oraclecloud.com/n/myns/b/specs/a.yaml", "of the form"),
    (CLASSIC + "a%ff.yaml", "percent-encoded UTF-8"),
    ("oci://specs@myns/" + "x" * 1025, "longer than 1024"),
    ("oci://specs@myns/" + "x" * 3000, "longer than 2048"),
])
def test_bad_locations_are_refused(text, fragment):
    with pytest.raises(LocationError, match=None) as error:
        parse_location(text)
    assert fragment in str(error.value)


def test_non_string_location_is_refused():
    with pytest.raises(LocationError):
        parse_location(["oci://specs@myns/a.yaml"])


def test_allow_list_entries_and_prefix_matching():
    prefix = parse_allow_entry("oci://specs@myns/team-a/")
    whole_bucket = parse_allow_entry("oci://specs@myns")
    inside = parse_location("oci://specs@myns/team-a/x.yaml")
    outside = parse_location("oci://specs@myns/team-b/x.yaml")
    other_bucket = parse_location("oci://other@myns/team-a/x.yaml")
    assert inside.within(prefix) and not outside.within(prefix)
    assert outside.within(whole_bucket) and not other_bucket.within(whole_bucket)
    # An entry is a folder: the missing slash is added, so a neighbour never matches.
    folder = parse_allow_entry("oci://specs@myns/team-a")
    assert folder == prefix
    assert not parse_location("oci://specs@myns/team-admin/x.yaml").within(folder)


@pytest.mark.parametrize("entry", ["specs@myns/x", "oci://specs/x", "oci://specs@myns/../x"])
def test_bad_allow_entries(entry):
    with pytest.raises(LocationError):
        parse_allow_entry(entry)


@pytest.mark.parametrize("entry", [
    "s3:///specs@ns/daily/",  # after its first six characters, a good entry
    "oci://specs@ns/daily/\x00"])
def test_an_allow_entry_that_is_not_a_clean_oci_url_is_refused_by_what_it_is(entry):
    with pytest.raises(LocationError) as raised:
        parse_allow_entry(entry)
    assert str(raised.value) == "expected oci://bucket@namespace/prefix"
