"""Bringing a script runtime's code into the code folder, in-process: archives unpacked
safely (every refusal's words, every limit exactly at and just past it), Object Storage
folders listed and read through a fake of Object Storage, single files by their location.
What a whole run shows stays in tests/process/job/test_scripts.py."""

from __future__ import annotations

import io
import os
import stat
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from job import sources
from job.errors import NotReadable
from job.sources import (
    MAX_NAME_BYTES,
    MAX_UNPACKED_BYTES,
    Budget,
    SourceRefused,
    fetch_folder,
    fetch_source,
    inside,
    list_folder,
    unpack,
)
from job.storage import ObjectStore
from ociplatform.retry import RetryPolicy
from tests.support.archives import tar_of, zip_declaring, zip_of
from tests.support.fakes import FakeObjectStorage, service_error
from tests.support.jobrunner import HttpResponse

WHAT = "the archive code.tar.gz"


# limits -------------------------------------------------------------------------------------

def test_a_budget_allows_exactly_its_members_and_bytes_and_names_what_passed_them():
    budget = Budget(max_members=2, max_bytes=10)
    budget.member(WHAT)
    budget.member(WHAT)
    with pytest.raises(SourceRefused) as members:
        budget.member(WHAT)
    assert members.value.message == (f"{WHAT} has more than 2 members; refused before "
                                     "unpacking")
    budget.take(4, WHAT, "a.py")
    budget.take(6, WHAT, "b.py")
    with pytest.raises(SourceRefused) as size:
        budget.take(1, WHAT, "c.py")
    assert size.value.message == (f"{WHAT} unpacks to more than 10 bytes (at member 'c.py'); "
                                  "refused as a possible zip bomb")


def test_a_zip_is_refused_by_its_declared_sizes_before_anything_is_unpacked(tmp_path):
    files = {"ok/main.py": b"print('ran')", "ok/big": b"", "ok/bigger": b""}
    half = MAX_UNPACKED_BYTES // 2
    with pytest.raises(SourceRefused) as caught:
        unpack(zip_declaring(files, half), "code.zip", tmp_path)
    assert caught.value.message == (
        f"the archive code.zip unpacks to more than {MAX_UNPACKED_BYTES} bytes (at member "
        "'ok/bigger'); refused as a possible zip bomb")
    assert list(tmp_path.iterdir()) == []


def test_each_member_of_a_zip_is_counted_before_anything_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "Budget", lambda: Budget(max_members=2))
    unpack(zip_of({"a.py": "1", "b/": ""}), "code.zip", tmp_path / "two")
    with pytest.raises(SourceRefused) as caught:
        unpack(zip_of({"a.py": "1", "b/": "", "c.py": ""}), "code.zip", tmp_path)
    assert caught.value.message == ("the archive code.zip has more than 2 members; refused "
                                    "before unpacking")
    assert list(tmp_path.iterdir()) == [tmp_path / "two"]


def test_a_tar_header_declaring_too_much_is_refused_before_its_data_is_read(tmp_path):
    info = tarfile.TarInfo("ok/huge")
    info.size = MAX_UNPACKED_BYTES + 1
    with pytest.raises(SourceRefused) as caught:
        unpack(info.tobuf(), "code.tar", tmp_path)
    assert caught.value.message == (
        f"the archive code.tar unpacks to more than {MAX_UNPACKED_BYTES} bytes (at member "
        "'ok/huge'); refused as a possible zip bomb")


def test_each_member_of_a_tar_is_counted_before_anything_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "Budget", lambda: Budget(max_members=2))
    archive = tar_of({"a.py": "1", "b.py": "2"})
    unpack(archive, "code.tar.gz", tmp_path / "two")
    with pytest.raises(SourceRefused) as caught:
        unpack(tar_of({"a.py": "1", "b.py": "2", "c.py": "3"}), "code.tar.gz", tmp_path)
    assert caught.value.message == ("the archive code.tar.gz has more than 2 members; refused "
                                    "before unpacking")
    assert list(tmp_path.iterdir()) == [tmp_path / "two"]


