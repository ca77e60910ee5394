"""Python and script runtimes, ``job.runner.run()`` in-process against the job emulator: the
code from a file, a folder or an archive, run as ADS's drivers run it; what is refused
before anything runs; how a failure reads."""

from __future__ import annotations

import tarfile

import pytest

from job.errors import ExitCode
from tests.process.job.test_runner import SECRET, invoke
from tests.support.archives import tar_of, zip_bomb, zip_of

from .conftest import OUTPUT_BUCKET, RUN_OCID

OUTPUT = "oci://notebook-output@localns/results/"


def ads_spec(runtime: str, keys: str, env: str = "") -> bytes:
    """An ADS job YAML without an infrastructure section: the job's own."""
    lines = "".join(f"      {line}\n" for line in keys.strip().splitlines())
    return (f"kind: job\nspec:\n  name: script-test\n  runtime:\n    kind: runtime\n"
            f"    type: {runtime}\n    spec:\n{lines}{env}").encode()


@pytest.fixture
def launch(runner_env, job_oci):
    """Upload the spec (and code), run the container in-process, return its Result."""
    def launch(spec: bytes, code: dict[str, bytes | str] | None = None, **env: str):
        for name, content in (code or {}).items():
            job_oci.put(name, content.encode() if isinstance(content, str) else content)
        job_oci.put("specs/script.yaml", spec)
        return invoke({**runner_env, "NOTEPAD_YAML_URL": job_oci.location("specs/script.yaml"),
                       "SOME_TOKEN": SECRET, **env})
    return launch


HELLO = """import os, sys
os.makedirs("out", exist_ok=True)
with open("out/greeting.txt", "w") as f:
    f.write("hello " + " ".join(sys.argv[1:]) + " " + os.environ.get("WHO", "?"))
print("wrote the greeting")
"""


def test_a_python_file_runs_with_its_args_and_env_and_its_output_is_uploaded(launch, job_oci):
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/hello.py")}
args: [big, world]
outputDir: out
outputUri: {OUTPUT}
"""), {"code/hello.py": HELLO}, WHO="from-env")

    assert result.code == ExitCode.OK, result.err
    assert "wrote the greeting" in result.out
    assert job_oci.objects() == [f"results/{RUN_OCID}/greeting.txt"]
    assert job_oci.read(f"results/{RUN_OCID}/greeting.txt") == (
        b"hello big world from-env", "text/plain")
    assert SECRET not in result.out + result.err


def test_a_folder_runs_from_its_working_dir_with_python_path_and_entry_function(launch,
                                                                                job_oci):
    code = {
        "code/proj/app/main.py": "import helper\n"
                                 "def run(first, mode=None):\n"
                                 "    print('called', first, mode, helper.VALUE)\n"
                                 "    open('out.txt', 'w').write(first)\n",
        "code/proj/lib/helper.py": "VALUE = 'helped'\n",
        "code/proj/notes/readme.txt": "not code",
    }
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/proj/")}
workingDir: proj
entrypoint: app/main.py
entryFunction: run
pythonPath: [lib]
args: [one, --mode, fast]
outputDir: .
outputUri: {OUTPUT}
"""), code)

    assert result.code == ExitCode.OK, result.err
    assert "called one fast helped" in result.out
    assert sorted(job_oci.objects()) == [f"results/{RUN_OCID}/{name}" for name in
                                         ("app/main.py", "lib/helper.py", "notes/readme.txt",
                                          "out.txt")]


