"""Bounded ``GetObject`` reads through :class:`~ociplatform.calls.OciService` (the function
reads specs with it, the job container specs and notebooks).

The request asks for one byte more than the limit (``Range``), the stream is read only that
far, and a connection dropped while streaming is reported through the caller's table as a
failure with no answer (``CONNECTION``), like one dropped before the headers. A caller's
error table spreads :data:`OBJECT_ROWS` into its own: the 416 a range gets from an empty
object is an answer (no bytes), not a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from .calls import ANY, CONNECTION, Failure, Key, OciService, Rule, describe_failure
from .reading import range_header, read_bounded
from .retry import Deadline


class EmptyObject(Exception):
    """GetObject answered 416 to the range: the object has no bytes."""


def _empty(failure: Failure) -> EmptyObject:
    return EmptyObject(failure.subject)


OBJECT_ROWS: dict[Key, Rule] = {("GetObject", 416, ANY): Rule(_empty)}


@dataclass(frozen=True)
class ObjectRead:
    """What a bounded read of an object got."""

    data: bytes
    etag: str
    too_large: bool


def read_object(storage: OciService, namespace: str, bucket: str, name: str, *, limit: int,
                deadline: Deadline, subject: str, if_match: str | None = None) -> ObjectRead:
    """At most ``limit + 1`` bytes of the object, its eTag, and whether it is larger than
    ``limit``. An empty object (416 to the range, where the table answers None) reads as no
    bytes and ``if_match`` as its eTag (the table's :data:`OBJECT_ROWS`)."""
    kwargs: dict[str, Any] = {"range": range_header(limit)}
    if if_match:
        kwargs["if_match"] = if_match
    try:
        response = storage.call("get_object", namespace, bucket, name, deadline=deadline,
                                subject=subject, **kwargs)
    except EmptyObject:
        return ObjectRead(b"", if_match or "", False)
    try:
        data, too_large = read_bounded(response, limit)
    except Exception as exc:
        failure = describe_failure(exc, storage.name, "GetObject", subject, attempts=1)
        if failure is None or failure.status != CONNECTION:
            raise
        rule = storage.errors.rule("GetObject", CONNECTION, "")
        raise rule.error(replace(failure, message="the connection dropped while streaming "
                                                  "the object")) from None
    return ObjectRead(data, str(response.headers.get("etag", "")), too_large)
