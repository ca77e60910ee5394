"""The README's Deploy section can't drift from the tools it names.

Every `oci` command it shows is run with `--help` (the real OCI CLI of the dev venv) and
each flag it passes must be listed there or among the CLI's global options; every `make`
target must exist in the Makefile; every Terraform variable or output it names (in
backticks, or as `terraform output -raw <name>`) must exist in terraform/; and the step
that fills in terraform.tfvars names every required variable.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OCI = Path(sys.executable).with_name("oci")

def deploy_section() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Deploy\n(.*?)^## ", readme, re.M | re.S)
    assert match, "README.md has no '## Deploy' section"
    return match.group(1)


def code_blocks(text: str) -> list[str]:
    """Fenced shell blocks, continuation lines joined, comments dropped."""
    blocks = []
    for body in re.findall(r"^```(?:sh|bash)\n(.*?)^```", text, re.M | re.S):
        joined = re.sub(r"\\\n\s*", " ", body)
        blocks.append("\n".join(strip_comment(line) for line in joined.splitlines()))
    return blocks


def strip_comment(line: str) -> str:
    masked = mask_quotes(line)
    at = re.search(r"(^|\s)#", masked)
    return line[: at.start()] if at else line


def mask_quotes(line: str) -> str:
    """The line with the content of every quoted string replaced by 'x' (same length), so
    that flags, parentheses and '#' inside JSON or JMESPath are not read as shell."""
    out, quote, escaped = [], "", False
    for char in line:
        if escaped:
            out.append("x")
            escaped = False
        elif char == "\\" and quote != "'":
            out.append("x")
            escaped = True
        elif quote:
            if char == quote:
                quote = ""
                out.append(char)
            else:
                out.append("x")
        elif char in "'\"":
            quote = char
            out.append(char)
        else:
            out.append(char)
    return "".join(out)


def oci_commands(text: str) -> list[tuple[tuple[str, ...], tuple[str, ...], str]]:
    """(command path, flags, source line) of every `oci …` invocation in the shell blocks."""
    found = []
    for block in code_blocks(text):
        for line in block.splitlines():
            masked = mask_quotes(line)
            for match in re.finditer(r"(?<![\w/.-])oci((?:\s+[a-z][a-z0-9-]*)+)", masked):
                path = tuple(match.group(1).split())
                rest = masked[match.end():]
                end = re.search(r"\)|\||;|&&", rest)
                args = rest[: end.start()] if end else rest
                flags = tuple(re.findall(r"(?<!\S)(--?[a-z][a-z0-9-]*)", args))
                found.append((path, flags, line.strip()))
    return found


@functools.cache
def oci_help(path: tuple[str, ...]) -> tuple[int, str]:
    result = subprocess.run(
        [str(OCI), *path, "--help"], capture_output=True, text=True, timeout=120,
        env={**os.environ, "OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING": "True",
             "PAGER": "cat", "MANPAGER": "cat", "TERM": "dumb"},
    )
    return result.returncode, result.stdout + result.stderr


def help_flags(help_text: str) -> set[str]:
    # Options are listed as "--name", "-c, --name" or "-bn, --name" (two-letter short forms).
    flags = set(re.findall(r"(?m)^\s+(?:-[a-zA-Z]+, )?(--[a-z][a-z0-9-]*)", help_text))
    flags |= set(re.findall(r"(?m)^\s+(-[a-zA-Z]+), --", help_text))
    return flags


def unknown_flags(path: tuple[str, ...], flags: tuple[str, ...]) -> list[str]:
    code, text = oci_help(path)
    assert code == 0 and f"oci {' '.join(path)}" in text, (
        f"`oci {' '.join(path)}` is not an OCI CLI command:\n{text[-600:]}")
    known = help_flags(text) | help_flags(oci_help(())[1]) | {"--help"}
    return [flag for flag in flags if flag not in known]


needs_cli = pytest.mark.skipif(not OCI.exists(), reason=f"the OCI CLI is not installed at {OCI}")


# ------------------------------------------------------------------------------ the extractor


def test_the_extractor_reads_commands_flags_and_nesting():
    text = (
        "```sh\n"
        'NS=$(oci os ns get --query data --raw-output)   # comment --not-a-flag\n'
        "oci fn function invoke --function-id \"$FN\" --file - \\\n"
        "  --body '{\"a\": \"--x\", \"b\": \"(y)\"}'\n"
        "```\n"
    )
    assert oci_commands(text) == [
        (("os", "ns", "get"), ("--query", "--raw-output"),
         "NS=$(oci os ns get --query data --raw-output)"),
        (("fn", "function", "invoke"), ("--function-id", "--file", "--body"),
         "oci fn function invoke --function-id \"$FN\" --file -  --body "
         "'{\"a\": \"--x\", \"b\": \"(y)\"}'"),
    ]


def test_the_deploy_section_shows_the_whole_path():
    commands = {" ".join(path) for path, _, _ in oci_commands(deploy_section())}
    for expected in ("os ns get", "iam region list", "artifacts container repository create",
                     "data-science project create", "data-science job create",
                     "logging log-group create", "os bucket create", "os object put",
                     "fn function invoke", "network service-gateway create",
                     "network route-table update"):
        assert expected in commands, f"the deploy path lost `oci {expected}`"


# ------------------------------------------------------------------------------ oci CLI


@needs_cli
def test_every_oci_command_and_flag_exists():
    commands = oci_commands(deploy_section())
    # Each --help starts a CLI process (a few seconds): two at a time.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(oci_help, [(), *sorted({path for path, _, _ in commands})]))
    problems = []
    for path, flags, line in commands:
        try:
            missing = unknown_flags(path, flags)
        except AssertionError as exc:
            problems.append(str(exc))
            continue
        if missing:
            problems.append(f"`oci {' '.join(path)}` has no {missing}: {line}")
    assert not problems, "\n".join(problems)


@needs_cli
def test_the_cli_check_catches_a_wrong_flag():
    assert unknown_flags(("os", "ns", "get"), ("--query", "--no-such-flag")) == ["--no-such-flag"]


@needs_cli
def test_the_cli_check_catches_a_wrong_command():
    with pytest.raises(AssertionError, match="is not an OCI CLI command"):
        unknown_flags(("data-science", "job", "launch"), ())


# ------------------------------------------------------------------------------ make targets


def make_targets() -> set[str]:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"(?m)^([A-Za-z0-9_-]+)\s*:(?!=)", makefile))


def deploy_make_targets() -> list[str]:
    section = deploy_section()
    snippets = [*code_blocks(section), *re.findall(r"`([^`\n]+)`", section)]
    return sorted({target for snippet in snippets
                   for target in re.findall(r"(?<![\w-])make\s+([a-z][a-z0-9_-]*)", snippet)})


@pytest.mark.parametrize("target", deploy_make_targets())
def test_every_make_target_exists(target):
    assert target in make_targets(), f"the Makefile has no target `{target}`"


def test_the_deploy_path_builds_with_make_images():
    assert "images" in deploy_make_targets()


# ------------------------------------------------------------------------------ Terraform


def test_every_terraform_name_exists(tf, iac):
    section = deploy_section()
    outputs = {
        name
        for block in iac.load_hcl(iac.TERRAFORM_DIR / "outputs.tf").get("output", [])
        for name in iac.block_body(block)
    }
    named = set(re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`", section))
    unknown = sorted(named - set(tf.variables) - outputs)
    assert not unknown, f"the Deploy section names what terraform/ doesn't have: {unknown}"
    read = set(re.findall(r"terraform(?: -chdir=\S+)? output -raw ([a-z_]+)", section))
    assert read, "the smoke test reads the stack's outputs"
    assert read <= outputs, f"not outputs: {sorted(read - outputs)}"


def test_the_tfvars_step_names_every_required_variable(tf):
    section = deploy_section()
    step = section[section.index("### 5. Terraform"):section.index("### 6. Policies")]
    required = {name for name, body in tf.variables.items() if "default" not in body}
    named = set(re.findall(r"`([a-z][a-z0-9_]*)`", step))
    assert required <= named, f"step 5 does not name {sorted(required - named)}"


def test_every_step_names_its_source_and_what_was_not_verified():
    section = deploy_section()
    table = section[section.index("### What each deploy step relies on"):]
    covered: set[int] = set()
    for first_step, last_step in re.findall(r"^\| (\d)(?:[–-](\d))? ", table, re.M):
        covered |= set(range(int(first_step), int(last_step or first_step) + 1))
    headings = {int(n) for n in re.findall(r"^### (\d)\.", section, re.M)}
    assert len(headings) >= 7, "the deploy path is numbered steps"
    assert headings <= covered, f"steps without a source row: {sorted(headings - covered)}"
    assert "**not verified**" in table, "what could not be checked offline is said"
