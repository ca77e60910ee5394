"""Reading the spec and the notebook, writing the results.

Object Storage is reached with the job run's resource principal (Data Science sets the
``OCI_RESOURCE_PRINCIPAL_*`` variables in every run) through the same call wrapper as the
function (:mod:`ociplatform.calls`), with its own table from Object Storage's answers to
the container's exit codes and a longer retry budget: a job is not bound by a function's
deadline. ``OCI_OBJECT_STORAGE_ENDPOINT`` overrides the region's endpoint (private
endpoints, the local emulator).

Notebooks at ``https://`` URLs that are not Object Storage URLs are downloaded with urllib,
with a timeout and a size cap. Redirects are followed only to https URLs whose host is not
a loopback, link-local (the instance metadata service, 169.254.169.254, is one),
unspecified or multicast address, by name or once resolved: a notebook host can't send the
download into the job run's own instance or network namespace. Messages name the object
(``oci://…``) or the https URL without what may hold a token
(:func:`job.urltext.shown_url`).
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ociplatform.calls import ANY, CONNECTION, ErrorTable, Failure, OciService, Rule, transient
from ociplatform.clients import SignerUnavailable, build_client, load_signer
from ociplatform.objects import OBJECT_ROWS, read_object
from ociplatform.retry import Deadline, RetryPolicy
from ocirefs.locations import LocationError, SpecLocation, parse_location

from .errors import ConfigurationProblem, NotReadable, UploadFailed
from .urltext import download_failure, shown_url

READ_CHUNK = 64 * 1024
USER_AGENT = "oci-jobrun-launcher-job/0.1 (+python-urllib)"

# A job is not bound by a function's deadline: each call may take a few minutes of
# retries, with the SDK's default HTTP timeouts per attempt.
CALL_BUDGET_SECONDS = 300.0
JOB_POLICY = RetryPolicy(base_delay=1.0, max_delay=30.0, max_attempts=8,
                         connect_timeout=10.0, read_timeout=60.0)


def _not_readable(failure: Failure) -> NotReadable:
    if failure.status == CONNECTION:
        return NotReadable(f"Object Storage could not be reached for {failure.subject} "
                           f"({failure.error_type}, {failure.attempts} attempts)")
    return NotReadable(f"Object Storage failed to return {failure.subject} "
                       f"({failure.status} {failure.code})")


def _not_permitted(failure: Failure) -> NotReadable:
    return NotReadable(f"{failure.subject} does not exist or this job run may not read it "
                       f"({failure.status} {failure.code}); check the job-run dynamic group's "
                       "policy")


def _changed(failure: Failure) -> NotReadable:
    return NotReadable(f"{failure.subject} changed after this run was created (its eTag no "
                       "longer matches JOB_SPEC_ETAG)")


def _upload_failed(failure: Failure) -> UploadFailed:
    if failure.status == CONNECTION:
        return UploadFailed(f"could not upload {failure.subject}: Object Storage could not be "
                            f"reached ({failure.error_type}, {failure.attempts} attempts)")
    hint = ("; check the job-run dynamic group's policy on the output bucket"
            if failure.status in (401, 403, 404) else "")
    return UploadFailed(f"could not upload {failure.subject} ({failure.status} "
                        f"{failure.code}){hint}")


def _out_of_time(failure: Failure) -> NotReadable | UploadFailed:
    if failure.operation == "PutObject":
        return UploadFailed(f"could not upload {failure.subject} within "
                            f"{CALL_BUDGET_SECONDS:.0f} s of retries")
    return NotReadable(f"Object Storage did not return {failure.subject} within "
                       f"{CALL_BUDGET_SECONDS:.0f} s of retries")


# What each Object Storage answer means to the container: one table, as in the function.
ERRORS = ErrorTable({
    **transient(_not_readable, operation="GetObject"),
    ("GetObject", 401, ANY): Rule(_not_permitted),
    ("GetObject", 403, ANY): Rule(_not_permitted),
    ("GetObject", 404, ANY): Rule(_not_permitted),
    ("GetObject", 412, ANY): Rule(_changed),
    **OBJECT_ROWS,
    ("GetObject", ANY, ANY): Rule(_not_readable),
    **transient(_upload_failed, operation="PutObject"),
    (ANY, ANY, ANY): Rule(_upload_failed),
}, no_time=_out_of_time)

class ObjectStore:
    """Whole-object reads and writes through an ``ObjectStorageClient``."""

    def __init__(self, client: Any, policy: RetryPolicy = JOB_POLICY):
        self.service = OciService(client, "Object Storage", ERRORS, policy)

    def read(self, location: SpecLocation, *, max_bytes: int, what: str,
             if_match: str | None = None) -> tuple[bytes, str]:
        """The object's bytes (at most ``max_bytes``) and its eTag; raise NotReadable."""
        subject = f"the {what} {location.uri}"
        read = read_object(self.service, location.namespace, location.bucket, location.object,
                           limit=max_bytes, if_match=if_match, subject=subject,
                           deadline=Deadline.after(CALL_BUDGET_SECONDS))
        if read.too_large:
            raise NotReadable(f"{subject} is larger than {max_bytes} bytes")
        return read.data, read.etag

    def write(self, namespace: str, bucket: str, name: str, data: bytes,
              content_type: str) -> None:
        """PutObject; raise UploadFailed."""
        self.service.call("put_object", namespace, bucket, name, data,
                          content_type=content_type, subject=f"oci://{bucket}@{namespace}/{name}",
                          deadline=Deadline.after(CALL_BUDGET_SECONDS))


