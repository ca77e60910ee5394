"""Bringing a python or script runtime's code into the run's code folder, safely.

``scriptPathURI`` is one file, an archive or an Object Storage folder (:mod:`jobspec.script_keys`
tells which). The code folder then holds, as ADS's driver lays it out:

- a file: ``<code>/<file name>``;
- a folder ``oci://bucket@ns/path/code_dir/``: ``<code>/code_dir/…`` (every object under it);
- an archive: its members, ``<code>/<member>``.

Files and archives are read as notebooks are, with :mod:`job.storage`: the run's resource
principal for Object Storage (``oci://`` and Object Storage https URLs), a bounded https
download otherwise; a folder is listed with ``ListObjects`` and each object read the same
way.

Archives and folders are untrusted input: before anything runs, a member (or object) whose
path leaves the code folder (``..``, an absolute path), a symlink or hard link pointing out
of it, a device file or FIFO, a name given twice, more than :data:`MAX_MEMBERS` members or
more than :data:`MAX_UNPACKED_BYTES` unpacked (a zip bomb) is refused with
:class:`SourceRefused`, naming the member. Regular files and folders are written first and
links last, each link checked where it really points, so no write ever goes through a link.
"""

from __future__ import annotations

import functools
import io
import os
import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jobspec.script_keys import file_name, folder_name
from ociplatform.calls import ANY, ErrorTable, OciService, Rule, transient
from ociplatform.retry import Deadline
from ocirefs.locations import LocationError, SpecLocation, parse_location

from .errors import ExitCode, NotReadable, RunnerError
from .storage import (
    CALL_BUDGET_SECONDS,
    ObjectStore,
    _not_permitted,
    _not_readable,
)
from .storage import download as download_url

MAX_MEMBERS = 10_000
MAX_UNPACKED_BYTES = 1024 ** 3
MAX_NAME_BYTES = 1024
LIST_PAGE = 1000
CHUNK = 1024 * 1024


class SourceRefused(RunnerError):
    """The code can't be used as given: an unsafe or oversized archive or folder, a missing
    entrypoint or working folder. Nothing has run."""

    exit_code = ExitCode.NOTEBOOK_INVALID


@dataclass
class Budget:
    """What the code may take, members and unpacked bytes, and what it took so far."""

    max_members: int = MAX_MEMBERS
    max_bytes: int = MAX_UNPACKED_BYTES
    members: int = 0
    unpacked: int = 0

    def member(self, what: str) -> None:
        self.members += 1
        if self.members > self.max_members:
            raise SourceRefused(f"{what} has more than {self.max_members} members; refused "
                                "before unpacking")

    def take(self, size: int, what: str, name: str) -> None:
        self.unpacked += size
        if self.unpacked > self.max_bytes:
            raise SourceRefused(f"{what} unpacks to more than {self.max_bytes} bytes "
                                f"(at member {name!r}); refused as a possible zip bomb")


def fetch_source(url: str, kind: str, code_dir: Path, store_factory: Callable[[], ObjectStore],
                 *, max_bytes: int, timeout: float,
                 opener: Callable[..., Any] | None = None) -> None:
    """Fill ``code_dir`` (empty) from ``url``; raise NotReadable or SourceRefused."""
    if kind == "folder":
        fetch_folder(url, code_dir, store_factory, max_bytes=max_bytes)
        return
    try:
        location: SpecLocation | None = parse_location(url)  # oci:// or an Object Storage URL
    except LocationError:
        location = None  # any other https URL (the spec library checked the scheme)
    if location is not None:
        data, _ = store_factory().read(location, max_bytes=max_bytes, what="code")
    else:
        data = download_url(url, max_bytes=max_bytes, timeout=timeout, opener=opener)
    if kind == "file":
        (code_dir / file_name(url)).write_bytes(data)
    else:
        unpack(data, file_name(url), code_dir)


# -- archives -------------------------------------------------------------------------------

def unpack(data: bytes, name: str, root: Path) -> None:
    """Unpack the archive ``name`` (by its suffix) into ``root``; raise SourceRefused."""
    what = f"the archive {name}"
    try:
        if name.lower().endswith(".zip"):
            members = list(_zip_members(data, what))
        else:
            members = list(_tar_members(data, what))
        _write(members, root, what)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise SourceRefused(f"{what} could not be unpacked ({type(exc).__name__}: "
                            f"{str(exc)[:200]})") from None


