"""The four figures, each a ratio against a baseline measured in the same run.

``python -m benchmarks`` (``make bench``) prints a table and a one-line summary,
writes ``benchmarks/results/latest.json`` and exits 1 when a target is missed
(2 when the set-up itself failed).

1. Cold start: spawn of the fdk from ``func.yaml``'s entrypoint → first successful
   ``run`` answer, median of ``--cold-runs``; baseline: a fresh process that imports
   ``oci.data_science``, ``oci.object_storage``, ``yaml`` and ``fdk``, builds the RP
   signer and clients and makes the same two calls, timed spawn → its ``done`` line.
   The two alternate (ABBA order) after one untimed run of each warms the page cache.
2. Warm overhead: ``--calls`` ``run`` invocations through the socket after
   ``--warmup`` untimed ones, timed by the caller; baseline: the same number of
   ``get_object`` + ``create_job_run`` iterations with the same clients in one
   process, timed in that process. A third side, the *fdk floor*, runs the
   baseline's iteration as an fdk handler behind the same socket
   (:mod:`benchmarks.floor_handler`): function/floor is what the function's own code
   costs, floor/baseline what the fdk and its socket cost. The three run in
   ``--rounds`` interleaved batches, so machine drift hits them alike.
   The local emulator answers in about 1.5 ms, where OCI takes tens of milliseconds,
   so the fdk's fixed ~1.2 ms per call alone is 1.35x of the bare calls: no fdk
   function can meet 1.2x there. The phase therefore runs twice: with the emulator
   answering at once (gated: function vs fdk floor, what this code adds) and with
   ``--service-latency-ms`` added to each of the two calls on both sides (gated:
   function vs baseline, what a user pays on top of the real work).
3. Memory: VmRSS of the function process after warm call N/2 and N (no growth:
   at most 1 MiB between them).
4. Import profile: see :mod:`benchmarks.importprofile`.
5. The image's ``/python``: built by ``tools/build_payload.py`` as the Dockerfile builds it,
   its size (target: at most 40 MiB, OCI Functions pulls the image on a cold start), and
   the cold start of the function running from it alone (``site_less_fdk``) next to the
   same function from the dev venv, interleaved like 1. (``--no-payload`` skips it.)
   Its size is the bytes of its files, what an image layer holds (the target's figure),
   and ``du``'s figure (whole blocks) beside it.
6. The images (``tools/images.py`` builds them, or reuses them): the function image's cold
   start, engine ``run`` of the container as OCI Functions starts it → first successful
   ``run`` answer, against the source process's cold start (1.) in the same run,
   interleaved like 1.; and both images' sizes. Skipped, saying why, where no container
   engine can run (``--no-images`` skips it too).

Both sides talk to one emulator process (:mod:`benchmarks.stack`), which is reset
between phases; the emulator's request log is checked to prove the function made
exactly the baseline's two calls per run, and the create bodies are compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from localoci.containers import NoEngine
from localoci.fdkrunner import ROOT, FunctionProcess, site_less_fdk
from tools import build_payload
from tools.images import ImageError

from . import importprofile
from .stack import RUN_BODY, BenchError, Stack, check_run, status_kib

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_COLD = 1.30
TARGET_WARM = 1.20
TARGET_RSS_MIB = 80.0
TARGET_GROWTH_MIB = 1.0
TARGET_PAYLOAD_MIB = 40.0
LOCAL = "emulator at once"


@dataclass
class Row:
    figure: str
    ours: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None  # None: reported, no target

    @property
    def verdict(self) -> str:
        return {True: "PASS", False: "FAIL", None: "info"}[self.passed]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


# -- 1. cold start ------------------------------------------------------------------------


def _cold_function(stack: Stack, listen: list[float],
                   image: tuple[dict[str, str], str] | None = None) -> float:
    """One cold start; ``image`` = (extra env, fdk): the function from the payload."""
    env, fdk = image if image else ({}, None)
    function = FunctionProcess({**stack.function_env(), **env}, fdk=fdk)
    try:
        # poll for the socket every 0.5 ms: the baseline is timed by a blocking read
        function.start(poll_interval=0.0005)
        check_run(function.invoke(RUN_BODY))
        listen.append(function.listening_at - function.spawned_at)
        return time.perf_counter() - function.spawned_at
    finally:
        function.stop()


def _cold_baseline(stack: Stack) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(stack.baseline_command("cold"), env=stack.baseline_env(),
                               cwd=str(ROOT), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - started
    _, err = process.communicate(timeout=60)
    if process.returncode != 0 or not line.startswith(b"done "):
        raise BenchError(f"the cold baseline failed: {line!r} {err[-2000:]!r}")
    return elapsed


def cold_start(stack: Stack, runs: int) -> dict:
    listen: list[float] = []
    _cold_function(stack, []), _cold_baseline(stack)  # untimed: page cache, .pyc files
    ours, base = [], []
    for index in range(runs):
        order = ((ours, lambda: _cold_function(stack, listen)),
                 (base, lambda: _cold_baseline(stack)))
        for samples, measure in (order if index % 2 == 0 else order[::-1]):
            samples.append(measure())
    stack.reset()
    return {"function_s": ours, "baseline_s": base,
            "function_median_s": statistics.median(ours),
            "baseline_median_s": statistics.median(base),
            # spawn -> the fdk's socket appears; the rest is the first call (handler load,
            # SDK imports, signer, the two calls)
            "function_listen_median_s": statistics.median(listen)}


def payload_cold_start(stack: Stack, runs: int) -> dict:
    """Build the payload; cold starts from it alone vs from the dev venv (ABBA order)."""
    tree = build_payload.build(stack.workdir / "python")
    fdk = site_less_fdk(tree, stack.workdir)
    image = ({"PYTHONPATH": f"{ROOT}:{tree}", "PYTHONDONTWRITEBYTECODE": "1"}, fdk)
    _cold_function(stack, [], image), _cold_function(stack, [])  # untimed
    from_payload, from_venv = [], []
    for index in range(runs):
        order = ((from_payload, lambda: _cold_function(stack, [], image)),
                 (from_venv, lambda: _cold_function(stack, [])))
        for samples, measure in (order if index % 2 == 0 else order[::-1]):
            samples.append(measure())
    stack.reset()
    return {"size_bytes": build_payload.size_bytes(tree),
            "disk_bytes": build_payload.disk_bytes(tree), "payload_s": from_payload,
            "venv_s": from_venv, "payload_median_s": statistics.median(from_payload),
            "venv_median_s": statistics.median(from_venv)}


def _cold_container(stack: Stack, engine, image: str) -> float:
    """One cold start of the function image: engine ``run`` → first ``run`` answer."""
    from localoci.containers import FunctionContainer

    function = FunctionContainer(engine, image, stack.function_env())
    try:
        function.start(poll_interval=0.0005)
        check_run(function.invoke(RUN_BODY))
        return time.perf_counter() - function.spawned_at
    finally:
        function.stop()


def image_cold_start(stack: Stack, runs: int) -> dict:
    """Build or reuse the images; the function image's cold starts vs the source
    process's (ABBA order), and both images' sizes. Raises ``NoEngine`` where no container
    engine can run."""
    from localoci.containers import find_engine
    from tools.images import build_all

    engine = find_engine()
    built = build_all(engine, say=lambda line: print(f"  {line}", flush=True))
    image = built["function"].name
    _cold_container(stack, engine, image), _cold_function(stack, [])  # untimed
    from_image, from_source = [], []
    for index in range(runs):
        order = ((from_image, lambda: _cold_container(stack, engine, image)),
                 (from_source, lambda: _cold_function(stack, [])))
        for samples, measure in (order if index % 2 == 0 else order[::-1]):
            samples.append(measure())
    stack.reset()
    return {"engine": engine.name, "image_s": from_image, "source_s": from_source,
            "image_median_s": statistics.median(from_image),
            "source_median_s": statistics.median(from_source),
            "sizes": {b.name: b.size_bytes for b in built.values()},
            "base": built["function"].base}


# -- 2 + 3. warm calls and memory -----------------------------------------------------------


def _operations(stack: Stack) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in stack.state()["requests"]:
        counts[entry["operation"]] = counts.get(entry["operation"], 0) + 1
    return counts


def _shape(value):
    """Keys (recursively) and value types of a JSON document, without the values."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in sorted(value.items())}
    return type(value).__name__


