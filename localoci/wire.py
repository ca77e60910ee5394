"""HTTP request/response values and OCI-style formatting helpers shared by the services."""

from __future__ import annotations

import email.utils
import json
import secrets
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

REGION_KEY = "phx"

_DEFAULT_ERROR_CODES = {
    400: "InvalidParameter",
    401: "NotAuthenticated",
    403: "NotAuthorized",
    404: "NotAuthorizedOrNotFound",
    409: "IncorrectState",
}


@dataclass
class Request:
    """One parsed HTTP request. ``target`` is the request target exactly as received."""

    method: str
    target: str
    headers: Mapping[str, str]
    body: bytes = b""
    principal: str | None = None

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        """Query parameters (first value of each), percent-decoded."""
        pairs = parse_qs(urlsplit(self.target).query, keep_blank_values=True)
        return {name: values[0] for name, values in pairs.items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ApiError(
                400, "CannotParseRequest", "The request body is not valid JSON."
            ) from exc


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, value: Any, headers: Mapping[str, str] | None = None) -> Response:
        merged = {"content-type": "application/json"}
        merged.update(headers or {})
        return cls(status, json.dumps(value).encode("utf-8"), merged)


class ApiError(Exception):
    """An OCI error answer: JSON ``{"code", "message"}`` with the given status."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code or default_error_code(status)
        self.message = message or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        super().__init__(f"{status} {self.code}: {self.message}")

    def response(self) -> Response:
        return Response.json(
            self.status, {"code": self.code, "message": self.message}, self.headers
        )


@dataclass(frozen=True)
class Route:
    """A resolved operation; ``signs_body`` is False where the SDK signs no content headers."""

    operation: str
    handler: Callable[[Request], Response]
    signs_body: bool = True


def default_error_code(status: int) -> str:
    if status in _DEFAULT_ERROR_CODES:
        return _DEFAULT_ERROR_CODES[status]
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def new_request_id() -> str:
    return uuid.uuid4().hex.upper()


def new_ocid(resource_type: str) -> str:
    return f"ocid1.{resource_type}.oc1.{REGION_KEY}.{secrets.token_hex(30)}"