@dataclass
class Member:
    name: str
    kind: str  # "file", "dir", "symlink", "hardlink"
    size: int = 0  # a folder's objects: the size listed, the most read
    target: str = ""
    read: Callable[[], IO[bytes]] | None = None


def _zip_members(data: bytes, what: str) -> Iterator[Member]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    budget = Budget()
    infos = archive.infolist()
    for info in infos:  # the central directory: every check before anything is unpacked
        budget.member(what)
        budget.take(info.file_size, what, info.filename)
    for info in infos:
        mode = info.external_attr >> 16
        name = info.filename
        if stat.S_ISLNK(mode):
            target = archive.read(info)[:4096].decode("utf-8", "replace")
            yield Member(name, "symlink", target=target)
        elif info.is_dir():
            yield Member(name, "dir")
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # zip tools often set no type
            raise SourceRefused(f"{what}: member {name!r} is a device file or FIFO; only "
                                "files, folders and links inside the archive are unpacked")
        else:
            yield Member(name, "file", read=functools.partial(archive.open, info))


def _tar_members(data: bytes, what: str) -> Iterator[Member]:
    archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    budget = Budget()
    members = []
    # Headers are read one by one, so a bomb is refused once its declared sizes pass the
    # limit, without decompressing the rest.
    for info in archive:
        budget.member(what)
        budget.take(info.size, what, info.name)
        members.append(info)
    for info in members:
        if info.issym():
            yield Member(info.name, "symlink", target=info.linkname)
        elif info.islnk():
            yield Member(info.name, "hardlink", target=info.linkname)
        elif info.isdir():
            yield Member(info.name, "dir")
        elif info.isreg():
            yield Member(info.name, "file", read=functools.partial(_tar_file, archive, info))
        else:
            raise SourceRefused(f"{what}: member {info.name!r} is a device file or FIFO; only "
                                "files, folders and links inside the archive are unpacked")


def _tar_file(archive: tarfile.TarFile, info: tarfile.TarInfo) -> IO[bytes]:
    stream = archive.extractfile(info)
    assert stream is not None  # None only for members that are not regular files
    return stream


def inside(name: str, what: str) -> str:
    """``name`` as a relative path that stays inside the code folder, or SourceRefused."""
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES or "\x00" in name:
        raise SourceRefused(f"{what}: a member's name is longer than {MAX_NAME_BYTES} bytes")
    if name.startswith("/") or name.startswith("\\") or (len(name) > 1 and name[1] == ":"):
        raise SourceRefused(f"{what}: member {name!r} has an absolute path; refused")
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        raise SourceRefused(f"{what}: member {name!r} points outside the code folder ('..'); "
                            "refused")
    normal = posixpath.normpath("/".join(parts))
    return "" if normal == "." else normal


def _write(members: list[Member], root: Path, what: str) -> None:
    """Files and folders first, then hard links (copies), then symlinks, each checked."""
    budget = Budget()
    written: dict[str, Path] = {}
    for member in members:
        relative = inside(member.name, what)
        if member.kind == "dir":
            if relative:
                (root / relative).mkdir(parents=True, exist_ok=True)
        elif member.kind == "file":
            if not relative or relative in written:
                raise SourceRefused(f"{what}: member {member.name!r} is given twice; refused")
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            assert member.read is not None
            with member.read() as source, target.open("xb") as sink:
                _copy(source, sink, budget, what, member.name)
            written[relative] = target
    for member in members:
        if member.kind == "hardlink":
            relative = inside(member.name, what)
            try:
                linked = inside(member.target, what)
            except SourceRefused:
                linked = ""
            if linked not in written:
                raise SourceRefused(f"{what}: hard link {member.name!r} points outside the "
                                    "code folder or at no file of the archive; refused")
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with written[linked].open("rb") as source, target.open("xb") as sink:
                _copy(source, sink, budget, what, member.name)
    real_root = os.path.realpath(root)
    for member in members:
        if member.kind == "symlink":
            relative = inside(member.name, what)
            if member.target.startswith("/") or not relative:
                raise SourceRefused(f"{what}: symlink {member.name!r} points outside the code "
                                    "folder; refused")
            link = root / relative
            link.parent.mkdir(parents=True, exist_ok=True)
            if os.path.lexists(link):
                raise SourceRefused(f"{what}: member {member.name!r} is given twice; refused")
            os.symlink(member.target, link)
            real = os.path.realpath(link)
            if os.path.commonpath([real_root, real]) != real_root:
                raise SourceRefused(f"{what}: symlink {member.name!r} points outside the code "
                                    "folder; refused")