def resource_principal_store(endpoint: str | None) -> ObjectStore:
    """An :class:`ObjectStore` signed with the job run's resource principal."""
    try:
        signer = load_signer()
    except SignerUnavailable as problem:
        raise ConfigurationProblem(f"the job run's {problem.message}") from None
    import oci.object_storage

    return ObjectStore(build_client(oci.object_storage.ObjectStorageClient, signer, endpoint))


def _forbidden_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_multicast


def redirect_problem(url: str,
                     resolve: Callable[[str], list[str]] | None = None) -> str | None:
    """Why a download may not follow a redirect to ``url``, or None. ``resolve``: host →
    its addresses (the system resolver by default)."""
    shown = shown_url(url)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "redirected to an invalid URL"
    if parts.scheme.lower() != "https":
        return f"redirected to {shown}, which is not https; only https redirects are followed"
    addresses = [host]
    try:
        addresses += (resolve or _resolve)(host)
    except OSError:
        pass  # the request itself will say the host does not resolve
    if any(_forbidden_address(address) for address in addresses):
        return (f"redirected to {shown}, a loopback, link-local or metadata address; such "
                "redirects are not followed")
    return None


def _resolve(host: str) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None)]


class SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only when :func:`redirect_problem` finds none."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        problem = redirect_problem(newurl)
        if problem is not None:
            raise urllib.error.URLError(problem)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# The downloads' opener: urllib's defaults with the redirect rules above.
SAFE_OPENER = urllib.request.build_opener(SafeRedirects)


def download(url: str, *, max_bytes: int, timeout: float,
             opener: Callable[..., Any] | None = None) -> bytes:
    """GET an https URL (safe redirects followed), at most ``max_bytes``; raise
    NotReadable. ``opener``: urllib's ``open`` (tests pass their own), SAFE_OPENER's by
    default."""
    shown = shown_url(url)
    if urlsplit(url).scheme.lower() != "https":
        raise NotReadable(f"the notebook URL {shown} is not https")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with (opener or SAFE_OPENER.open)(request, timeout=timeout) as response:
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise NotReadable(f"the notebook at {shown} is larger than {max_bytes} bytes")
            data = bytearray()
            while True:
                chunk = response.read(READ_CHUNK)
                if not chunk:
                    break
                data += chunk
                if len(data) > max_bytes:
                    raise NotReadable(f"the notebook at {shown} is larger than "
                                      f"{max_bytes} bytes")
            return bytes(data)
    except (urllib.error.URLError, OSError, ValueError) as exc:  # HTTPError is a URLError
        raise NotReadable(f"the notebook could not be downloaded from {shown}: "
                          f"{download_failure(exc, url, timeout)}") from None


def fetch_notebook(url: str, store_factory: Callable[[], ObjectStore], *, max_bytes: int,
                   timeout: float, opener: Callable[..., Any] | None = None) -> bytes:
    """The notebook's bytes: ``oci://`` and Object Storage https URLs through the resource
    principal (private buckets work), any other https URL (GitHub raw, a PAR) downloaded."""
    location = None
    try:
        location = parse_location(url)
    except LocationError:
        if url.lower().startswith("oci://"):
            raise NotReadable("the notebook location is not a valid "
                              "oci://bucket@namespace/object") from None
    if location is not None:
        data, _ = store_factory().read(location, max_bytes=max_bytes, what="notebook")
        return data
    return download(url, max_bytes=max_bytes, timeout=timeout, opener=opener)
