"""Reading the spec and the notebook, writing the results.

Object Storage is reached with the job run's resource principal
(``oci.auth.signers.get_resource_principals_signer()``: Data Science sets the
``OCI_RESOURCE_PRINCIPAL_*`` variables in every run) and the SDK's default retry strategy:
a job is not bound by a function's deadline. ``OCI_OBJECT_STORAGE_ENDPOINT`` overrides the
region's endpoint (private endpoints, the local emulator).

Notebooks at ``https://`` URLs that are not Object Storage URLs are downloaded with urllib,
with a timeout and a size cap. Messages name the object (``oci://…``) or the https URL
without what may hold a token (:func:`job.urltext.shown_url`).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from jobspec.locations import LocationError, SpecLocation, parse_location
from jobspec.reading import range_header, read_bounded

from .errors import ConfigurationProblem, NotReadable, UploadFailed
from .urltext import download_failure, shown_url

READ_CHUNK = 64 * 1024
USER_AGENT = "oci-jobrun-launcher-job/0.1 (+python-urllib)"


class ObjectStore:
    """Whole-object reads and writes through an ``ObjectStorageClient``."""

    def __init__(self, client: Any):
        self.client = client

    def read(self, location: SpecLocation, *, max_bytes: int, what: str,
             if_match: str | None = None) -> tuple[bytes, str]:
        """The object's bytes (at most ``max_bytes``) and its eTag; raise NotReadable."""
        from oci import exceptions as oci_exceptions

        kwargs: dict[str, Any] = {"range": range_header(max_bytes)}
        if if_match:
            kwargs["if_match"] = if_match
        try:
            response = self.client.get_object(location.namespace, location.bucket,
                                              location.object, **kwargs)
        except oci_exceptions.ServiceError as exc:
            if exc.status == 416:  # a range on an empty object
                return b"", ""
            if exc.status == 412:
                raise NotReadable(f"the {what} {location.uri} changed after this run was "
                                  "created (its eTag no longer matches JOB_SPEC_ETAG)") from None
            if exc.status in (401, 403, 404):
                raise NotReadable(f"the {what} {location.uri} does not exist or this job run "
                                  f"may not read it ({exc.status} {exc.code}); check the "
                                  "job-run dynamic group's policy") from None
            raise NotReadable(f"Object Storage failed to return the {what} {location.uri} "
                              f"({exc.status} {exc.code})") from None
        except oci_exceptions.RequestException as exc:
            raise NotReadable(f"Object Storage could not be reached for the {what} "
                              f"{location.uri} ({type(exc).__name__})") from None
        try:
            data, too_large = read_bounded(response, max_bytes)
        except oci_exceptions.RequestException:
            raise NotReadable(f"Object Storage dropped the connection while sending the "
                              f"{what} {location.uri}") from None
        if too_large:
            raise NotReadable(f"the {what} {location.uri} is larger than {max_bytes} bytes")
        return data, response.headers.get("etag", "")

    def write(self, namespace: str, bucket: str, name: str, data: bytes,
              content_type: str) -> None:
        """PutObject; raise UploadFailed."""
        from oci import exceptions as oci_exceptions

        uri = f"oci://{bucket}@{namespace}/{name}"
        try:
            self.client.put_object(namespace, bucket, name, data, content_type=content_type)
        except oci_exceptions.ServiceError as exc:
            hint = ("; check the job-run dynamic group's policy on the output bucket"
                    if exc.status in (401, 403, 404) else "")
            raise UploadFailed(f"could not upload {uri} ({exc.status} {exc.code}){hint}") from None
        except oci_exceptions.RequestException as exc:
            raise UploadFailed(f"could not upload {uri}: Object Storage could not be reached "
                               f"({type(exc).__name__})") from None


def resource_principal_store(endpoint: str | None) -> ObjectStore:
    """An :class:`ObjectStore` signed with the job run's resource principal."""
    try:
        import oci.auth.signers

        signer = oci.auth.signers.get_resource_principals_signer()
    except Exception as exc:  # noqa: BLE001 - any failure here is a configuration problem
        raise ConfigurationProblem(
            "the job run's resource principal could not be loaded from the "
            f"OCI_RESOURCE_PRINCIPAL_* variables ({type(exc).__name__})") from None
    import oci.object_storage
    import oci.retry

    region = getattr(signer, "region", None)
    kwargs: dict[str, Any] = {"signer": signer,
                              "retry_strategy": oci.retry.DEFAULT_RETRY_STRATEGY}
    if endpoint:
        kwargs["service_endpoint"] = endpoint
    client = oci.object_storage.ObjectStorageClient({"region": region} if region else {},
                                                    **kwargs)
    return ObjectStore(client)


def download(url: str, *, max_bytes: int, timeout: float,
             opener: Callable[..., Any] = urllib.request.urlopen) -> bytes:
    """GET an https URL (redirects followed), at most ``max_bytes``; raise NotReadable."""
    shown = shown_url(url)
    if urlsplit(url).scheme.lower() != "https":
        raise NotReadable(f"the notebook URL {shown} is not https")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with opener(request, timeout=timeout) as response:
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
                   timeout: float, opener: Callable[..., Any] = urllib.request.urlopen
                   ) -> bytes:
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