def _copy(source: IO[bytes], sink: IO[bytes], budget: Budget, what: str, name: str) -> None:
    """Copy in chunks, counting the bytes really written (a header may lie about sizes)."""
    while chunk := source.read(CHUNK):
        budget.take(len(chunk), what, name)
        sink.write(chunk)


# -- Object Storage folders -----------------------------------------------------------------

def _list_failed(failure: Any) -> NotReadable:
    if failure.status in (401, 403, 404):
        return _not_permitted(failure)
    return _not_readable(failure)


LIST_ERRORS = ErrorTable({
    **transient(_not_readable, operation="ListObjects"),
    (ANY, ANY, ANY): Rule(_list_failed),
}, no_time=lambda failure: NotReadable(
    f"Object Storage did not list {failure.subject} within {CALL_BUDGET_SECONDS:.0f} s of "
    "retries"))


def list_folder(store: ObjectStore, namespace: str, bucket: str, prefix: str, subject: str
                ) -> list[tuple[str, int]]:
    """(name, size) of every object under ``prefix``; at most :data:`MAX_MEMBERS`."""
    service = OciService(store.service.client, store.service.name, LIST_ERRORS,
                         store.service.policy)
    found: list[tuple[str, int]] = []
    start: str | None = None
    for _ in range(MAX_MEMBERS // LIST_PAGE + 2):  # bounded: the cap ends it first
        kwargs: dict[str, Any] = {"prefix": prefix, "fields": "name,size", "limit": LIST_PAGE}
        if start:
            kwargs["start"] = start
        response = service.call("list_objects", namespace, bucket, subject=subject,
                                deadline=Deadline.after(CALL_BUDGET_SECONDS), **kwargs)
        listing = response.data
        found += [(item.name, item.size or 0) for item in listing.objects or []]
        if len(found) > MAX_MEMBERS:
            raise SourceRefused(f"the folder {subject} has more than {MAX_MEMBERS} objects; "
                                "refused")
        start = listing.next_start_with
        if not start:
            break
    return found


def fetch_folder(url: str, code_dir: Path, store_factory: Callable[[], ObjectStore], *,
                 max_bytes: int) -> None:
    """Every object under the prefix, into ``<code>/<folder name>/``."""
    location = parse_location(url)
    prefix = location.object.rstrip("/") + "/"
    subject = f"oci://{location.bucket}@{location.namespace}/{prefix}"
    what = f"the folder {subject}"
    store = store_factory()
    objects = list_folder(store, location.namespace, location.bucket, prefix, subject)
    if not objects:
        raise NotReadable(f"{what} is empty, does not exist or this job run may not list it; "
                          "check the location and the job-run dynamic group's policy")
    budget = Budget(max_bytes=min(MAX_UNPACKED_BYTES, max_bytes))
    members: list[Member] = []
    for name, size in objects:
        relative = name[len(prefix):]
        if not relative:
            continue
        budget.take(size, what, relative)
        kind = "dir" if relative.endswith("/") and size == 0 else "file"
        members.append(Member(relative, kind, size))
    folder = code_dir / folder_name(url)
    folder.mkdir()
    for member in members:
        relative = inside(member.name, what)
        target = folder / relative
        if member.kind == "dir" or not relative:
            target.mkdir(parents=True, exist_ok=True)
            continue
        object_location = SpecLocation(location.namespace, location.bucket,
                                       prefix + member.name)
        data, _ = store.read(object_location, max_bytes=max(member.size, 1), what="code file")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