class _Baseline:
    """The warm baseline process: batches of timed iterations on request."""

    def __init__(self, stack: Stack, warmup: int):
        self._log = open(stack.workdir / "baseline.log", "ab")  # closed in close()
        self.process = subprocess.Popen(
            stack.baseline_command("warm", str(warmup)), env=stack.baseline_env(),
            cwd=str(ROOT), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
            text=True)
        if self.process.stdout.readline().strip() != "ready":
            self.close()
            raise BenchError("the warm baseline did not start; see baseline.log")

    def batch(self, count: int) -> tuple[list[float], int]:
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise BenchError("the warm baseline died; see baseline.log")
        answer = json.loads(line)
        return answer["seconds"], answer["rss_kib"]

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write("\n")
                self.process.stdin.close()
                self.process.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._log.close()


def _function_batch(function: FunctionProcess, count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        invocation = function.invoke(RUN_BODY)
        check_run(invocation)
        seconds.append(invocation.seconds)
    return seconds


def warm_calls(stack: Stack, calls: int, warmup: int, rounds: int) -> dict:
    """Function, fdk floor and baseline in ``rounds`` interleaved batches (order rotated).

    Each side gets ``warmup`` untimed calls first. The function's warm-up doubles as the
    proof that a run is exactly GetObject + CreateJobRun, and gives the create body
    compared with the baseline's.
    """
    batch = calls // rounds
    stack.reset()
    function = FunctionProcess(stack.function_env(), stderr_path=stack.workdir / "fn.log")
    floor = FunctionProcess(stack.floor_env(), root=stack.floor_root(),
                            stderr_path=stack.workdir / "floor.log")
    baseline = None
    try:
        function.start()
        rss_idle = function.rss_kib()
        _function_batch(function, warmup)
        operations = _operations(stack)
        expected = {"GetObject": warmup, "CreateJobRun": warmup}
        if operations != expected:
            raise BenchError(f"the function made {operations} for {warmup} runs, "
                             f"expected {expected}")
        function_body = stack.state()["jobRuns"][0]["createBody"]
        stack.reset()
        baseline = _Baseline(stack, warmup)
        baseline_body = stack.state()["jobRuns"][0]["createBody"]
        if _shape(function_body) != _shape(baseline_body):
            raise BenchError("the function and the baseline send differently shaped "
                             "CreateJobRun bodies; the warm figures would not compare")
        floor.start()
        _function_batch(floor, warmup)

        samples: dict[str, list[float]] = {"function": [], "floor": [], "baseline": []}
        rss: dict[str, dict[int, int]] = {"function": {}, "floor": {}, "baseline": {}}
        sides = ["function", "floor", "baseline"]
        for number in range(rounds):
            for side in sides[number % 3:] + sides[:number % 3]:
                if side == "baseline":
                    seconds, rss_kib = baseline.batch(batch)
                else:
                    process = function if side == "function" else floor
                    seconds = _function_batch(process, batch)
                    rss_kib = process.rss_kib()
                samples[side] += seconds
                rss[side][(number + 1) * batch] = rss_kib
        peak = {"function": status_kib(function.process.pid, "VmHWM"),
                "floor": status_kib(floor.process.pid, "VmHWM")}
        return {"seconds": samples, "rss_kib": rss, "rss_idle_kib": rss_idle,
                "peak_kib": peak}
    finally:
        function.stop()
        floor.stop()
        if baseline is not None:
            baseline.close()
        stack.reset()


LISTS_PER_CAPPED_RUN = 6  # one ListJobRuns page per active state, before and after the create


def capped_calls(stack: Stack, calls: int, warmup: int, latency_s: float = 0.0) -> list[float]:
    """Warm ``run`` calls with ``MAX_ACTIVE_RUNS`` on (never reached).

    The main phases run with the cap off and check that a run is exactly GetObject +
    CreateJobRun; this shows what turning the cap on costs: the count before the
    create and the recount after it, one ListJobRuns page per active state each.
    With ``latency_s``, every OCI call the function makes (ListJobRuns too) takes
    that much longer, as in the latent phase.
    """
    stack.set_latency(latency_s)
    if latency_s:
        stack.control("POST", "faults", json.dumps(
            [{"operation": "ListJobRuns", "delay": latency_s, "times": None}]).encode())
    function = FunctionProcess({**stack.function_env(), "MAX_ACTIVE_RUNS": "10000"},
                               stderr_path=stack.workdir / "capped.log")
    try:
        function.start()
        _function_batch(function, warmup)
        operations = _operations(stack)
        if operations.get("ListJobRuns") != LISTS_PER_CAPPED_RUN * warmup \
                or operations.get("CreateJobRun") != warmup:
            raise BenchError(f"with MAX_ACTIVE_RUNS the function made {operations}")
        return _function_batch(function, calls)
    finally:
        function.stop()
        stack.set_latency(0)


TARGET_CAP = 2.0  # a capped call at most twice an uncapped one, at service latency
CAP_ACTIVE_RUNS = 5  # other runs active during the cap ratio: a job busy under MAX_ACTIVE_RUNS


def cap_ratio(stack: Stack, calls: int, warmup: int, latency_s: float) -> dict:
    """A capped ``run`` against an uncapped one, interleaved, every OCI call ``latency_s``
    longer (ListJobRuns too), with :data:`CAP_ACTIVE_RUNS` other runs active throughout.

    Unlike :func:`capped_calls` (whose runs pile up, so each listing parses ~80 of them),
    each measured run is ended right after its call, untimed, as runs end in a job under a
    cap: what is measured is the cap's round trips, which the target is about.
    """
    stack.set_latency(latency_s)
    stack.control("POST", "faults", json.dumps(
        [{"operation": "ListJobRuns", "delay": latency_s, "times": None}]).encode())
    env = stack.function_env()
    capped = FunctionProcess({**env, "MAX_ACTIVE_RUNS": "25"},
                             stderr_path=stack.workdir / "cap-ratio-capped.log")
    uncapped = FunctionProcess(env, stderr_path=stack.workdir / "cap-ratio-uncapped.log")
    seconds: dict[str, list[float]] = {"capped": [], "uncapped": []}
    try:
        capped.start()
        uncapped.start()
        for _ in range(CAP_ACTIVE_RUNS):  # these stay ACCEPTED: the emulator runs no job
            check_run(uncapped.invoke(RUN_BODY))
        for number in range(warmup + calls):
            for side, function in (("capped", capped), ("uncapped", uncapped)):
                invocation = function.invoke(RUN_BODY)
                run_id = check_run(invocation)
                stack.control("POST", f"jobruns/{run_id}/outcome",
                              json.dumps({"lifecycleState": "SUCCEEDED"}).encode())
                if number >= warmup:
                    seconds[side].append(invocation.seconds)
        return {"seconds": seconds, "active_runs": CAP_ACTIVE_RUNS,
                "latency_ms": latency_s * 1000}
    finally:
        capped.stop()
        uncapped.stop()
        stack.set_latency(0)


# -- 4. import profile ------------------------------------------------------------------------


def import_profiles(stack: Stack) -> tuple[importprofile.Profile, importprofile.Profile]:
    env = {**stack.function_env(), "PYTHONPROFILEIMPORTTIME": "1"}
    function = FunctionProcess(env)
    try:
        function.start()
        check_run(function.invoke(RUN_BODY))
        ours = importprofile.Profile.parse(function.stderr())
    finally:
        function.stop()
    done = subprocess.run(stack.baseline_command("cold"),
                          env=stack.baseline_env({"PYTHONPROFILEIMPORTTIME": "1"}),
                          cwd=str(ROOT), capture_output=True, text=True, timeout=120,
                          check=False)
    if done.returncode != 0:
        raise BenchError(f"the baseline import profile failed: {done.stderr[-2000:]!r}")
    stack.reset()
    return ours, importprofile.Profile.parse(done.stderr)


# -- the table --------------------------------------------------------------------------------


def build_rows(cold: dict, warm: dict, latent: dict, latency_ms: float,
               capped_s: dict[str, list[float]], verdict: importprofile.Verdict,
               ours_imports: importprofile.Profile, base_imports: importprofile.Profile,
               calls: int, payload: dict | None = None,
               images: dict | None = None, cap: dict | None = None) -> list[Row]:
    rows = []
    c_ours, c_base = cold["function_median_s"], cold["baseline_median_s"]
    rows.append(Row(f"cold start, median of {len(cold['function_s'])}", _ms(c_ours),
                    _ms(c_base), f"{c_ours / c_base:.2f}x", f"<= {TARGET_COLD:.2f}x",
                    c_ours / c_base <= TARGET_COLD))
    for label, phase, gated in ((f"+{latency_ms:g} ms/OCI call", latent, True),
                                (LOCAL, warm, False)):
        seconds = phase["seconds"]
        w_ours = statistics.median(seconds["function"])
        w_base = statistics.median(seconds["baseline"])
        rows.append(Row(f"warm median of {calls}, {label}", _ms(w_ours), _ms(w_base),
                        f"{w_ours / w_base:.2f}x", f"<= {TARGET_WARM:.2f}x" if gated else "-",
                        w_ours / w_base <= TARGET_WARM if gated else None))
        p_ours, p_base = _p99(seconds["function"]), _p99(seconds["baseline"])
        rows.append(Row(f"warm p99 of {calls}, {label}", _ms(p_ours), _ms(p_base),
                        f"{p_ours / p_base:.2f}x", "-", None))
    seconds = warm["seconds"]
    w_ours, w_floor = statistics.median(seconds["function"]), statistics.median(seconds["floor"])
    rows.append(Row(f"warm median vs fdk floor, {LOCAL}", _ms(w_ours), _ms(w_floor),
                    f"{w_ours / w_floor:.2f}x", f"<= {TARGET_WARM:.2f}x",
                    w_ours / w_floor <= TARGET_WARM))
    for label, phase in ((LOCAL, warm), (f"+{latency_ms:g} ms/OCI call", latent)):
        capped = statistics.median(capped_s[label])
        off = statistics.median(phase["seconds"]["function"])
        rows.append(Row(f"warm median, MAX_ACTIVE_RUNS on vs off, {label}", _ms(capped),
                        _ms(off), f"{capped / off:.2f}x", "-", None))
    if cap is not None:
        on = statistics.median(cap["seconds"]["capped"])
        off = statistics.median(cap["seconds"]["uncapped"])
        rows.append(Row(f"warm median, MAX_ACTIVE_RUNS on vs off, {cap['active_runs']} runs "
                        f"active, +{cap['latency_ms']:g} ms/OCI call", _ms(on), _ms(off),
                        f"{on / off:.2f}x", f"<= {TARGET_CAP:.2f}x", on / off <= TARGET_CAP))
    rss = warm["rss_kib"]
    rss_ours, rss_base = rss["function"][calls] / 1024, rss["baseline"][calls] / 1024
    rows.append(Row(f"RSS after call {calls}", f"{rss_ours:.1f} MiB", f"{rss_base:.1f} MiB",
                    f"{rss_ours / rss_base:.2f}x", f"<= {TARGET_RSS_MIB:.0f} MiB",
                    rss_ours <= TARGET_RSS_MIB))
    peak = warm["peak_kib"]
    rows.append(Row("peak RSS (VmHWM) vs fdk floor", f"{peak['function'] / 1024:.1f} MiB",
                    f"{peak['floor'] / 1024:.1f} MiB", f"{peak['function'] / peak['floor']:.2f}x",
                    "-", None))
    half = calls // 2
    g_ours = (rss["function"][calls] - rss["function"][half]) / 1024
    g_base = (rss["baseline"][calls] - rss["baseline"][half]) / 1024
    rows.append(Row(f"RSS growth, call {half} -> {calls}", f"{g_ours:+.2f} MiB",
                    f"{g_base:+.2f} MiB", "-", f"<= {TARGET_GROWTH_MIB:.0f} MiB",
                    g_ours <= TARGET_GROWTH_MIB))
    rows.append(Row("imports (modules, ms)",
                    f"{len(ours_imports.modules)}, {ours_imports.total_ms:.0f} ms",
                    f"{len(base_imports.modules)}, {base_imports.total_ms:.0f} ms",
                    f"{len(ours_imports.modules) / len(base_imports.modules):.2f}x",
                    "rule", verdict.ok))
    if payload is not None:
        size_mib = payload["size_bytes"] / 2**20
        rows.append(Row("image /python (payload) size", f"{size_mib:.1f} MiB", "-", "-",
                        f"<= {TARGET_PAYLOAD_MIB:.0f} MiB", size_mib <= TARGET_PAYLOAD_MIB))
        rows.append(Row("image /python as du counts it (whole blocks)",
                        f"{payload['disk_bytes'] / 2**20:.1f} MiB", "-", "-", "-", None))
        p_ours, p_venv = payload["payload_median_s"], payload["venv_median_s"]
        rows.append(Row(f"cold start from the payload vs the dev venv, median of "
                        f"{len(payload['payload_s'])}", _ms(p_ours), _ms(p_venv),
                        f"{p_ours / p_venv:.2f}x", "-", None))
    if images is not None:
        i_ours, i_base = images["image_median_s"], images["source_median_s"]
        rows.append(Row(f"function image cold start vs the source process, median of "
                        f"{len(images['image_s'])}", _ms(i_ours), _ms(i_base),
                        f"{i_ours / i_base:.2f}x", "-", None))
        for name, size in images["sizes"].items():
            rows.append(Row(f"image size {name}", f"{size / 1e6:.0f} MB", "-", "-", "-", None))
    return rows


def format_table(rows: list[Row]) -> str:
    header = ("figure", "ours", "baseline", "ratio", "target", "result")
    cells = [header] + [(r.figure, r.ours, r.baseline, r.ratio, r.target, r.verdict)
                        for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def format_imports(profile: importprofile.Profile, verdict: importprofile.Verdict) -> str:
    lines = ["Import profile of the function process (-X importtime, top 10 cumulative):",
             f"  {'cumulative':>10}  {'self':>8}  module"]
    for entry in profile.top(10):
        lines.append(f"  {entry.cumulative_us / 1000:>7.1f} ms  {entry.self_us / 1000:>5.1f} ms"
                     f"  {'  ' * entry.depth}{entry.name}")
    lines.append(f"  rule: {'PASS' if verdict.ok else 'FAIL'}: {verdict.summary()}")
    if verdict.extra_stdlib:
        lines.append(f"  stdlib beyond the baseline: {', '.join(verdict.extra_stdlib)}")
    return "\n".join(lines)


def machine() -> dict:
    try:
        model = next((line.split(":", 1)[1].strip()
                      for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), "")
    except OSError:
        model = ""
    return {"nproc": os.cpu_count(), "arch": platform.machine(), "cpu": model,
            "python": platform.python_version(), "kernel": platform.release()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=8,
                        help="interleaved warm batches per side (even, divides --calls)")
    parser.add_argument("--service-latency-ms", type=float, default=15.0,
                        help="added to each GetObject and CreateJobRun in the gated warm "
                             "phase (default %(default)s; OCI in-region calls take more)")
    parser.add_argument("--json", type=Path, default=RESULTS / "latest.json",
                        help="where to write the results (default benchmarks/results/latest.json)")
    parser.add_argument("--no-payload", action="store_true",
                        help="skip building the image's /python tree and its figures")
    parser.add_argument("--no-images", action="store_true",
                        help="skip the images' figures (cold start of the function image, "
                             "sizes)")
    parser.add_argument("--snapshot", action="store_true",
                        help="also write benchmarks/results/<date>.json (commit it with the "
                             "README table)")
    args = parser.parse_args(argv)
    if args.cold_runs < 1 or args.warmup < 1 or args.rounds < 2 or args.rounds % 2 \
            or args.calls % args.rounds:
        parser.error("need --cold-runs >= 1, --warmup >= 1, and an even --rounds that "
                     "divides --calls")

    started = time.monotonic()
    try:
        with Stack() as stack:
            print(f"emulator at {stack.url}; cold starts x{args.cold_runs} ...", flush=True)
            cold = cold_start(stack, args.cold_runs)
            print(f"warm calls x{args.calls} (+{args.warmup} warm-up) ...", flush=True)
            warm = warm_calls(stack, args.calls, args.warmup, args.rounds)
            print(f"warm calls x{args.calls} with +{args.service_latency_ms:g} ms per OCI "
                  "call ...", flush=True)
            stack.set_latency(args.service_latency_ms / 1000)
            latent = warm_calls(stack, args.calls, args.warmup, args.rounds)
            stack.set_latency(0)
            capped_n = min(80, args.calls)
            print(f"warm calls x{capped_n} with MAX_ACTIVE_RUNS on, at once and with "
                  f"+{args.service_latency_ms:g} ms per OCI call ...", flush=True)
            capped = {
                LOCAL: capped_calls(stack, capped_n, args.warmup),
                f"+{args.service_latency_ms:g} ms/OCI call": capped_calls(
                    stack, capped_n, args.warmup, args.service_latency_ms / 1000),
            }
            print(f"warm calls x{capped_n} with MAX_ACTIVE_RUNS on and off, interleaved, "
                  f"{CAP_ACTIVE_RUNS} runs active, +{args.service_latency_ms:g} ms per OCI "
                  "call ...", flush=True)
            cap = cap_ratio(stack, capped_n, args.warmup, args.service_latency_ms / 1000)
            print("import profiles ...", flush=True)
            ours_imports, base_imports = import_profiles(stack)
            payload = None
            if not args.no_payload:
                print(f"the image's /python (pip install from the lock), cold starts "
                      f"x{args.cold_runs} from it ...", flush=True)
                payload = payload_cold_start(stack, args.cold_runs)
            images = None
            if not args.no_images:
                print(f"the images (built or reused), cold starts x{args.cold_runs} of the "
                      "function image ...", flush=True)
                try:
                    images = image_cold_start(stack, args.cold_runs)
                except NoEngine as exc:
                    print(f"  images not measured: {exc}", flush=True)
    except (BenchError, build_payload.PayloadError, ImageError, OSError,
            subprocess.SubprocessError, ValueError) as exc:
        print(f"bench: set-up failed: {exc}", file=sys.stderr)
        return 2

    verdict = importprofile.check(ours_imports, base_imports)
    rows = build_rows(cold, warm, latent, args.service_latency_ms, capped, verdict,
                      ours_imports, base_imports, args.calls, payload, images, cap)
    failed = [row for row in rows if row.passed is False]
    now = dt.datetime.now(dt.UTC)
    info = machine()
    print()
    print(f"machine: {info['nproc']} x {info['arch']} ({info['cpu']}), "
          f"Python {info['python']}; {now:%Y-%m-%d %H:%M} UTC")
    print(format_table(rows))
    print()
    print(format_imports(ours_imports, verdict))
    print()
    by_figure = {row.figure.split(",")[0]: row for row in rows}
    rss_row, growth_row = by_figure[f"RSS after call {args.calls}"], by_figure["RSS growth"]
    payload_row = by_figure.get("cold start from the payload vs the dev venv")
    image_row = by_figure.get("function image cold start vs the source process")
    half = args.calls // 2
    missed = "; ".join(f"{row.figure}: {row.ratio if row.ratio != '-' else row.ours} "
                       f"(target {row.target})" for row in failed)
    summary = (
        f"bench: {'PASS' if not failed else 'FAIL'}: "
        f"cold {rows[0].ratio}"
        + (f" (image /python {by_figure['image /python (payload) size'].ours}, cold start "
           f"from it {payload_row.ratio} of the venv's)" if payload_row else "")
        + (f", function image cold start {image_row.ratio} of the source process's"
           if image_row else "")
        + f", warm median {rows[1].ratio} with "
        f"+{args.service_latency_ms:g} ms/call (p99 {rows[2].ratio}; at emulator speed "
        f"{rows[3].ratio}, {rows[5].ratio} of the fdk floor), RSS {rss_row.ours} "
        f"({growth_row.ours} from call "
        f"{half} to {args.calls}), imports "
        f"{'within the rule' if verdict.ok else 'BREAK the rule'}"
        + (f" -- missed: {missed}" if failed else "")
        + f" [{time.monotonic() - started:.0f} s]")
    cap_row = next(row for row in rows if "MAX_ACTIVE_RUNS" in row.figure and row.target != "-")
    print(f"bench: a capped call costs {cap_row.ratio} an uncapped one ({cap_row.ours} vs "
          f"{cap_row.baseline}; target {cap_row.target}: {cap_row.verdict})")
    print(summary)

    result = {
        "date": now.isoformat(timespec="seconds"),
        "machine": info,
        "parameters": {"cold_runs": args.cold_runs, "calls": args.calls,
                       "warmup": args.warmup, "rounds": args.rounds,
                       "service_latency_ms": args.service_latency_ms},
        "figures": [{"figure": r.figure, "ours": r.ours, "baseline": r.baseline,
                     "ratio": r.ratio, "target": r.target, "result": r.verdict}
                    for r in rows],
        "summary": summary,
        "cold": cold,
        "payload": payload,
        "images": images,
        "warm_s": warm["seconds"],
        "warm_with_latency_s": latent["seconds"],
        "warm_max_active_runs_on_s": capped,
        "max_active_runs_ratio": cap,
        "memory": {"function_idle_kib": warm["rss_idle_kib"], "after_call_kib": warm["rss_kib"],
                   "peak_kib": warm["peak_kib"]},
        "imports": {
            "function_modules": len(ours_imports.modules),
            "baseline_modules": len(base_imports.modules),
            "function_ms": ours_imports.total_ms, "baseline_ms": base_imports.total_ms,
            "top10": [{"module": e.name, "cumulative_ms": e.cumulative_us / 1000,
                       "self_ms": e.self_us / 1000} for e in ours_imports.top(10)],
            "oci_services": verdict.services,
            "stdlib_beyond_baseline": verdict.extra_stdlib,
            "rule_ok": verdict.ok,
        },
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    if args.snapshot:
        (RESULTS / f"{now:%Y-%m-%d}.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"results: {args.json}")
    return 1 if failed else 0