def test_a_bash_entrypoint_in_a_zip_archive_gets_its_args(launch, job_oci):
    archive = zip_of({"tool/run.sh": 'echo "args: $1|$2 in $(basename "$PWD")"\n',
                      "tool/other.py": ""})
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/tool.zip")}
entrypoint: tool/run.sh
args: [a b, "c"]
"""), {"code/tool.zip": archive})

    assert result.code == ExitCode.OK, result.err
    assert "args: a b|c in code" in result.out


def test_a_tar_gz_archive_runs_its_python_entrypoint(launch, job_oci):
    archive = tar_of({"pkg/main.py": "import sys; print('tar ok', sys.argv[1:])\n"})
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/pkg.tar.gz")}
entrypoint: pkg/main.py
"""), {"code/pkg.tar.gz": archive})

    assert result.code == ExitCode.OK, result.err
    assert "tar ok []" in result.out


def test_a_failing_script_exits_non_zero_with_its_last_error_line(launch, job_oci):
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/fail.py")}
outputDir: out
outputUri: {OUTPUT}
"""), {"code/fail.py": "import os\nos.makedirs('out')\nopen('out/partial.txt', 'w').write('x')"
                       "\nraise ValueError('the input is empty')\n"})

    assert result.code == ExitCode.CELL_ERROR
    assert "Traceback" in result.err
    assert result.last == ("job-runner: the script fail.py failed with exit code 1: "
                           "ValueError: the input is empty")
    assert job_oci.objects() == [f"results/{RUN_OCID}/partial.txt"]  # uploaded anyway


def test_a_failing_shell_script_names_its_exit_code(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/fail.sh")}
"""), {"code/fail.sh": "echo 'disk full' >&2\nexit 3\n"})

    assert result.code == ExitCode.CELL_ERROR
    assert result.last == "job-runner: the script fail.sh failed with exit code 3: disk full"


def test_a_missing_entrypoint_is_named_with_the_fix(launch, job_oci):
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/proj/")}
entrypoint: main.py
"""), {"code/proj/main.py": "print('never')\n"})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert result.last == ("job-runner: the entrypoint main.py (spec.runtime.spec.entrypoint) "
                           "is not a file in the code folder; did you mean proj/main.py? "
                           "(a folder's own name comes first)")
    assert "never" not in result.out


@pytest.mark.parametrize("archive, member", [
    (zip_of({"../evil.py": "print('escaped')"}), "../evil.py"),
    (tar_of({"/etc/evil.py": "x"}), "/etc/evil.py"),
    (tar_of({"ok/main.py": "print('ran')"}, symlinks={"ok/passwd": "../../../etc/passwd"}),
     "ok/passwd"),
    (tar_of({"ok/main.py": "print('ran')"}, symlinks={"ok/up": ".", "ok/out": "up/../.."}),
     "ok/out"),
    (tar_of({"ok/main.py": "print('ran')"}, hardlinks={"ok/h": "/etc/passwd"}), "ok/h"),
    (zip_of({"ok/main.py": "print('ran')"}, links={"ok/link": "/etc/passwd"}), "ok/link"),
], ids=["zip-dotdot", "tar-absolute", "tar-symlink-out", "tar-symlink-chain-out",
        "tar-hardlink-out", "zip-symlink-out"])
def test_an_archive_member_leaving_the_code_folder_is_refused_before_anything_runs(
        launch, job_oci, archive, member):
    name = "code/bad.zip" if archive.startswith(b"PK") else "code/bad.tar.gz"
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location(name)}
entrypoint: ok/main.py
"""), {name: archive})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert repr(member) in result.last
    assert "refused" in result.last
    assert "ran" not in result.out


def test_a_zip_bomb_is_refused_before_it_is_unpacked(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/bomb.zip")}
entrypoint: ok/main.py
"""), {"code/bomb.zip": zip_bomb()})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert "unpacks to more than 1073741824 bytes (at member 'ok/zeros-15')" in result.last
    assert "zip bomb" in result.last
    assert "ran" not in result.out


def test_a_device_file_in_an_archive_is_refused(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/dev.tar.gz")}
entrypoint: ok/main.py
"""), {"code/dev.tar.gz": tar_of({}, special={"ok/null": tarfile.CHRTYPE})})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert "member 'ok/null' is a device file" in result.last