def test_a_hard_links_copy_counts_toward_the_unpacked_size(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "Budget", lambda: Budget(max_bytes=3))
    with pytest.raises(SourceRefused) as caught:
        unpack(tar_of({"a.py": "12"}, hardlinks={"h.py": "a.py"}), "c.tar.gz", tmp_path)
    assert caught.value.message == ("the archive c.tar.gz unpacks to more than 3 bytes (at "
                                    "member 'h.py'); refused as a possible zip bomb")


def test_the_bytes_really_written_are_counted_whatever_a_header_says():
    sink = io.BytesIO()
    sources._copy(io.BytesIO(b"x" * 5), sink, Budget(max_bytes=5), WHAT, "a")
    assert sink.getvalue() == b"x" * 5
    with pytest.raises(SourceRefused, match="more than 4 bytes \\(at member 'a'\\)"):
        sources._copy(io.BytesIO(b"x" * 5), io.BytesIO(), Budget(max_bytes=4), WHAT, "a")


# member names -------------------------------------------------------------------------------

def test_a_member_name_inside_the_code_folder_is_kept_relative():
    kept = {"a.py": "a.py", "a": "a", "./lib//b.py": "lib/b.py", "lib\\b.py": "lib/b.py",
            "dir/": "dir", ".": "", "./": "", "x" * MAX_NAME_BYTES: "x" * MAX_NAME_BYTES,
            "é" * (MAX_NAME_BYTES // 2): "é" * (MAX_NAME_BYTES // 2),
            "bad\udcffname.py": "bad\udcffname.py",  # a tar name that was not UTF-8
            "ab:c": "ab:c"}
    assert {name: inside(name, WHAT) for name in kept} == kept


def refusal(name: str) -> str:
    try:
        inside(name, WHAT)
    except SourceRefused as exc:
        return exc.message
    return "(kept)"


REFUSED_NAMES = [
    ("x" * (MAX_NAME_BYTES + 1), f"{WHAT}: a member's name is longer than {MAX_NAME_BYTES} bytes"),
    ("é" * (MAX_NAME_BYTES // 2) + "x",
     f"{WHAT}: a member's name is longer than {MAX_NAME_BYTES} bytes"),
    ("a\x00.py", f"{WHAT}: a member's name is longer than {MAX_NAME_BYTES} bytes"),
    ("/etc/passwd", f"{WHAT}: member '/etc/passwd' has an absolute path; refused"),
    ("\\windows\\x", f"{WHAT}: member '\\\\windows\\\\x' has an absolute path; refused"),
    ("C:x.py", f"{WHAT}: member 'C:x.py' has an absolute path; refused"),
    ("C:", f"{WHAT}: member 'C:' has an absolute path; refused"),
    ("../x.py", f"{WHAT}: member '../x.py' points outside the code folder ('..'); refused"),
    ("a/../../x", f"{WHAT}: member 'a/../../x' points outside the code folder ('..'); "
                  "refused"),
    ("a\\..\\x", f"{WHAT}: member 'a\\\\..\\\\x' points outside the code folder ('..'); "
                 "refused"),
]


def test_a_member_name_leaving_the_code_folder_is_refused():
    assert {name: refusal(name) for name, _ in REFUSED_NAMES} == dict(REFUSED_NAMES)


# archives -----------------------------------------------------------------------------------

def tree(root: Path) -> dict[str, str]:
    """Every path under ``root``: a file's text, ``-> target`` for a link, ``/`` a folder."""
    found = {}
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[key] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[key] = "/"
        else:
            found[key] = path.read_text()
    return found


def test_a_zip_is_unpacked_with_its_folders_and_the_links_that_stay_inside(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app/main.py", "print('ran')")
        archive.writestr("app/empty/", "")
        plain = zipfile.ZipInfo("app/plain.sh")  # no file type, as many zip tools write
        plain.external_attr = 0o644 << 16
        archive.writestr(plain, "echo hi")
        untyped = zipfile.ZipInfo("app/untyped.py")
        untyped.external_attr = 0
        archive.writestr(untyped, "x = 1")
        link = zipfile.ZipInfo("app/current")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "main.py")
    unpack(buffer.getvalue(), "Code.ZIP", tmp_path)
    assert tree(tmp_path) == {"app": "/", "app/current": "-> main.py", "app/empty": "/",
                              "app/main.py": "print('ran')", "app/plain.sh": "echo hi",
                              "app/untyped.py": "x = 1"}


def test_a_device_or_fifo_in_a_zip_is_refused(tmp_path):
    for kind in (stat.S_IFCHR, stat.S_IFIFO, stat.S_IFBLK):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("ok/main.py", "print('ran')")
            device = zipfile.ZipInfo("ok/null")
            device.external_attr = (kind | 0o666) << 16
            archive.writestr(device, "")
        with pytest.raises(SourceRefused) as caught:
            unpack(buffer.getvalue(), "code.zip", tmp_path)
        assert caught.value.message == (
            "the archive code.zip: member 'ok/null' is a device file or FIFO; only files, "
            "folders and links inside the archive are unpacked"), oct(kind)
        assert list(tmp_path.iterdir()) == []


def test_a_tar_is_unpacked_with_folders_links_and_hard_links_as_copies(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        folder = tarfile.TarInfo("app/empty")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
    unpack(tar_of({"app/v2/main.py": "print('v2')"}, symlinks={"app/current": "v2"},
                  hardlinks={"app/copy.py": "app/v2/main.py"}), "code.tar.gz", tmp_path)
    assert tree(tmp_path) == {"app": "/", "app/copy.py": "print('v2')",
                              "app/current": "-> v2", "app/v2": "/",
                              "app/v2/main.py": "print('v2')"}
    copy = tmp_path / "app" / "copy.py"
    assert copy.stat().st_nlink == 1  # a copy: writing it leaves the original alone
    empty = tmp_path / "other"
    empty.mkdir()
    unpack(buffer.getvalue(), "code.tgz", empty)
    assert tree(empty) == {"app": "/", "app/empty": "/"}


def test_a_device_or_fifo_in_a_tar_is_refused(tmp_path):
    for kind in (tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE):
        with pytest.raises(SourceRefused) as caught:
            unpack(tar_of({}, special={"ok/null": kind}), "code.tar", tmp_path)
        assert caught.value.message == (
            "the archive code.tar: member 'ok/null' is a device file or FIFO; only files, "
            "folders and links inside the archive are unpacked"), kind


@pytest.mark.parametrize(("archive", "message"), [
    (zip_of({"a.py": "1", "./a.py": "2"}), "member './a.py' is given twice; refused"),
    (tar_of({".": "x"}), "member '.' is given twice; refused"),
    (tar_of({"app/main.py": "1"}, symlinks={"app/main.py": "other.py"}),
     "member 'app/main.py' is given twice; refused"),
    # files are written before links, so a file never lands behind a link of the same name
    (tar_of({"lib/x.py": "1"}, symlinks={"lib": "elsewhere"}),
     "member 'lib' is given twice; refused"),
    (tar_of({"a.py": "1"}, symlinks={"passwd": "/etc/passwd"}),
     "symlink 'passwd' points outside the code folder; refused"),
    (tar_of({"a.py": "1"}, symlinks={".": "a.py"}),
     "symlink '.' points outside the code folder; refused"),
    (tar_of({"ok/a.py": "1"}, symlinks={"ok/up": "..", "ok/out": "up/.."}),
     "symlink 'ok/out' points outside the code folder; refused"),
    (tar_of({"a.py": "1"}, hardlinks={"h": "/etc/passwd"}),
     "hard link 'h' points outside the code folder or at no file of the archive; refused"),
    (tar_of({"a.py": "1"}, hardlinks={"h": "b.py"}),
     "hard link 'h' points outside the code folder or at no file of the archive; refused"),
], ids=["file-twice", "file-named-dot", "link-over-file", "link-over-folder",
        "absolute-link", "link-named-dot", "link-chain-out", "hard-link-out",
        "hard-link-to-nothing"])
def test_an_unsafe_archive_member_is_named_in_the_refusal(tmp_path, archive, message):
    name = "code.zip" if archive.startswith(b"PK") else "code.tar.gz"
    with pytest.raises(SourceRefused) as caught:
        unpack(archive, name, tmp_path)
    assert caught.value.message == f"the archive {name}: {message}"


def test_an_absolute_link_is_refused_even_into_the_code_folder(tmp_path):
    # it would point elsewhere once the folder moves, and reveal where the code runs
    archive = tar_of({"a.py": "1"}, symlinks={"b.py": str(tmp_path / "a.py")})
    with pytest.raises(SourceRefused) as caught:
        unpack(archive, "c.tar.gz", tmp_path)
    assert caught.value.message == ("the archive c.tar.gz: symlink 'b.py' points outside the "
                                    "code folder; refused")


def test_a_link_up_and_back_inside_is_kept(tmp_path):
    unpack(tar_of({"ok/a.py": "1"}, symlinks={"ok/same": "../ok/a.py"}), "c.tar.gz", tmp_path)
    assert (tmp_path / "ok" / "same").read_text() == "1"


def test_what_is_not_an_archive_is_refused_with_the_readers_reason(tmp_path):
    with pytest.raises(SourceRefused) as caught:
        unpack(b"not a zip", "code.zip", tmp_path)
    assert caught.value.message == ("the archive code.zip could not be unpacked (BadZipFile: "
                                    "File is not a zip file)")
    with pytest.raises(SourceRefused) as caught:
        unpack(b"not a tar", "code.tar.gz", tmp_path)
    reason = _reason_of(b"not a tar")
    assert len(reason) > 200  # tarfile tries every compression and says why each failed
    assert caught.value.message == ("the archive code.tar.gz could not be unpacked (ReadError: "
                                    f"{reason[:200]})")


def _reason_of(data: bytes) -> str:
    try:
        tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except tarfile.ReadError as exc:
        return str(exc)
    raise AssertionError("tarfile read it")


# single files -------------------------------------------------------------------------------

def store_with(objects: dict[str, bytes]) -> tuple[ObjectStore, FakeObjectStorage]:
    client = FakeObjectStorage()
    for name, data in objects.items():
        client.put("ns", "code", name, data)
    return ObjectStore(client, RetryPolicy(sleep=lambda seconds: None)), client


def test_a_file_is_read_with_the_runs_principal_under_its_own_name(tmp_path):
    store, _ = store_with({"jobs/train.py": b"print(1)"})
    fetch_source("oci://code@ns/jobs/train.py", "file", tmp_path, lambda: store,
                 max_bytes=8, timeout=5)
    assert tree(tmp_path) == {"train.py": "print(1)"}
    with pytest.raises(NotReadable) as caught:
        fetch_source("oci://code@ns/jobs/train.py", "file", tmp_path, lambda: store,
                     max_bytes=7, timeout=5)
    assert caught.value.message == "the code oci://code@ns/jobs/train.py is larger than 7 bytes"


def test_missing_code_is_named_as_the_code():
    store, _ = store_with({})
    with pytest.raises(NotReadable) as caught:
        fetch_source("oci://code@ns/gone.zip", "archive", Path("/nonexistent"), lambda: store,
                     max_bytes=8, timeout=5)
    assert caught.value.message.startswith("the code oci://code@ns/gone.zip does not exist or "
                                           "this job run may not read it (404 ObjectNotFound)")


def test_an_archive_is_unpacked_into_the_code_folder(tmp_path):
    store, _ = store_with({"tool.zip": zip_of({"tool/run.sh": "echo"})})
    fetch_source("oci://code@ns/tool.zip", "archive", tmp_path, lambda: store,
                 max_bytes=10_000, timeout=5)
    assert tree(tmp_path) == {"tool": "/", "tool/run.sh": "echo"}


def test_code_elsewhere_is_downloaded_with_the_timeout_and_the_cap(tmp_path):
    asked: list[tuple[str, float]] = []

    def opener(request: Any, timeout: float) -> HttpResponse:
        asked.append((request.full_url, timeout))
        return HttpResponse(b"echo hi")

    def no_store() -> ObjectStore:
        raise AssertionError("Object Storage is not asked for an https download")

    url = "https://example.com/tools/run%20it.sh"
    fetch_source(url, "file", tmp_path, no_store, max_bytes=7, timeout=12, opener=opener)
    assert tree(tmp_path) == {"run it.sh": "echo hi"}
    assert asked == [(url, 12)]
    with pytest.raises(NotReadable, match="is larger than 6 bytes"):
        fetch_source(url, "file", tmp_path, no_store, max_bytes=6, timeout=12, opener=opener)


# Object Storage folders ---------------------------------------------------------------------

def test_a_folder_is_laid_out_under_its_own_name(tmp_path):
    store, _ = store_with({"team/proj/": b"", "team/proj/app/main.py": b"print(1)",
                           "team/proj/data/": b"", "team/proj/lib/x/y/helper.py": b"V = 1",
                           "team/proj/deep/er/": b"", "team/project-other/x.py": b"not this"})
    fetch_folder("oci://code@ns/team/proj", tmp_path, lambda: store, max_bytes=100)
    assert tree(tmp_path) == {"proj": "/", "proj/app": "/", "proj/app/main.py": "print(1)",
                              "proj/data": "/", "proj/deep": "/", "proj/deep/er": "/",
                              "proj/lib": "/", "proj/lib/x": "/", "proj/lib/x/y": "/",
                              "proj/lib/x/y/helper.py": "V = 1"}


def test_a_folder_is_read_through_fetch_source_too(tmp_path):
    store, _ = store_with({"proj/main.py": b"print(1)"})
    fetch_source("oci://code@ns/proj/", "folder", tmp_path, lambda: store, max_bytes=100,
                 timeout=5)
    assert tree(tmp_path) == {"proj": "/", "proj/main.py": "print(1)"}


def test_a_folder_object_with_content_and_a_trailing_slash_is_a_file(tmp_path):
    store, _ = store_with({"proj/main.py": b"1", "proj/odd/": b"data"})
    fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert tree(tmp_path) == {"proj": "/", "proj/main.py": "1", "proj/odd": "data"}


def test_a_folder_is_listed_page_by_page_asking_for_names_and_sizes():
    store, client = store_with({f"proj/f{i:04}.py": b"" for i in range(2001)})
    found = list_folder(store, "ns", "code", "proj/", "the folder")
    assert [name for name, _ in found] == [f"proj/f{i:04}.py" for i in range(2001)]
    assert [call.kwargs for call in client.calls] == [
        {"prefix": "proj/", "fields": "name,size", "limit": 1000},
        {"prefix": "proj/", "fields": "name,size", "limit": 1000, "start": "proj/f1000.py"},
        {"prefix": "proj/", "fields": "name,size", "limit": 1000, "start": "proj/f2000.py"}]


@pytest.mark.parametrize("page", [1, 2, 3])
def test_a_folder_of_exactly_the_most_objects_is_listed_and_one_more_refused(monkeypatch,
                                                                              page):
    monkeypatch.setattr(sources, "MAX_MEMBERS", 3)  # small limits, the same rules
    monkeypatch.setattr(sources, "LIST_PAGE", page)
    store, client = store_with({f"p/{i}": b"" for i in range(3)})
    assert len(list_folder(store, "ns", "code", "p/", "oci://code@ns/p/")) == 3
    client.put("ns", "code", "p/one-more", b"")
    with pytest.raises(SourceRefused) as caught:
        list_folder(store, "ns", "code", "p/", "oci://code@ns/p/")
    assert caught.value.message == ("the folder oci://code@ns/p/ has more than 3 objects; "
                                    "refused")


def test_a_folder_larger_than_the_code_limit_is_refused_before_anything_is_read(tmp_path):
    store, client = store_with({"proj/a.py": b"12345", "proj/b.py": b"123456"})
    with pytest.raises(SourceRefused) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=10)
    assert caught.value.message == ("the folder oci://code@ns/proj/ unpacks to more than 10 "
                                    "bytes (at member 'b.py'); refused as a possible zip bomb")
    assert client.methods() == ["list_objects"] and list(tmp_path.iterdir()) == []
    fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=11)
    assert tree(tmp_path) == {"proj": "/", "proj/a.py": "12345", "proj/b.py": "123456"}


def test_an_object_that_grew_after_the_listing_is_refused(tmp_path):
    store, client = store_with({"proj/a.py": b"12345", "proj/empty.py": b"ab"})
    client.listed_sizes = {"proj/a.py": 4, "proj/empty.py": 0}
    with pytest.raises(NotReadable) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert caught.value.message == "the code file oci://code@ns/proj/a.py is larger than 4 bytes"
    client.listed_sizes = {"proj/empty.py": 0}
    (tmp_path / "again").mkdir()
    with pytest.raises(NotReadable) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path / "again", lambda: store, max_bytes=100)
    assert caught.value.message == ("the code file oci://code@ns/proj/empty.py is larger than 1 "
                                    "bytes")


