"""Spec locations: parsing, normalising to ``oci://bucket@namespace/object``, allow-list.

Accepted forms (README, "Direct invocation"):

- ``oci://bucket@namespace/object`` (object name taken literally)
- ``https://objectstorage.<region>.oraclecloud.com/n/<ns>/b/<bucket>/o/<object>``
- ``https://<ns>.objectstorage.<region>.oci.customer-oci.com/n/<ns>/b/<bucket>/o/<object>``

In the https forms the object name is percent-decoded exactly once (``+`` stays a
plus). Pre-authenticated request URLs are refused and never echoed: their path
holds a secret. Parsing is pure; error messages never repeat the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from urllib.parse import unquote

MAX_LOCATION_LENGTH = 2048
MAX_OBJECT_NAME_BYTES = 1024

_NAMESPACE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
_BUCKET = re.compile(r"[A-Za-z0-9._-]{1,256}\Z")
_REGION = r"[a-z]{2,}-[a-z]+-[0-9]+"
_REALM_DOMAIN = r"oraclecloud[0-9]*\.com|oraclegovcloud\.com|oraclegovcloud\.uk"
_CLASSIC_HOST = re.compile(rf"objectstorage\.(?P<region>{_REGION})\.(?:{_REALM_DOMAIN})\Z")
_DEDICATED_HOST = re.compile(
    rf"(?P<ns>[a-z0-9-]+)\.objectstorage\.(?P<region>{_REGION})\.oci\.customer-oci\.com\Z"
)
_PATH = re.compile(r"/n/(?P<ns>[^/]+)/b/(?P<bucket>[^/]+)/o/(?P<object>.+)\Z", re.S)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class LocationError(ValueError):
    """The location is not acceptable; the message is safe to show."""


@dataclass(frozen=True)
class SpecLocation:
    """An object in Object Storage: namespace, bucket and name, and its region when given."""

    namespace: str
    bucket: str
    object: str
    region: str | None = None

    @property
    def uri(self) -> str:
        return f"oci://{self.bucket}@{self.namespace}/{self.object}"

    def __str__(self) -> str:
        return self.uri

    def within(self, prefix: SpecLocation) -> bool:
        return (
            self.namespace == prefix.namespace
            and self.bucket == prefix.bucket
            and self.object.startswith(prefix.object)
        )


def parse_location(text: object) -> SpecLocation:
    """Parse one of the accepted forms or raise :class:`LocationError`."""
    if not isinstance(text, str):
        raise LocationError("specLocation must be a string")
    text = text.strip()
    if not text:
        raise LocationError("specLocation is empty")
    if len(text) > MAX_LOCATION_LENGTH:
        raise LocationError(f"specLocation is longer than {MAX_LOCATION_LENGTH} characters")
    if _CONTROL.search(text):
        raise LocationError("specLocation contains control characters")
    lowered = text[:8].lower()
    if lowered.startswith("oci://"):
        return _parse_oci(text[6:], allow_empty_object=False)
    if lowered.startswith("https://"):
        return _parse_https(text[8:])
    raise LocationError(
        "specLocation must be oci://bucket@namespace/object or an Object Storage https URL"
    )


def parse_allow_entry(text: str) -> SpecLocation:
    """``oci://bucket@namespace/prefix`` (the prefix may be empty). A prefix is a folder: a
    missing trailing ``/`` is added, so ``…/team-a`` allows ``…/team-a/x.yaml`` but never
    its neighbour ``…/team-admin/x.yaml``."""
    if not text.lower().startswith("oci://") or _CONTROL.search(text):
        raise LocationError("expected oci://bucket@namespace/prefix")
    entry = _parse_oci(text[6:], allow_empty_object=True)
    if entry.object and not entry.object.endswith("/"):
        entry = replace(entry, object=entry.object + "/")
    return entry


def location_of(namespace: str, bucket: str, obj: str) -> SpecLocation:
    """Build a location from its parts (e.g. an event's), with the same checks."""
    return _checked(namespace, bucket, obj, None, False)


def _parse_oci(rest: str, allow_empty_object: bool) -> SpecLocation:
    authority, slash, obj = rest.partition("/")
    bucket, at, namespace = authority.rpartition("@")
    if not at:
        raise LocationError("expected oci://bucket@namespace/object")
    if not slash and not allow_empty_object:
        raise LocationError("the location names no object")
    return _checked(namespace, bucket, obj, None, allow_empty_object)


def _parse_https(rest: str) -> SpecLocation:
    host, _, path = rest.partition("/")
    host = host.lower()
    if "?" in path or "#" in path or "?" in host or "#" in host:
        raise LocationError("Object Storage URLs with a query or fragment are not accepted")
    path = "/" + path
    if path.startswith("/p/"):
        raise LocationError(
            "pre-authenticated request URLs are not accepted: give the object's "
            "oci://bucket@namespace/object location and grant the function read access"
        )
    classic = _CLASSIC_HOST.match(host)
    dedicated = _DEDICATED_HOST.match(host)
    endpoint = classic or dedicated
    if endpoint is None:
        raise LocationError("the URL host is not an Object Storage endpoint")
    match = _PATH.match(path)
    if not match:
        raise LocationError(
            "expected an Object Storage URL of the form /n/<ns>/b/<bucket>/o/<object>")
    try:
        namespace, bucket = _decode(match["ns"]), _decode(match["bucket"])
        obj = _decode(match["object"])
    except UnicodeDecodeError:
        raise LocationError("the URL path is not valid percent-encoded UTF-8") from None
    if dedicated and dedicated["ns"] != namespace:
        raise LocationError("the URL host and path name different namespaces")
    region = endpoint["region"]
    return _checked(namespace, bucket, obj, region, False)


def _decode(segment: str) -> str:
    return unquote(segment, errors="strict")


def _checked(namespace: str, bucket: str, obj: str, region: str | None,
             allow_empty_object: bool) -> SpecLocation:
    if not _NAMESPACE.match(namespace):
        raise LocationError("the namespace is not a valid Object Storage namespace")
    if not _BUCKET.match(bucket) or bucket in (".", ".."):
        raise LocationError("the bucket name is not a valid Object Storage bucket name")
    if not obj and not allow_empty_object:
        raise LocationError("the location names no object")
    if _CONTROL.search(obj):
        raise LocationError("the object name contains control characters")
    if len(obj.encode("utf-8", "surrogatepass")) > MAX_OBJECT_NAME_BYTES:
        raise LocationError(f"the object name is longer than {MAX_OBJECT_NAME_BYTES} bytes")
    if any(segment in (".", "..") for segment in obj.split("/")):
        raise LocationError("the object name must not contain '.' or '..' path segments")
    try:
        obj.encode("utf-8")
    except UnicodeEncodeError:
        raise LocationError("the object name is not valid UTF-8") from None
    return SpecLocation(namespace, bucket, obj, region)
