"""Archives for the script runtime's tests, built in memory: plain ones, hostile ones."""

from __future__ import annotations

import functools
import io
import struct
import tarfile
import zipfile
import zlib


def zip_of(files: dict[str, str | bytes], links: dict[str, str] | None = None) -> bytes:
    """A zip of ``files``; ``links`` are symlink members (name → target)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, target)
    return buffer.getvalue()


def tar_of(files: dict[str, str], symlinks: dict[str, str] | None = None,
           hardlinks: dict[str, str] | None = None,
           special: dict[str, bytes] | None = None) -> bytes:
    """A .tar.gz of ``files``, then the symlink and hard link members (name → target), then
    ``special`` members (name → tarfile type: a device or a FIFO)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for kind, links in ((tarfile.SYMTYPE, symlinks), (tarfile.LNKTYPE, hardlinks)):
            for name, target in (links or {}).items():
                info = tarfile.TarInfo(name)
                info.type, info.linkname = kind, target
                archive.addfile(info)
        for name, kind in (special or {}).items():
            info = tarfile.TarInfo(name)
            info.type = kind
            archive.addfile(info)
    return buffer.getvalue()


@functools.cache
def zip_bomb(members: int = 17, member_bytes: int = 64 * 1024 * 1024) -> bytes:
    """``ok/main.py`` and ``members`` × ``member_bytes`` of zeros (17 × 64 MiB: over 1 GiB)
    in about a megabyte: the zeros are compressed once and stored under every name."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = deflate.compress(b"\0" * member_bytes) + deflate.flush()
    crc = zlib.crc32(b"\0" * member_bytes)
    entries = [("ok/main.py", *_deflated(b"print('ran')"))]
    entries += [(f"ok/zeros-{i}", zeros, crc, member_bytes) for i in range(members)]
    return raw_zip(entries)


def zip_declaring(files: dict[str, bytes], size: int) -> bytes:
    """A zip of ``files`` whose headers say each unpacks to ``size`` bytes: a header that
    lies, as a bomb's need not."""
    return raw_zip([(name, *_deflated(data)[:2], size) for name, data in files.items()])


def raw_zip(entries: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of (name, deflated data, CRC-32, declared unpacked size) entries, written
    byte by byte, so that the declared sizes can be anything."""
    body, central = io.BytesIO(), io.BytesIO()
    for name, data, checksum, size in entries:
        encoded = name.encode()
        offset = body.tell()
        body.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, checksum,
                               len(data), size, len(encoded), 0) + encoded + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21,
                                  checksum, len(data), size, len(encoded), 0, 0, 0, 0, 0,
                                  offset) + encoded)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                      central.tell(), body.tell(), 0)
    return body.getvalue() + central.getvalue() + end


def _deflated(data: bytes) -> tuple[bytes, int, int]:
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    return deflate.compress(data) + deflate.flush(), zlib.crc32(data), len(data)