def test_an_empty_folder_is_not_readable_and_says_what_to_check(tmp_path):
    store, _ = store_with({"projects/x.py": b"1"})
    with pytest.raises(NotReadable) as caught:
        fetch_folder("oci://code@ns/proj", tmp_path, lambda: store, max_bytes=100)
    assert caught.value.message == (
        "the folder oci://code@ns/proj/ is empty, does not exist or this job run may not list "
        "it; check the location and the job-run dynamic group's policy")


def test_a_folder_object_leaving_the_folder_is_refused(tmp_path):
    store, _ = store_with({"proj/main.py": b"1", "proj/../../evil.py": b"x"})
    with pytest.raises(SourceRefused) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert caught.value.message == ("the folder oci://code@ns/proj/: member '../../evil.py' "
                                    "points outside the code folder ('..'); refused")


@pytest.mark.parametrize(("status", "code", "message"), [
    (404, "BucketNotFound", "oci://code@ns/proj/ does not exist or this job run may not read "
                            "it (404 BucketNotFound); check the job-run dynamic group's policy"),
    (403, "NotAuthorized", "oci://code@ns/proj/ does not exist or this job run may not read it "
                           "(403 NotAuthorized); check the job-run dynamic group's policy"),
    (401, "NotAuthenticated", "oci://code@ns/proj/ does not exist or this job run may not read "
                              "it (401 NotAuthenticated); check the job-run dynamic group's "
                              "policy"),
    (400, "InvalidParameter", "Object Storage failed to return oci://code@ns/proj/ (400 "
                              "InvalidParameter)"),
])
def test_a_listing_refused_says_why(tmp_path, status, code, message):
    store, client = store_with({})
    client.fail("list_objects", service_error(status, code))
    with pytest.raises(NotReadable) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert caught.value.message == message


