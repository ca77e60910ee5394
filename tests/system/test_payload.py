"""The function image's ``/python`` tree, built by ``tools/build_payload.py`` as the
Dockerfile builds it: within budget, exactly the locked packages, no test or build tools,
byte-compiled, and enough for a real run with nothing else on the path.

The direct-invocation tests run against it in ``test_payload_direct.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.spec_cases import flat
from tests.system.conftest import imported_modules, module_file
from tools import build_payload

MAX_PAYLOAD_MIB = 40
LOCK = build_payload.DEFAULT_LOCK
# Test runners, build tools and what the lock's overrides drop: none may reach the image.
NEVER_SHIPPED = {"pytest", "_pytest", "pytest_asyncio", "py", "pluggy", "iniconfig",
                 "Cython", "cython", "pyximport", "pip", "setuptools", "pkg_resources",
                 "_distutils_hack", "distutils", "wheel", "pbr", "iso8601", "aiohttp",
                 "pkcs11", "asn1crypto"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_names(lock: Path) -> set[str]:
    return {_normalise(line.split("==", 1)[0]) for line in lock.read_text().splitlines()
            if re.match(r"[A-Za-z0-9]", line)}


def installed_names(tree: Path) -> set[str]:
    return {_normalise(d.name[:-len(".dist-info")].rsplit("-", 1)[0])
            for d in tree.glob("*.dist-info")}


def test_payload_fits_the_budget(payload):
    size = build_payload.size_bytes(payload)
    assert size <= MAX_PAYLOAD_MIB * 2**20, f"{size / 2**20:.1f} MiB"


def test_both_sizes_are_reported_and_du_counts_the_disk_one(payload):
    du = shutil.which("du")
    if du is None:
        pytest.skip("du is not installed")
    counted = subprocess.run([du, "-s", "--block-size=1", str(payload)], capture_output=True,
                             text=True, check=True).stdout.split()[0]
    layer, disk = build_payload.size_bytes(payload), build_payload.disk_bytes(payload)
    assert disk == int(counted)
    assert layer < disk  # whole blocks: du shows more than a layer holds
    text = build_payload.describe_size(payload)
    assert text.startswith(f"{layer / 2**20:.1f} MiB in an image layer")
    assert "the 40 MiB target" in text.split(",")[0]
    assert f"{disk / 2**20:.1f} MiB on this disk as du counts it" in text


def test_payload_holds_exactly_the_locked_packages(payload):
    assert installed_names(payload) == locked_names(LOCK)
    assert {"fdk", "oci", "pyyaml", "httptools", "cryptography"} <= installed_names(payload)


def test_no_test_or_build_tools_are_shipped(payload):
    top_level = {path.name.split(".")[0] for path in payload.iterdir()}
    assert not top_level & NEVER_SHIPPED
    assert not {_normalise(n) for n in NEVER_SHIPPED} & installed_names(payload)
    assert not (payload / "fdk" / "tests").exists()
    importing_pytest = [path for path in payload.rglob("*.py") if re.search(
        r"^\s*(import|from)\s+pytest\b", path.read_text(errors="ignore"), re.MULTILINE)]
    assert importing_pytest == [], "a shipped module imports pytest"


def test_only_the_imported_oci_services_are_shipped(payload):
    services = {p.name for p in (payload / "oci").iterdir() if build_payload.is_oci_service(p)}
    assert services == build_payload.KEPT_OCI_SERVICES
    for sdk_package in ("auth", "retry", "pagination", "circuit_breaker", "_vendor"):
        assert (payload / "oci" / sdk_package / "__init__.py").is_file(), sdk_package


def test_records_list_only_files_that_are_shipped(payload):
    oci_record = next(payload.glob("oci-*.dist-info")) / "RECORD"
    rows = oci_record.read_text().splitlines()
    assert any(row.startswith("oci/data_science/") for row in rows)
    assert not any(row.startswith("oci/core/") for row in rows)
    for record in payload.glob("*.dist-info/RECORD"):
        for row in record.read_text().splitlines():
            path = row.split(",", 1)[0]
            assert path.startswith("..") or (payload / path).exists(), (record, path)


def test_every_module_is_byte_compiled_with_unchecked_hashes(payload):
    sources = list(payload.rglob("*.py"))
    assert len(sources) > 500
    missing, checked = [], []
    for source in sources:
        pyc = source.parent / "__pycache__" / f"{source.stem}.cpython-311.pyc"
        if not pyc.is_file():
            missing.append(source)
            continue
        # PEP 552 flags: 0b01 = hash-based, source not checked.
        if int.from_bytes(pyc.read_bytes()[4:8], "little") != 0b01:
            checked.append(pyc)
    assert missing == [] and checked == [], (missing[:5], checked[:5])


def elf_section_names(library: Path) -> set[str]:
    """Section names of an ELF64 little-endian shared object (the images' platform)."""
    data = library.read_bytes()
    assert data[:6] == b"\x7fELF\x02\x01", library
    header_offset = int.from_bytes(data[0x28:0x30], "little")
    entry_size, count, names_index = (int.from_bytes(data[at:at + 2], "little")
                                      for at in (0x3A, 0x3C, 0x3E))

    def section(index: int) -> tuple[int, int, int]:  # name offset, file offset, size
        at = header_offset + index * entry_size
        return (int.from_bytes(data[at:at + 4], "little"),
                int.from_bytes(data[at + 0x18:at + 0x20], "little"),
                int.from_bytes(data[at + 0x20:at + 0x28], "little"))

    _, names_at, _ = section(names_index)
    names = set()
    for index in range(count):
        name_offset = section(index)[0]
        end = data.index(b"\0", names_at + name_offset)
        names.add(data[names_at + name_offset:end].decode())
    return names


def test_extensions_are_stripped(payload):
    libraries = list(payload.rglob("*.so"))
    assert len(libraries) >= 5
    for library in libraries:
        sections = elf_section_names(library)
        assert ".dynsym" in sections and ".text" in sections, library
        leftovers = {name for name in sections if name.startswith(".debug") or name == ".symtab"}
        assert leftovers == set(), library


@pytest.mark.slow
def test_a_run_imports_only_from_the_image_and_every_module_is_compiled(
        payload, function_tree, payload_functions, oci_local):
    oci_local.put_spec("image/imports.yaml", flat())
    fn = payload_functions(PYTHONPROFILEIMPORTTIME="1")
    reply = fn.invoke({"specLocation": oci_local.location("image/imports.yaml")}).json()
    assert reply["ok"] is True, reply
    status = fn.invoke({"operation": "status", "jobRunId": reply["jobRunId"]}).json()
    assert status["ok"] is True, status
    names = imported_modules(fn.stderr())
    assert {"fdk", "yaml", "oci.data_science", "oci.object_storage", "func.service"} <= set(names)
    trees = [function_tree, payload]
    found = {name: module_file(name, trees) for name in names}
    for name in ("fdk", "yaml", "oci", "httptools", "cryptography", "func", "jobspec"):
        assert found[name] is not None, f"{name} is not in the image's trees"
    services = {name.split(".")[1] for name in names
                if name.startswith("oci.") and build_payload.is_oci_service(
                    payload / "oci" / name.split(".")[1])}
    assert services == build_payload.KEPT_OCI_SERVICES, "the kept services are the ones a run loads"
    sources = [path for path in found.values() if path is not None and path.suffix == ".py"]
    assert len(sources) > 400
    uncompiled = [path for path in sources
                  if not (path.parent / "__pycache__" / f"{path.stem}.cpython-311.pyc").is_file()]
    assert uncompiled == []


def test_make_payload_runs_the_same_script():
    makefile = (build_payload.ROOT / "Makefile").read_text()
    recipe = makefile.split("\npayload:", 1)[1].split("\n\n", 1)[0]
    assert "tools/build_payload.py" in recipe and "$(DEST)" in recipe


def test_build_replaces_only_an_earlier_payload(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not a payload")
    with pytest.raises(build_payload.PayloadError, match="not empty"):
        build_payload.build(other, replace=True)
    assert (other / "notes.txt").read_text() == "not a payload"
    assert not build_payload.is_payload(other)
    (other / "fdk-0.1.dist-info").mkdir()
    (other / "oci-2.0.dist-info").mkdir()
    assert build_payload.is_payload(other)


def test_records_are_trimmed_to_the_files_left(tmp_path):
    record = tmp_path / "pkg-1.0.dist-info" / "RECORD"
    record.parent.mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "kept.py").write_text("")
    record.write_text("pkg/kept.py,sha256=a,0\npkg/removed.py,sha256=b,0\n"
                      "../../bin/tool,sha256=c,0\npkg-1.0.dist-info/RECORD,,\n")
    build_payload.trim_records(tmp_path)
    assert record.read_text().splitlines() == [
        "pkg/kept.py,sha256=a,0", "../../bin/tool,sha256=c,0", "pkg-1.0.dist-info/RECORD,,"]
