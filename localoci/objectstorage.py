"""Emulated Object Storage (API 20160918): namespace, buckets and whole-object reads and writes."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from .credentials import DEFAULT_COMPARTMENT
from .wire import ApiError, Request, Response, Route, http_date, rfc3339, utcnow

_NAMESPACE_PATH = re.compile(r"/n/?")
_BUCKETS_PATH = re.compile(r"/n/([^/]+)/b/?")
_BUCKET_PATH = re.compile(r"/n/([^/]+)/b/([^/]+)/?")
_LIST_PATH = re.compile(r"/n/([^/]+)/b/([^/]+)/o/?")
MAX_LIST_LIMIT = 1000
_OBJECT_PATH = re.compile(r"/n/([^/]+)/b/([^/]+)/o/(.+)", re.DOTALL)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
METADATA_PREFIX = "opc-meta-"
DEFAULT_CONTENT_TYPE = "application/octet-stream"


@dataclass
class StoredObject:
    data: bytes
    content_type: str
    metadata: dict[str, str]
    last_modified: datetime
    etag: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def md5(self) -> str:
        return base64.b64encode(hashlib.md5(self.data).digest()).decode("ascii")

    def headers(self) -> dict[str, str]:
        headers = {
            "etag": self.etag,
            "last-modified": http_date(self.last_modified),
            "content-type": self.content_type,
            "content-md5": self.md5,
            "accept-ranges": "bytes",
            "storage-tier": "Standard",
        }
        headers.update({METADATA_PREFIX + name: value for name, value in self.metadata.items()})
        return headers


@dataclass
class Bucket:
    name: str
    compartment_id: str
    created_by: str
    time_created: datetime
    etag: str = field(default_factory=lambda: str(uuid.uuid4()))
    objects: dict[str, StoredObject] = field(default_factory=dict)

    def to_json(self, namespace: str) -> dict[str, Any]:
        return {
            "namespace": namespace,
            "name": self.name,
            "compartmentId": self.compartment_id,
            "metadata": {},
            "createdBy": self.created_by,
            "timeCreated": rfc3339(self.time_created),
            "etag": self.etag,
            "publicAccessType": "NoPublicAccess",
            "storageTier": "Standard",
            "objectEventsEnabled": False,
            "versioning": "Disabled",
            "freeformTags": {},
            "definedTags": {},
        }


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive byte range asked for, None to serve the whole object; 416 if unsatisfiable."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None or not (match[1] or match[2]):
        return None
    unsatisfiable = ApiError(
        416,
        "InvalidRange",
        "The requested range is not satisfiable.",
        {"content-range": f"bytes */{size}"},
    )
    if match[1]:
        start = int(match[1])
        end = int(match[2]) if match[2] else None
        if end is not None and end < start:
            return None
        if start >= size:
            raise unsatisfiable
        return start, size - 1 if end is None else min(end, size - 1)
    suffix = int(match[2])
    if suffix == 0 or size == 0:
        raise unsatisfiable
    return max(0, size - suffix), size - 1


class ObjectStorage:
    """One namespace of buckets and objects. Not thread-safe: the emulator serialises every call."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.buckets: dict[str, Bucket] = {}

    def create_bucket(
        self,
        name: str,
        compartment_id: str = DEFAULT_COMPARTMENT,
        created_by: str = "ocid1.user.oc1..localuser",
    ) -> Bucket:
        if name in self.buckets:
            raise ApiError(
                409,
                "BucketAlreadyExists",
                f"Either the bucket '{name}' in namespace "
                f"'{self.namespace}' already exists or you are not authorized to create it",
            )
        bucket = Bucket(name, compartment_id, created_by, utcnow())
        self.buckets[name] = bucket
        return bucket

    def put_object(
        self,
        bucket_name: str,
        name: str,
        data: bytes,
        content_type: str = DEFAULT_CONTENT_TYPE,
        metadata: Mapping[str, str] | None = None,
    ) -> StoredObject:
        stored = StoredObject(bytes(data), content_type, dict(metadata or {}), utcnow())
        self._bucket(bucket_name).objects[name] = stored
        return stored

    def resolve(self, method: str, path: str) -> Route | None:
        if _NAMESPACE_PATH.fullmatch(path) and method == "GET":
            return Route("GetNamespace", lambda request: Response.json(200, self.namespace))
        if (match := _BUCKETS_PATH.fullmatch(path)) and method == "POST":
            namespace = unquote(match[1])
            return Route("CreateBucket", lambda request: self._create_bucket(request, namespace))
        if match := _BUCKET_PATH.fullmatch(path):
            namespace, bucket = unquote(match[1]), unquote(match[2])
            if method in ("GET", "HEAD"):
                operation = "GetBucket" if method == "GET" else "HeadBucket"
                return Route(operation, lambda request: self._get_bucket(namespace, bucket))
            return None
        if (match := _LIST_PATH.fullmatch(path)) and method == "GET":
            namespace, bucket = unquote(match[1]), unquote(match[2])
            return Route("ListObjects", lambda request: self._list(request, namespace, bucket))
        if match := _OBJECT_PATH.fullmatch(path):
            namespace, bucket, name = unquote(match[1]), unquote(match[2]), unquote(match[3])
            handlers: dict[str, tuple[str, Callable[[Request], Response]]] = {
                "PUT": ("PutObject", lambda request: self._put(request, namespace, bucket, name)),
                "GET": ("GetObject", lambda request: self._get(request, namespace, bucket, name)),
                "HEAD": ("HeadObject", lambda request: self._get(request, namespace, bucket, name)),
                "DELETE": (
                    "DeleteObject",
                    lambda request: self._delete(request, namespace, bucket, name),
                ),
            }
            if method in handlers:
                operation, handler = handlers[method]
                return Route(operation, handler, signs_body=operation != "PutObject")
        return None

    def _check_namespace(self, namespace: str) -> None:
        if namespace != self.namespace:
            raise ApiError(
                404,
                "NamespaceNotFound",
                f"Either the namespace '{namespace}' does not exist or you are not authorized "
                "to access it",
            )

    def _bucket(self, name: str) -> Bucket:
        bucket = self.buckets.get(name)
        if bucket is None:
            raise ApiError(
                404,
                "BucketNotFound",
                f"Either the bucket named '{name}' does not exist in the "
                f"namespace '{self.namespace}' or you are not authorized to access it",
            )
        return bucket

    def _object(self, namespace: str, bucket_name: str, name: str) -> StoredObject:
        self._check_namespace(namespace)
        stored = self._bucket(bucket_name).objects.get(name)
        if stored is None:
            raise ApiError(
                404,
                "ObjectNotFound",
                f"The object '{name}' was not found in the bucket '{bucket_name}'",
            )
        return stored

    def _create_bucket(self, request: Request, namespace: str) -> Response:
        self._check_namespace(namespace)
        body = request.json()
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not body["name"]:
            raise ApiError(400, "InvalidParameter", "The bucket name is required.")
        if not isinstance(body.get("compartmentId"), str):
            raise ApiError(400, "InvalidParameter", "compartmentId is required.")
        bucket = self.create_bucket(body["name"], body["compartmentId"], request.principal or "")
        return Response.json(
            200,
            bucket.to_json(self.namespace),
            {
                "etag": bucket.etag,
                "location": f"/n/{self.namespace}/b/{bucket.name}",
            },
        )

    def _get_bucket(self, namespace: str, name: str) -> Response:
        self._check_namespace(namespace)
        bucket = self._bucket(name)
        return Response.json(200, bucket.to_json(self.namespace), {"etag": bucket.etag})

    def _list(self, request: Request, namespace: str, bucket_name: str) -> Response:
        """ListObjects: names in order from ``start``, with ``prefix``, ``limit`` per page and
        ``nextStartWith`` when more remain; ``fields=size`` adds sizes (no delimiter)."""
        self._check_namespace(namespace)
        bucket = self._bucket(bucket_name)
        query = request.query
        prefix, start = query.get("prefix", ""), query.get("start", "")
        try:
            limit = min(max(int(query.get("limit", MAX_LIST_LIMIT)), 1), MAX_LIST_LIMIT)
        except ValueError:
            raise ApiError(400, "InvalidParameter", "limit must be an integer") from None
        with_size = "size" in query.get("fields", "").split(",")
        names = sorted(name for name in bucket.objects
                       if name.startswith(prefix) and name >= start)
        page, rest = names[:limit], names[limit:]
        objects = [{"name": name, **({"size": len(bucket.objects[name].data)}
                                     if with_size else {})} for name in page]
        body: dict[str, object] = {"objects": objects, "prefixes": []}
        if rest:
            body["nextStartWith"] = rest[0]
        return Response.json(200, body)

    def _put(self, request: Request, namespace: str, bucket_name: str, name: str) -> Response:
        self._check_namespace(namespace)
        bucket = self._bucket(bucket_name)
        existing = bucket.objects.get(name)
        if_match = request.header("if-match")
        if if_match is not None and (existing is None or if_match not in ("*", existing.etag)):
            raise ApiError(
                412, "IfMatchFailed", "The if-match header does not match the object's etag."
            )
        if request.header("if-none-match") == "*" and existing is not None:
            raise ApiError(412, "IfNoneMatchFailed", f"The object '{name}' already exists.")
        given_md5 = request.header("content-md5")
        actual_md5 = base64.b64encode(hashlib.md5(request.body).digest()).decode("ascii")
        if given_md5 is not None and given_md5 != actual_md5:
            raise ApiError(
                400,
                "UnmatchedContentMD5",
                f"The computed MD5 of the request body ({actual_md5}) "
                f"does not match the Content-MD5 header ({given_md5})",
            )
        metadata = {
            key.lower()[len(METADATA_PREFIX) :]: value
            for key, value in request.headers.items()
            if key.lower().startswith(METADATA_PREFIX)
        }
        stored = self.put_object(
            bucket_name,
            name,
            request.body,
            request.header("content-type") or DEFAULT_CONTENT_TYPE,
            metadata,
        )
        return Response(
            200,
            headers={
                "etag": stored.etag,
                "last-modified": http_date(stored.last_modified),
                "opc-content-md5": stored.md5,
            },
        )

    def _get(self, request: Request, namespace: str, bucket_name: str, name: str) -> Response:
        stored = self._object(namespace, bucket_name, name)
        _check_if_match(request, stored)
        if_none_match = request.header("if-none-match")
        if if_none_match is not None and if_none_match in ("*", stored.etag):
            return Response(
                304, headers={"etag": stored.etag, "last-modified": http_date(stored.last_modified)}
            )
        headers = stored.headers()
        selected = _byte_range(request.header("range"), len(stored.data))
        if selected is None:
            return Response(200, stored.data, headers)
        start, end = selected
        headers["content-range"] = f"bytes {start}-{end}/{len(stored.data)}"
        return Response(206, stored.data[start : end + 1], headers)

    def _delete(self, request: Request, namespace: str, bucket_name: str, name: str) -> Response:
        stored = self._object(namespace, bucket_name, name)
        _check_if_match(request, stored)
        del self.buckets[bucket_name].objects[name]
        return Response(204, headers={"last-modified": http_date(utcnow())})


def _check_if_match(request: Request, stored: StoredObject) -> None:
    """412 ``IfMatchFailed`` unless ``if-match`` is absent, ``*`` or the object's etag."""
    if_match = request.header("if-match")
    if if_match is not None and if_match not in ("*", stored.etag):
        raise ApiError(
            412, "IfMatchFailed", "The if-match header does not match the object's etag."
        )