def test_a_folder_object_leaving_the_folder_is_refused(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/proj/")}
entrypoint: proj/main.py
"""), {"code/proj/main.py": "print('ran')", "code/proj/../../evil.py": "x"})

    assert result.code == ExitCode.NOTEBOOK_INVALID
    assert "'../../evil.py' points outside the code folder" in result.last


def test_a_container_runtime_is_refused_by_the_container_as_by_validate(launch, job_oci):
    result = launch(b"kind: job\nspec:\n  runtime:\n    type: container\n"
                    b"    spec: {image: x}\n")

    assert result.code == ExitCode.SPEC_INVALID
    assert "invalid spec: spec.runtime.type: is not supported: a container runtime runs " \
           "another image" in result.err


def test_the_output_bucket_is_untouched_without_output_dir(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/run.sh")}
"""), {"code/run.sh": "echo plain > out.txt\n"})

    assert result.code == ExitCode.OK, result.err
    assert job_oci.objects(OUTPUT_BUCKET) == []
    assert "nothing the code writes is kept" in result.out


def test_an_output_dir_the_code_never_made_is_said_and_nothing_is_uploaded(launch, job_oci):
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/quiet.py")}
outputDir: out
outputUri: {OUTPUT}
"""), {"code/quiet.py": "print('done')\n"})

    assert result.code == ExitCode.OK, result.err
    assert job_oci.objects() == []
    assert "the code left no folder out (outputDir) inside the code folder: nothing to " \
           "upload" in result.out


def test_a_script_over_the_time_limit_is_killed_and_fails_the_run(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/forever.sh")}
"""), {"code/forever.sh": "echo started\nsleep 60\necho never\n"},
        NOTEBOOK_CELL_TIMEOUT_SECONDS="1")

    assert result.code == ExitCode.CELL_ERROR
    assert result.last == ("job-runner: the script forever.sh timed out after 1 s "
                           "(NOTEBOOK_CELL_TIMEOUT_SECONDS)")
    assert "started" in result.out and "never" not in result.out


def test_a_missing_entry_function_is_named(launch, job_oci):
    result = launch(ads_spec("python", f"""
scriptPathURI: {job_oci.location("code/jobs.py")}
entryFunction: mian
"""), {"code/jobs.py": "def main():\n    print('never')\n"})

    assert result.code == ExitCode.CELL_ERROR
    assert result.last == ("job-runner: the function mian of jobs.py failed with exit code 2: "
                           "entryFunction mian is not a function of the entrypoint")


def test_missing_code_is_not_readable_and_named(launch, job_oci):
    result = launch(ads_spec("python", f"scriptPathURI: {job_oci.location('code/gone.py')}"))

    assert result.code == ExitCode.NOT_READABLE
    assert result.last.startswith(f"job-runner: the code {job_oci.location('code/gone.py')} "
                                  "does not exist or this job run may not read it (404")


def test_an_empty_or_missing_folder_is_not_readable(launch, job_oci):
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/nothing/")}
entrypoint: nothing/run.sh
"""))

    assert result.code == ExitCode.NOT_READABLE
    assert result.last == (f"job-runner: the folder {job_oci.location('code/nothing/')} is "
                           "empty, does not exist or this job run may not list it; check the "
                           "location and the job-run dynamic group's policy")


def test_links_that_stay_inside_the_code_folder_are_kept(launch, job_oci):
    archive = tar_of({"app/v2/main.py": "print('v2 ran')\n"},
                     symlinks={"app/current": "v2"},
                     hardlinks={"app/copy.py": "app/v2/main.py"})
    result = launch(ads_spec("script", f"""
scriptPathURI: {job_oci.location("code/app.tar.gz")}
entrypoint: app/current/main.py
"""), {"code/app.tar.gz": archive})

    assert result.code == ExitCode.OK, result.err
    assert "v2 ran" in result.out