def test_a_listing_that_fails_for_a_moment_is_retried(tmp_path):
    store, client = store_with({"proj/a.py": b"1"})
    client.fail("list_objects", service_error(503, "ServiceUnavailable"))
    fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert client.methods() == ["list_objects", "list_objects", "get_object"]


def test_a_listing_with_no_time_left_says_how_long_it_tried(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "CALL_BUDGET_SECONDS", 0.0)  # every deadline already passed
    store, client = store_with({"proj/a.py": b"1"})
    with pytest.raises(NotReadable) as caught:
        fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=100)
    assert caught.value.message == ("Object Storage did not list oci://code@ns/proj/ within 0 s "
                                    "of retries")
    assert client.calls == []


def test_links_may_make_the_folders_they_sit_in(tmp_path):
    unpack(tar_of({"a.py": "1"}, symlinks={"x/y/link.py": "../../a.py"},
                  hardlinks={"p/q/copy.py": "a.py"}), "c.tar.gz", tmp_path)
    assert tree(tmp_path) == {"a.py": "1", "p": "/", "p/q": "/", "p/q/copy.py": "1", "x": "/",
                              "x/y": "/", "x/y/link.py": "-> ../../a.py"}


def test_a_zip_links_target_that_is_not_utf8_is_kept_readable(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("odd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, b"caf\xe9.py")
    unpack(buffer.getvalue(), "c.zip", tmp_path)
    assert tree(tmp_path) == {"odd": "-> caf\ufffd.py"}


def test_empty_objects_count_nothing_toward_the_folders_size(tmp_path):
    store, _ = store_with({"proj/a.py": b"12345", "proj/__init__.py": b"", "proj/.": b"x"})
    fetch_folder("oci://code@ns/proj/", tmp_path, lambda: store, max_bytes=6)
    # "proj/." names the folder itself: it is not a file of it
    assert tree(tmp_path) == {"proj": "/", "proj/__init__.py": "", "proj/a.py": "12345"}
