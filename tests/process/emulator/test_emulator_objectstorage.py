"""Object Storage through the real SDK: reads, writes, ranges, preconditions and error codes."""

from __future__ import annotations

from typing import Any

import oci
import pytest

from localoci import Emulator
from tests.support.emulator import BUCKET, COMPARTMENT, NAMESPACE, send, signed

ObjectStorageClient = oci.object_storage.ObjectStorageClient


def service_error(call: Any, *args: Any, **kwargs: Any) -> oci.exceptions.ServiceError:
    with pytest.raises(oci.exceptions.ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_namespace_and_buckets(object_storage: ObjectStorageClient) -> None:
    assert object_storage.get_namespace().data == NAMESPACE
    details = oci.object_storage.models.CreateBucketDetails(name="more", compartment_id=COMPARTMENT)

    created = object_storage.create_bucket(NAMESPACE, details)
    fetched = object_storage.get_bucket(NAMESPACE, "more")

    assert created.data.name == fetched.data.name == "more"
    assert fetched.data.compartment_id == COMPARTMENT
    assert fetched.headers["etag"] == created.headers["etag"]
    assert object_storage.head_bucket(NAMESPACE, "more").status == 200
    error = service_error(object_storage.create_bucket, NAMESPACE, details)
    assert (error.status, error.code) == (409, "BucketAlreadyExists")


def test_put_get_head_delete(object_storage: ObjectStorageClient) -> None:
    put = object_storage.put_object(
        NAMESPACE,
        BUCKET,
        "daily.yaml",
        b"noteBook: a.ipynb\n",
        content_type="application/yaml",
        opc_meta={"owner": "bi"},
    )
    got = object_storage.get_object(NAMESPACE, BUCKET, "daily.yaml")
    head = object_storage.head_object(NAMESPACE, BUCKET, "daily.yaml")

    assert got.status == 200
    assert got.data.content == b"noteBook: a.ipynb\n"
    for response in (got, head):
        assert response.headers["etag"] == put.headers["etag"]
        assert response.headers["content-length"] == "18"
        assert response.headers["content-type"] == "application/yaml"
        assert response.headers["opc-meta-owner"] == "bi"
        assert response.headers["last-modified"]
        assert response.headers["opc-request-id"]

    assert object_storage.delete_object(NAMESPACE, BUCKET, "daily.yaml").status == 204
    assert service_error(object_storage.get_object, NAMESPACE, BUCKET, "daily.yaml").status == 404


def test_every_put_gets_a_new_etag(object_storage: ObjectStorageClient) -> None:
    first = object_storage.put_object(NAMESPACE, BUCKET, "a.yaml", b"same").headers["etag"]
    second = object_storage.put_object(NAMESPACE, BUCKET, "a.yaml", b"same").headers["etag"]

    assert first != second


@pytest.mark.parametrize(
    "name",
    [
        "dir one/run+1.yaml",
        "specs/ü/日本.yaml",
        "a%2Fb.yaml",
        "q?x=1#frag.yaml",
        "..",
        ".",
        "a/../b",
    ],
)
def test_object_names_round_trip(
    object_storage: ObjectStorageClient, emulated: Emulator, name: str
) -> None:
    object_storage.put_object(NAMESPACE, BUCKET, name, name.encode())

    assert object_storage.get_object(NAMESPACE, BUCKET, name).data.content == name.encode()
    stored = [obj["name"] for obj in emulated.state()["buckets"][0]["objects"]]
    assert stored == [name]


def test_a_raw_slash_in_the_object_name_is_accepted(emulated: Emulator, signer: Any) -> None:
    emulated.put_object(NAMESPACE, BUCKET, "dir/sub/x.yaml", b"x")

    response = send(
        signed(signer, "GET", f"{emulated.url}/n/{NAMESPACE}/b/{BUCKET}/o/dir/sub/x.yaml")
    )

    assert response.status_code == 200
    assert response.content == b"x"


@pytest.mark.parametrize(
    ("header", "body", "content_range"),
    [
        ("bytes=0-4", b"01234", "bytes 0-4/10"),
        ("bytes=7-", b"789", "bytes 7-9/10"),
        ("bytes=-2", b"89", "bytes 8-9/10"),
        ("bytes=8-99", b"89", "bytes 8-9/10"),
    ],
)
def test_single_byte_ranges(
    object_storage: ObjectStorageClient,
    emulated: Emulator,
    header: str,
    body: bytes,
    content_range: str,
) -> None:
    emulated.put_object(NAMESPACE, BUCKET, "digits", b"0123456789")

    response = object_storage.get_object(NAMESPACE, BUCKET, "digits", range=header)

    assert response.status == 206
    assert response.data.content == body
    assert response.headers["content-range"] == content_range


def test_unsatisfiable_ranges_answer_416(
    object_storage: ObjectStorageClient, emulated: Emulator
) -> None:
    emulated.put_object(NAMESPACE, BUCKET, "empty", b"")
    emulated.put_object(NAMESPACE, BUCKET, "short", b"abc")

    for name, header in (("empty", "bytes=0-10"), ("short", "bytes=3-")):
        error = service_error(object_storage.get_object, NAMESPACE, BUCKET, name, range=header)
        assert (error.status, error.code) == (416, "InvalidRange")


def test_preconditions(object_storage: ObjectStorageClient, emulated: Emulator) -> None:
    etag = emulated.put_object(NAMESPACE, BUCKET, "spec.yaml", b"v1")

    assert object_storage.get_object(NAMESPACE, BUCKET, "spec.yaml", if_match=etag).status == 200
    error = service_error(
        object_storage.get_object, NAMESPACE, BUCKET, "spec.yaml", if_match="stale"
    )
    assert (error.status, error.code) == (412, "IfMatchFailed")
    not_modified = service_error(
        object_storage.get_object, NAMESPACE, BUCKET, "spec.yaml", if_none_match=etag
    )
    assert (not_modified.status, not_modified.code) == (304, None)  # the SDK raises on any non-2xx


def test_missing_things_answer_404_with_their_codes(object_storage: ObjectStorageClient) -> None:
    bucket = service_error(object_storage.get_object, NAMESPACE, "nope", "x")
    assert (bucket.status, bucket.code) == (404, "BucketNotFound")
    assert bucket.message == (
        "Either the bucket named 'nope' does not exist in the namespace 'localns' "
        "or you are not authorized to access it"
    )
    missing = service_error(object_storage.get_object, NAMESPACE, BUCKET, "x")
    assert (missing.status, missing.code) == (404, "ObjectNotFound")
    namespace = service_error(object_storage.get_object, "otherns", BUCKET, "x")
    assert (namespace.status, namespace.code) == (404, "NamespaceNotFound")
    assert service_error(object_storage.head_object, NAMESPACE, BUCKET, "x").status == 404
    assert service_error(object_storage.head_bucket, NAMESPACE, "nope").status == 404


def test_content_md5_is_checked(emulated: Emulator, signer: Any) -> None:
    url = f"{emulated.url}/n/{NAMESPACE}/b/{BUCKET}/o/x"
    request = signed(signer, "PUT", url, b"abc", {"content-md5": "AAAAAAAAAAAAAAAAAAAAAA=="}, False)

    response = send(request)

    assert response.status_code == 400
    assert response.json()["code"] == "UnmatchedContentMD5"


def test_unknown_routes_answer_not_found(emulated: Emulator, signer: Any) -> None:
    response = send(signed(signer, "GET", f"{emulated.url}/20190101/notebookSessions"))

    assert response.status_code == 404
    assert response.json()["code"] == "NotFound"


def test_list_objects_by_prefix_page_by_page(object_storage: ObjectStorageClient) -> None:
    for name in ("code/b.py", "code/a.py", "code/lib/c.py", "other/d.py"):
        object_storage.put_object(NAMESPACE, BUCKET, name, name.encode())

    first = object_storage.list_objects(NAMESPACE, BUCKET, prefix="code/", limit=2,
                                        fields="name,size").data
    rest = object_storage.list_objects(NAMESPACE, BUCKET, prefix="code/", limit=2,
                                       start=first.next_start_with, fields="name,size").data

    assert [(o.name, o.size) for o in first.objects] == [("code/a.py", 9), ("code/b.py", 9)]
    assert first.next_start_with == "code/lib/c.py"
    assert [o.name for o in rest.objects] == ["code/lib/c.py"] and rest.next_start_with is None
    unsized = object_storage.list_objects(NAMESPACE, BUCKET, prefix="other/").data
    assert [(o.name, o.size) for o in unsized.objects] == [("other/d.py", None)]
    error = service_error(object_storage.list_objects, NAMESPACE, "no-such-bucket")
    assert (error.status, error.code) == (404, "BucketNotFound")
