"""Mutation testing of the launcher's packages (``make mutation``; never in CI).

mutmut (pinned in the dev lock) makes small edits ("mutants") to the code in ``func/``,
``jobspec/``, ``ociplatform/`` and ``job/`` and runs the in-process suite against each: a
mutant the tests notice is *killed*, one they don't *survived*. The score per package is
killed / (killed + survived), equivalent mutants (listed in ``EQUIVALENT`` with the reason no
test can tell them apart) left out.

mutmut switches mutants on inside one already-imported process, so it cannot see two
kinds of kill, and would under-count:

* code run at import time (``jobspec.yamlsafe`` builds its loader class when imported):
  the import happened before any mutant was switched on;
* the job container's subprocess tests, which import a fresh copy of the code.

So those mutants are checked again for real: the mutant is written into the source file
of a scratch copy and the suite runs in a new process (for ``job/``, with the subprocess
tests too). Checked again: every mutant reached by no test, and a survivor in ``job/`` or
in a function that runs at import time (found by tracing an import of the packages). Only
a mutant that survives that too is reported, with its diff. (mutmut mutates functions only:
module-level constants and class bodies are not mutated at all.)

The run works in ``build/mutation/`` (a copy of the tracked files), never in the work tree.
It samples: ``--sample N`` mutants per package, the same ones for the same code and
``--seed``, so a run stays within minutes on a small machine; ``--sample 0`` takes them all
(hours on two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation"
PACKAGES = ("func", "jobspec", "ociplatform", "job")
# The job container's tests against the emulator (its entrypoint as a process, its runner
# with real OCI clients): they see job/ mutants only as real edits.
JOB_PROCESS_TESTS = ("tests/process/job",)
# Modules whose process tests see mutants only as real edits: a survivor there is checked
# again as a real edit, with those tests.
PROCESS_MODULES = ("job.",)
RECHECK_TIMEOUT_S = 300
# mutmut's own run takes the fast suite as `make test-fast` does (-m "not slow") and leaves
# out the tests it cannot run truly: those that read the packages' source text (mutmut's
# copy holds every mutant of a function side by side). The real-edit recheck runs them all.
NOT_UNDER_MUTMUT = (
    "tests/unit/test_layers.py::test_a_contract_error_becomes_an_outcome_in_one_place",
    "tests/unit/test_vocabulary.py::test_states_and_codes_are_spelled_only_in_their_module",
    "tests/service/test_reserved_names.py::"
    "test_every_name_the_container_and_platform_code_read_is_reserved",
)

# Mutants no test can kill, because the mutated program behaves the same; by the
# function and the mutated line (mutmut renumbers mutants when a function changes).
# (function, mutated line as mutmut prints it) -> why it is equivalent
_FALSY = "None and False are alike where the flag is read (`if not ...`)"
_VALID_ONLY = ("parse_spec refuses whenever a problem was noted, so the container's keys are "
               "only ever read from a valid spec")
_UNREACHABLE_VALUE = ("unreachable from a spec: the strict loader refuses tags, so YAML gives "
                      "only str, int, float, bool, None, dates, lists and mappings")
_IN_A_CELL = ("nbclient raises a cell's error, its timeout or a dead kernel only while a cell "
              "runs, after on_cell_start named it: the index is always a cell's")
_TYPE_ONLY = "the NotebookProblem names the exception's type, never its text"
_DAEMON = ("execute() joins the worker before it returns, and the cancel path leaves with "
           "os._exit, which waits for no thread: daemon or not behaves the same")
_ONE_SLASH = "a Content-Range header holds exactly one '/' (bytes a-b/total)"
_PUMP_DAEMON = ("execute() joins the pumps (for at most KILL_WAIT_SECONDS) before it returns, and "
                "the runner leaves with os._exit, which waits for no thread: daemon or not "
                "behaves the same")
_THREAD_NAME = "nothing reads a thread's name: it shows only in a debugger or a dump"
_AHEAD_DAEMON = ("the count started ahead ends within the call's deadline whether checked or "
                 "not, and the function's process never exits between calls: daemon or not "
                 "behaves the same")
_POOL_SIZE = ("the listing pool only bounds concurrency: with any room for the three states "
              "listed at once the same calls are made and answered")
_CAP_ONLY = "read only when MAX_ACTIVE_RUNS is on, which sets it first"
_NOT_DEEP = ("the strict loader is never asked to construct deep (construct_document and "
             "the mapping and sequence constructors pass deep=False): None or no deep is False")
_NO_PATH_RESOLVERS = ("compose_node's parent and index only feed PyYAML's path resolvers "
                      "(yaml.add_path_resolver), and the strict loader has none")
_BEST_FIRST = "get_close_matches puts the best match first whatever n is; only close[0] is read"
_STDERR_LINES = ("stderr is line-buffered (Python 3.9+; in-process callers pass a StringIO), so "
                 "each line printed to it is written at once, flushed or not")
_READ_BOUND = ("parse_spec refuses any data longer than max_bytes: reading more than "
               "max_bytes + 1 bytes changes only the memory used")
EQUIVALENT: dict[tuple[str, str], str] = {
    ("ocirefs.locations.x_parse_location", "lowered = text[:9].lower()"):
        "only the first 6 or 8 characters are compared",
    ("ocirefs.locations.x_parse_location",
     "return _parse_oci(text[6:], allow_empty_object=None)"): _FALSY,
    ("ocirefs.locations.x_location_of",
     "return _checked(namespace, bucket, obj, None, None)"): _FALSY,
    ("ocirefs.locations.x__parse_https",
     "return _checked(namespace, bucket, obj, region, None)"): _FALSY,
    ("ocirefs.locations.x__parse_https",
     "return _checked(namespace, bucket, obj, region, True)"):
        "the URL path pattern already requires a non-empty object name",
    ("ocirefs.locations.x__checked", 'obj.encode("UTF-8")'):
        "codec names are case-insensitive",
    ("jobspec.container_keys.x_read_container_keys",
     "if notebook is None and check.count > before:"): _VALID_ONLY,
    ("jobspec.container_keys.x__value",
     "return _INVALID if (any(item is _INVALID for item in items)) and False else items"):
        _VALID_ONLY,
    ("jobspec.container_keys.x__value",
     "return _INVALID if (any(item is _INVALID for item in entries.values())) and False "
     "else entries"): _VALID_ONLY,
    **{("jobspec.container_keys.x__value", line): _UNREACHABLE_VALUE for line in (
        'check.problem(None, f"unsupported value ({type_name(value)})")',
        "check.problem(path, None)",
        'check.problem(f"unsupported value ({type_name(value)})")',
        "check.problem(path, )",
        'check.problem(path, f"unsupported value ({type_name(None)})")')},
    ("jobspec.container.x_read_container_spec", "raise AssertionError(None)"):
        "unreachable: parse_spec raises before it returns a spec without the container's keys",
    ("jobspec.document.x\u01c1Document\u01c1_walk_once", "self._walked = None"):
        "walking again fills the same maps: only the cost changes",
    ("jobspec.yamlsafe.x_strict_loader", 'tag = getattr(event, "tag", )'):
        "every event that starts a node has a tag attribute (aliases are refused just before)",
    **{("jobspec.yamlsafe.x_strict_loader", line): _NOT_DEEP for line in (
        "key = self.construct_object(key_node, deep=None)",
        "key = self.construct_object(key_node, )",
        "mapping[key] = self.construct_object(value_node, deep=None)",
        "mapping[key] = self.construct_object(value_node, )",
        "return super().construct_object(node, deep=None)",
        "return super().construct_object(node, )")},
    **{("jobspec.yamlsafe.x_strict_loader", line): _NO_PATH_RESOLVERS for line in (
        "return super().compose_node(None, index)",
        "return super().compose_node(parent, None)")},
    ("jobspec.problems.x_expected", 'article = "an" if kind[0] in "XXaeiouXX" else "a"'):
        "the kinds are lower-case words written in the code; none starts with X",
    ("jobspec.problems.x_tab_problem",
     "path = document.field_at(tab.line) if (tab.line is not None) or True else None"):
        "no field is written on line None: field_at(None) finds none either",
    **{("jobspec.suggestions.x_suggest", line): _BEST_FIRST for line in (
        "close = difflib.get_close_matches(lowered, list(candidates), cutoff=_CUTOFF)",
        "close = difflib.get_close_matches(lowered, list(candidates), n=2, cutoff=_CUTOFF)")},
    ("jobspec.schema.x_render",
     'return json.dumps(build_schema(), indent=2, ensure_ascii=None) + "\\n"'): _FALSY,
    ("jobspec.script_keys.x_folder_name",
     'return posixpath.basename(url[7:].partition("/")[2].rstrip("/"))'):
        "a valid oci:// location has bucket@namespace before its first '/': skipping one more "
        "character of it finds the same '/'",
    **{("jobspec.__main__.x_lint", line): _READ_BOUND for line in (
        "data = handle.read(None)", "data = handle.read(max_bytes + 2)")},
    ("jobspec.ads.x__block", "if len(supported) > 2 else f\"{supported[0]} {key} is\")"):
        "a block supports one type (infrastructure) or three (runtime), never two",
    **{("jobspec.script_keys.x_read_script_keys", line): _VALID_ONLY for line in (
        "if source is None or kind is None or entrypoint is None and check.count > before:",
        "if source is None or kind is None and entrypoint is None or check.count > before:")},
    ("ociplatform.calls.x_retry_after",
     "return max(0.0, float(value)) if (value is not None) or True else None"):
        "float(None) raises TypeError, which the next line turns into None as well",
    ("ociplatform.retry.x\u01c1Deadline\u01c1from_header",
     'parsed = datetime.fromisoformat(value.strip().replace("z", "+00:00"))'):
        "Python 3.11's fromisoformat reads a trailing Z itself",
    ("ociplatform.calls.x\u01c1ErrorTable\u01c1rule",
     'raise AssertionError("XXunreachable: the table has an (ANY, ANY, ANY) rowXX")'):
        "unreachable: the constructor refuses a table without the (ANY, ANY, ANY) row",
    ("ociplatform.objects.x_read_object", 'rule = storage.errors.rule("GetObject", CONNECTION, '
                                         '"XXXX")'):
        "every table keys its no-answer (CONNECTION) rows by ANY code",
    ("job.storage.x\u01c1ObjectStore\u01c1__init__",
     'self.service = OciService(client, "OBJECT STORAGE", ERRORS, policy)'):
        "the container's messages name Object Storage themselves, never the service's name",
    ("job.notebook.x__execute",
     "cell = prepared.nb.cells[index] if 0 <= index <= len(prepared.nb.cells) else {}"):
        _IN_A_CELL,
    ("job.notebook.x__execute",
     "cell = prepared.nb.cells[index] if (0 <= index < len(prepared.nb.cells)) or True else {}"):
        _IN_A_CELL,
    ("job.notebook.x__execute", 'index = progress.get("current", None)'): _IN_A_CELL,
    **{("job.notebook.x__execute", line): _IN_A_CELL for line in (
        'index = progress.get("current", )', 'index = progress.get("current", -2)',
        'index = progress.get("current", +1)')},
    ("job.settings.x\u01c1RunnerSettings\u01c1_read", 'raise EnvProblem("XXNOTEBOOK_KERNELXX",'):
        "the container reports an EnvProblem by its message; the name is the function's",
    ("job.notebook.x_load", 'raise ValueError("XXno cellsXX")'): _TYPE_ONLY,
    ("job.notebook.x_load", 'raise ValueError("NO CELLS")'): _TYPE_ONLY,
    ("job.notebook.x_load", "raise ValueError(None)"): _TYPE_ONLY,
    ("job.notebook.x_cell_text", 'data = output.get("data", )'):
        "nbformat's schema requires the data of a result or display output",
    ("job.sources.x_fetch_folder",
     'kind = "dir" if relative.endswith("/") and size == 0 else "XXfileXX"'):
        "a folder's objects are told apart only as 'dir' or not",
    ("job.sources.x_fetch_folder",
     'kind = "dir" if relative.endswith("/") and size == 0 else "FILE"'):
        "a folder's objects are told apart only as 'dir' or not",
    ("job.storage.x\u01c1ObjectStore\u01c1__init__",
     'self.service = OciService(client, "object storage", ERRORS, policy)'):
        "the container's messages name Object Storage themselves, never the service's name",
    ("job.notebook.x__failure_details", 'for entry in output.get("traceback", None):'):
        "nbformat's schema requires the traceback of an error output",
    ("job.storage.x_download",
     'request = urllib.request.Request(url, headers={"USER-AGENT": USER_AGENT})'):
        "urllib's Request stores a header's name capitalized: any case names the same header",
    **{("job.scripts.x_execute", line): _PUMP_DAEMON for line in (
        "pumps = [threading.Thread(target=_pump, args=(process.stdout, out, None), daemon=None),",
        "pumps = [threading.Thread(target=_pump, args=(process.stdout, out, None), daemon=False),",
        "pumps = [threading.Thread(target=_pump, args=(process.stdout, out, None), ),",
        "threading.Thread(target=_pump, args=(process.stderr, err, last), daemon=None)]",
        "threading.Thread(target=_pump, args=(process.stderr, err, last), daemon=False)]",
        "threading.Thread(target=_pump, args=(process.stderr, err, last), )]")},
    ("job.sources.x__zip_members",
     'target = archive.read(info)[:4096].decode("UTF-8", "replace")'):
        "codec names are case-insensitive",
    ("job.notebook.x_cell_text", 'parts.append(_text(output.get("text", "XXXX")))'):
        "nbformat's schema requires the text of a stream output",
    ("job.settings.x\u01c1RunnerSettings\u01c1_read", "raise EnvProblem(None,"):
        "the container reports an EnvProblem by its message; the name is the function's",
    ("job.notebook.x_execute",
     'worker = threading.Thread(target=work, name="notebook", daemon=None)'): _DAEMON,
    ("job.notebook.x_execute", 'worker = threading.Thread(target=work, name="notebook", )'):
        _DAEMON,
    ("job.notebook.x_execute",
     'worker = threading.Thread(target=work, name="notebook", daemon=False)'): _DAEMON,
    **{("job.notebook.x_execute", line): _THREAD_NAME for line in (
        "worker = threading.Thread(target=work, name=None, daemon=True)",
        'worker = threading.Thread(target=work, name="XXnotebookXX", daemon=True)',
        'worker = threading.Thread(target=work, name="NOTEBOOK", daemon=True)',
        "worker = threading.Thread(target=work, daemon=True)")},
    **{("job.runner.x__report", line): _STDERR_LINES for line in (
        "print(PREFIX + exc.message, file=err, )",
        "print(PREFIX + exc.message, file=err, flush=None)",
        "print(PREFIX + exc.message, file=err, flush=False)")},
    **{("job.scripts.x_run_code", line): _STDERR_LINES for line in (
        "print(PREFIX + upload_failure.message, file=err, )",
        "print(PREFIX + upload_failure.message, file=err, flush=None)",
        "print(PREFIX + upload_failure.message, file=err, flush=False)")},
    **{("job.settings.x\u01c1RunnerSettings\u01c1_read", line):
       "the container reports an EnvProblem by its message; the name is the function's"
       for line in ('raise EnvProblem("job_run_ocid",', 'raise EnvProblem("notebook_kernel",')},
    **{("job.storage.x__forbidden_address", line):
       "only the part before the first '%' is read: splitting it further changes nothing"
       for line in ('ip = ipaddress.ip_address(address.split("%", )[0])',
                    'ip = ipaddress.ip_address(address.split("%", 2)[0])')},
    ("job.settings.x\u01c1RunnerSettings\u01c1_read", 'raise EnvProblem("XXJOB_RUN_OCIDXX",'):
        "the container reports an EnvProblem by its message; the name is the function's",
    ("func.runlogs.x\u01c1Search\u01c1newest",
     "while slice_end > start and len(lines) <= want:"):
        "a slice asked for no more lines makes no call and adds none",
    ("func.active_cap.x\u01c1ActiveRunCap\u01c1_active", 'page: str | None = ""'):
        "an empty page token is not sent, as None is not (`if page:`)",
    ("func.app.x\u01c1Reply\u01c1body_text",
     'return json.dumps(self.body, ensure_ascii=None, separators=(",", ":"))'): _FALSY,
    ("func.logs.x_call_line", 'ensure_ascii=None, separators=(",", ":")))'): _FALSY,
    ("func.upstream.x_upstream", "if failure.out_of_time and failure.status <= 0:"):
        "a failure's status is an HTTP status or CONNECTION (-1), never 0",
    ("func.handler.x_handler",
     'headers = {"CONTENT-TYPE": "application/json", **reply.headers}'):
        "fdk lowercases every response header's name",
    ("func.triggers.x_trigger_of", 'intent = call.headers.get("fn-intent", "XXXX").lower()'):
        "only httprequest and cloudevent are told apart: any other intent is direct",
    ("func.triggers.x__gateway", 'url = call.request_url or "XX/XX"'):
        "a URL that names no route is answered the same NotFound, whatever it is",
    ("func.triggers.x__gateway",
     'check_json_media_type(call.http_headers.get("CONTENT-TYPE", ""))'):
        "Headers looks names up case-insensitively",
    ("func.runlogs.x\u01c1Search\u01c1_window", "if len(newer) > want:"):
        "asked for no more lines, the older half makes no call and adds none",
    ("func.triggers.x_match_route", "for given, expected in zip(tail, wanted, ):"):
        "tail is cut to the template's length: the two always have the same length",
    ("func.handler.x_handler", 'body = body.encode("UTF-8")'): "codec names are case-insensitive",
    ("func.request.x_decode_body", 'text = body.decode("UTF-8-SIG").strip()'):
        "codec names are case-insensitive",
    ("func.triggers.x_trigger_of", 'intent = call.headers.get("FN-INTENT", "").lower()'):
        "Headers looks names up case-insensitively",
    ("func.plan.x_retry_token", 'return hashlib.sha256(material.encode("UTF-8")).hexdigest()'):
        "codec names are case-insensitive",
    ("func.runs.x_run", 'ahead = ""'): _CAP_ONLY,
    ("func.runs.x_run", "counted: list[ActiveRun] = None"): _CAP_ONLY,
    ("func.triggers.x_match_route",
     "for given, expected in zip(tail, wanted, strict=False):"):
        "tail is cut to the template's length: the two always have the same length",
    **{("func.active_cap.x\u01c1ActiveRunCap\u01c1count_ahead", line): _THREAD_NAME for line in (
        'threading.Thread(target=count, args=(compartment_id,), name="XXactive-cap-aheadXX",',
        'threading.Thread(target=count, args=(compartment_id,), name="ACTIVE-CAP-AHEAD",',
        "threading.Thread(target=count, args=(compartment_id,), name=None,",
        "threading.Thread(target=count, args=(compartment_id,), daemon=True).start()")},
    **{("func.active_cap.x\u01c1ActiveRunCap\u01c1count_ahead", line): _AHEAD_DAEMON
       for line in ("daemon=None).start()", "daemon=False).start()", ").start()")},
    **{("func.active_cap.x\u01c1ActiveRunCap\u01c1_workers", line): _THREAD_NAME for line in (
        "self._pool = ThreadPoolExecutor(2 * len(ACTIVE_STATES), None)",
        'self._pool = ThreadPoolExecutor(2 * len(ACTIVE_STATES), "XXactive-capXX")',
        'self._pool = ThreadPoolExecutor(2 * len(ACTIVE_STATES), "ACTIVE-CAP")',
        "self._pool = ThreadPoolExecutor(2 * len(ACTIVE_STATES), )")},
    **{("func.active_cap.x\u01c1ActiveRunCap\u01c1_workers", line): _POOL_SIZE for line in (
        'self._pool = ThreadPoolExecutor(None, "active-cap")',
        'self._pool = ThreadPoolExecutor(3 * len(ACTIVE_STATES), "active-cap")',
        'self._pool = ThreadPoolExecutor(2 + len(ACTIVE_STATES), "active-cap")')},
    **{("ociplatform.reading.x_content_range_total", line): _ONE_SLASH for line in (
        'total = value.rsplit("/", )[1].strip()',
        'total = value.split("/", 1)[1].strip()',
        'total = value.rsplit("/", 2)[1].strip()')},
}

KILLED, SURVIVED, NO_TESTS, TIMEOUT = "killed", "survived", "no tests", "timeout"


@dataclass
class Mutant:
    name: str
    path: str
    status: str = ""
    rechecked: bool = False
    diff: str = ""
    equivalent: str | None = None

    @property
    def package(self) -> str:
        return self.path.split("/", 1)[0]


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)

    def score(self) -> float | None:
        decided = self.counts[KILLED] + self.counts[SURVIVED]
        return None if not decided else 100.0 * self.counts[KILLED] / decided


def copy_tree() -> None:
    """The tracked files into WORK, a file rewritten only when it changed (mutmut keeps its
    mutants of a file until the file's mtime changes)."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source, target = ROOT / name, WORK / name
        if not source.is_file():
            continue
        if target.is_file() and target.read_bytes() == source.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    venv = WORK / ".venv"
    if not venv.exists():
        venv.symlink_to((ROOT / ".venv").resolve())


def write_config(tests: list[str]) -> None:
    """mutmut's configuration, in the copy's setup.cfg (mutmut reads it from its cwd)."""
    also_copy = sorted(p.name for p in WORK.iterdir()
                       if p.name not in (*PACKAGES, "mutants", ".venv", "setup.cfg"))
    lines = ["[mutmut]", "source_paths="]
    lines += [f"    {package}" for package in PACKAGES]
    lines += ["pytest_add_cli_args_test_selection="] + [f"    {t}" for t in tests]
    lines += ["pytest_add_cli_args=", "    -p", "    no:cacheprovider"]
    lines += ["    -m", "    not slow"] + [f"    --deselect={test}" for test in NOT_UNDER_MUTMUT]
    lines += ["also_copy="] + [f"    {name}" for name in also_copy]
    (WORK / "setup.cfg").write_text("\n".join(lines) + "\n")


def generate() -> dict[str, str]:
    """Every mutant's name → its source path (mutmut writes them under WORK/mutants)."""
    code = ("import os\nfrom mutmut.__main__ import create_mutants\n"
            "from mutmut.utils.file_utils import copy_src_dir\n"
            "os.makedirs('mutants', exist_ok=True)\ncopy_src_dir()\ncreate_mutants(1)\n")
    subprocess.run([sys.executable, "-c", code], cwd=WORK, check=True,
                   stdout=subprocess.DEVNULL)
    return {name: path for path, codes in read_results().items() for name in codes}


def read_results() -> dict[str, dict[str, int | None]]:
    """source path → mutant name → mutmut's exit code (None: not run)."""
    results = {}
    for meta in sorted((WORK / "mutants").rglob("*.py.meta")):
        path = str(meta.relative_to(WORK / "mutants"))[:-len(".meta")]
        if path.split("/", 1)[0] in PACKAGES:
            results[path] = json.loads(meta.read_text())["exit_code_by_key"]
    return results


def status_of(code: int | None) -> str:
    if code in (1, 3):
        return KILLED
    if code == 0:
        return SURVIVED
    if code in (5, 33):
        return NO_TESTS
    if code in (24, -24, 36, 152, 255):
        return TIMEOUT
    return f"exit {code}"


def sample(mutants: dict[str, str], per_package: int, only: list[str], seed: int) -> list[str]:
    chosen = []
    for package in only:
        names = sorted(n for n, p in mutants.items() if p.split("/", 1)[0] == package)
        if per_package and len(names) > per_package:
            rng = random.Random(f"mutation:{package}:{seed}")
            names = sorted(rng.sample(names, per_package))
        chosen += names
    return chosen


_IMPORT_TRACE = """
import importlib, json, pkgutil, sys
root, packages, calls = sys.argv[1], sys.argv[2:], set()
def profile(frame, event, arg):
    code = frame.f_code
    if event == "call" and code.co_filename.startswith(root) and code.co_name != "<module>":
        calls.add((frame.f_globals.get("__name__", ""), code.co_qualname))
sys.setprofile(profile)
for package in packages:
    module = importlib.import_module(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
sys.setprofile(None)
print(json.dumps(sorted(calls)))
"""


def import_time_functions() -> set[str]:
    """The functions (as mutmut names them) that run while the packages are imported."""
    done = subprocess.run([sys.executable, "-c", _IMPORT_TRACE, str(WORK) + "/", *PACKAGES],
                          cwd=WORK, check=True, capture_output=True, text=True)
    functions = set()
    for module, qualname in json.loads(done.stdout):
        parts = qualname.split(".")
        if len(parts) >= 2 and parts[1] != "<locals>":
            functions.add(f"{module}.x\u01c1{parts[0]}\u01c1{parts[1]}")
        else:
            functions.add(f"{module}.x_{parts[0]}")
    return functions


def run_mutmut(names: list[str], children: int) -> None:
    mutmut = Path(sys.executable).with_name("mutmut")
    log = WORK / "mutmut.log"
    with log.open("w") as out:
        done = subprocess.run([str(mutmut), "run", "--max-children", str(children), *names],
                              cwd=WORK, stdout=out, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        sys.exit(f"mutmut failed (exit {done.returncode}); its output: {log}")


def recheck_command(mutant: Mutant, tests: list[str]) -> list[str]:
    extra = list(JOB_PROCESS_TESTS) if mutant.package == "job" else []
    # The container's own tests first: they are the likeliest to kill a job/ mutant.
    return [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
            "-p", "no:randomly", "-m", "not slow", *extra, *tests]


def recheck(mutant: Mutant, tests: list[str]) -> None:
    """The mutant as a real edit of the copy's source, the suite in a new process."""
    source = WORK / mutant.path
    saved = source.with_suffix(".py.orig")
    shutil.copy2(source, saved)
    helper = ("import sys\nfrom mutmut.mutation.diff_apply import apply_mutant\n"
              "apply_mutant(sys.argv[1])\n")
    try:
        subprocess.run([sys.executable, "-c", helper, mutant.name], cwd=WORK, check=True,
                       stdout=subprocess.DEVNULL)
        try:
            done = subprocess.run(recheck_command(mutant, tests), cwd=WORK,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  timeout=RECHECK_TIMEOUT_S)
            mutant.status = KILLED if done.returncode != 0 else SURVIVED
        except subprocess.TimeoutExpired:  # a slow machine, not a kill: left undecided
            mutant.status = "recheck timed out"
    finally:
        shutil.copy2(saved, source)  # same bytes and mtime: mutmut keeps its mutants
        saved.unlink()
    mutant.rechecked = True


def diff_of(name: str) -> str:
    code = ("import sys\nfrom mutmut.mutation.diff_apply import get_diff_for_mutant\n"
            "print(get_diff_for_mutant(sys.argv[1]))\n")
    done = subprocess.run([sys.executable, "-c", code, name], cwd=WORK,
                          capture_output=True, text=True)
    return done.stdout.strip()


def mutated_line(diff: str) -> str:
    return next((line[1:].strip() for line in diff.splitlines()
                 if line.startswith("+") and not line.startswith("+++")), "")


def function_of(name: str) -> str:
    return name.rsplit("__mutmut_", 1)[0]


def report(mutants: list[Mutant], packages: list[str], elapsed: float) -> None:
    by_package: dict[str, Tally] = {p: Tally() for p in packages}
    by_file: dict[str, Tally] = {}
    for m in mutants:
        key = "equivalent" if m.equivalent else m.status
        if m.status == TIMEOUT:
            key = KILLED  # the suite's own timeout noticed the mutant (an endless loop)
        by_package[m.package].counts[key] += 1
        by_file.setdefault(m.path, Tally()).counts[key] += 1
        by_package[m.package].counts["rechecked"] += m.rechecked

    print(f"\nMutation score (sampled; {len(mutants)} mutants in {elapsed / 60:.1f} min)\n")
    header = f"{'':28} {'killed':>7} {'survived':>9} {'equivalent':>11} {'score':>7}"
    print(header)
    for package in packages:
        for title, tally in [(f"{package}/", by_package[package])] + [
                (f"  {path}", t) for path, t in sorted(by_file.items())
                if path.split("/", 1)[0] == package]:
            score = tally.score()
            shown = "-" if score is None else f"{score:.1f}%"
            print(f"{title:28} {tally.counts[KILLED]:>7} {tally.counts[SURVIVED]:>9} "
                  f"{tally.counts['equivalent']:>11} {shown:>7}")
    others = Counter(m.status for m in mutants
                     if m.status not in (KILLED, SURVIVED, TIMEOUT) and not m.equivalent)
    if others:
        print("\nNot decided (not counted):", dict(others))
    rechecked = sum(m.rechecked for m in mutants)
    print(f"\n{rechecked} mutants mutmut reported as surviving or untested were checked "
          "again as real edits in a new process.")
    survivors = [m for m in mutants if m.status == SURVIVED and not m.equivalent]
    if survivors:
        print(f"\nSurviving mutants ({len(survivors)}):")
        for m in survivors:
            print(f"\n# {m.name}\n{m.diff}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=60,
                        help="mutants per package (0: all of them); default 60")
    parser.add_argument("--packages", nargs="+", default=list(PACKAGES), choices=PACKAGES)
    parser.add_argument("--seed", type=int, default=1,
                        help="another seed draws another sample (default 1)")
    parser.add_argument("--children", type=int, default=2, help="mutmut's parallel workers")
    parser.add_argument("--tests", nargs="+", required=True,
                        help="the in-process suite (the Makefile passes FAST_TESTS)")
    options = parser.parse_args(argv)

    started = time.monotonic()
    WORK.mkdir(parents=True, exist_ok=True)
    copy_tree()
    write_config(options.tests)
    print("== Generating mutants", flush=True)
    mutants = generate()
    names = sample(mutants, options.sample, options.packages, options.seed)
    print(f"== Running {len(names)} of {len(mutants)} mutants (log: {WORK / 'mutmut.log'})",
          flush=True)
    run_mutmut(names, options.children)

    results = {name: code for codes in read_results().values() for name, code in codes.items()}
    chosen = [Mutant(name, mutants[name], status_of(results.get(name))) for name in names]
    at_import = import_time_functions()
    again = [m for m in chosen if m.status == NO_TESTS or (m.status == SURVIVED and (
        m.name.startswith(PROCESS_MODULES) or function_of(m.name) in at_import))]
    print(f"== Checking {len(again)} surviving or untested mutants again as real edits",
          flush=True)
    for m in again:
        recheck(m, options.tests)
    for m in chosen:
        if m.status == SURVIVED:
            m.diff = diff_of(m.name)
            m.equivalent = EQUIVALENT.get((function_of(m.name), mutated_line(m.diff)))
    report(chosen, options.packages, time.monotonic() - started)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
