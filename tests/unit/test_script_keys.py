"""The python runtime's own keys (pythonPath, entryFunction, outputDir/outputUri): what each
accepts and the exact problem for what it does not, and the name a folder source gets."""

from __future__ import annotations

import pytest

from jobspec.errors import SpecInvalid
from jobspec.script_keys import MAX_PYTHON_PATHS, file_name, folder_name
from jobspec.spec import parse_spec
from ocirefs.locations import parse_allow_entry
from tests.support.spec_cases import FOLDER, SCRIPT, script

RUNTIME = "spec.runtime.spec"


def python(keys: str) -> bytes:
    return script("python", f"scriptPathURI: {SCRIPT}\n{keys}")


def problems(document: bytes) -> list[tuple[str | None, str]]:
    with pytest.raises(SpecInvalid) as raised:
        parse_spec(document)
    return [(problem.field, problem.message) for problem in raised.value.problems]


def folders(count: int) -> str:
    return "pythonPath: [" + ", ".join(f"lib{i}" for i in range(count)) + "]"


def test_a_single_file_is_its_own_entrypoint_both_named_by_the_code_location():
    keys = parse_spec(python("")).script
    assert keys is not None
    assert (keys.source, keys.source_kind, keys.entrypoint) == (SCRIPT, "file", "main.py")
    assert keys.source_field == keys.entrypoint_field == f"{RUNTIME}.scriptPathURI"


def test_up_to_32_python_path_folders_are_read_in_order():
    keys = parse_spec(python(folders(MAX_PYTHON_PATHS))).script
    assert keys is not None
    assert keys.python_path == tuple(f"lib{i}" for i in range(32))


@pytest.mark.parametrize(("keys", "message"), [
    (folders(MAX_PYTHON_PATHS + 1), "more than 32 folders"),
    ("pythonPath: lib", "expected a list of relative folders, got string; write [lib] or one "
                        "folder per line as - lib"),
    ("pythonPath: 5", "expected a list of relative folders, got integer"),
])
def test_a_python_path_that_is_not_a_short_list_is_refused(keys, message):
    assert problems(python(keys)) == [(f"{RUNTIME}.pythonPath", message)]


def test_the_entry_function_is_a_python_identifier_of_a_py_entrypoint():
    keys = parse_spec(python("entryFunction: main")).script
    assert keys is not None and keys.entry_function == "main"
    assert problems(python("entryFunction: not-a-name")) == [
        (f"{RUNTIME}.entryFunction",
         "expected the name of a function in the entrypoint (a Python identifier)")]
    assert problems(script("python", f"scriptPathURI: {FOLDER}\nentrypoint: run.sh\n"
                                     "entryFunction: main")) == [
        (f"{RUNTIME}.entryFunction", "needs a .py entrypoint (a function of a Python file)")]


def test_the_output_folder_and_its_upload_location_come_together():
    keys = parse_spec(python("outputDir: out\noutputUri: oci://out@ns/x/")).script
    assert keys is not None and keys.output_dir == "out"
    assert (keys.output, keys.output_field) == (parse_allow_entry("oci://out@ns/x/"),
                                                f"{RUNTIME}.outputUri")
    assert problems(python("outputDir: out")) == [
        (f"{RUNTIME}.outputDir",
         "needs outputUri as well: the oci://bucket@namespace/folder to upload it to")]
    assert problems(python("outputUri: oci://out@ns/x/")) == [
        (f"{RUNTIME}.outputUri",
         "has no effect without outputDir: the folder (relative to the working folder) to "
         "upload")]
    assert problems(python("outputDir: ../up\noutputUri: oci://out@ns/x/")) == [
        (f"{RUNTIME}.outputDir", "must stay inside the code folder: '..' is not allowed")]


@pytest.mark.parametrize(("url", "name"), [
    ("oci://code@ns/jobs/code_dir/", "code_dir"),
    ("oci://code@ns/jobs/lib", "lib"),
    ("oci://code@ns/", ""),
])
def test_a_folder_source_is_named_by_its_last_segment(url, name):
    assert folder_name(url) == name


def working_dir(value: str) -> bytes:
    return python(f"workingDir: {value}")


@pytest.mark.parametrize(("value", "read"), [
    ("./", ""), ("a/./b/", "a/b"), ("a" * 1024, "a" * 1024)])
def test_a_relative_path_is_read_normalised(value, read):
    keys = parse_spec(working_dir(value)).script
    assert keys is not None and keys.working_dir == read


@pytest.mark.parametrize(("value", "message"), [
    ("/abs", "expected a relative path inside the code folder (a/b.py), not an absolute one"),
    ("~/x", "expected a relative path inside the code folder (a/b.py), not an absolute one"),
    ("'a\\b'", "expected a relative path inside the code folder (a/b.py), not an absolute one"),
    ('"a\\0b"', "holds the control character U+0000"),
    ("a" * 1025, "is longer than 1024 characters"),
])
def test_a_path_that_is_not_relative_or_too_long_is_refused(value, message):
    assert problems(working_dir(value)) == [(f"{RUNTIME}.workingDir", message)]


@pytest.mark.parametrize(("url", "name"), [
    ("oci://code@ns/jobs/main.py", "main.py"),
    ("oci://code@ns/jobs/my%20job.py", "my%20job.py"),  # an object name is written as is
    ("https://objectstorage.eu-frankfurt-1.oraclecloud.com/n/ns/b/code/o/jobs%2Fmy%20job.py",
     "my job.py"),
    ("https://example.com/jobs/run.sh?version=2", "run.sh"),
    ("oci://code@ns/jobs/", ""),
])
def test_a_file_source_is_named_by_its_last_segment(url, name):
    assert file_name(url) == name


def test_a_script_runtime_refuses_each_python_key_once():
    keys = ("workingDir: a\npythonPath: [b]\nentryFunction: f\noutputDir: o\n"
            "outputUri: oci://o@n/x/")
    refused = ("is a python runtime key (ADS's script runtime has no such setting); write type: "
               "python to use it")
    assert problems(script("script", f"scriptPathURI: {SCRIPT}\n{keys}")) == [
        (f"{RUNTIME}.{key}", refused)
        for key in ("workingDir", "pythonPath", "entryFunction", "outputDir", "outputUri")]


@pytest.mark.parametrize("source", [FOLDER, "oci://code@ns/jobs/code.zip"])
def test_a_folder_or_archive_without_an_entrypoint_says_what_to_name(source):
    document = script("python", f"scriptPathURI: {source}\n")
    assert problems(document) == [(
        f"{RUNTIME}.entrypoint",
        "is required when scriptPathURI is a folder or an archive: the .py or .sh file to run, "
        "relative to the working folder (a folder's own name comes first, as in "
        "code_dir/main.py)")]
