"""IAM: terraform/iam.tf and policies/*.policy say the same thing, parse, and stay narrow.

The statement list is derived from the .tf files (python-hcl2), with ``${var.x}`` and
``${local.y}`` normalised to ``<x>`` / ``<y>``, and compared with the text files in both
directions: a statement added on one side only fails here.
"""

from __future__ import annotations

import re

import oci_lexer_parser
import pytest

# oci_identity_policy resource name in terraform/ -> the file a tenancy admin pastes.
POLICY_FILES = {
    "function": "function.policy",
    "function_job_logs": "function.policy",
    "job_run_logs": "job-run.policy",
    "job_run": "job-run.policy",
    "events": "events.policy",
    "api_gateway": "api-gateway.policy",
    "data_integration": "data-integration.policy",
    "schedule": "schedule.policy",
    "run_notifications": "run-notifications.policy",
}
DYNAMIC_GROUP_FILE = "dynamic-groups.txt"
TEXT_FILES = sorted(set(POLICY_FILES.values()))


# ------------------------------------------------------------------------------ sources


def tf_statements(tf, iac) -> dict[str, list[str]]:
    """Normalised statements of every oci_identity_policy, grouped by target file."""
    grouped: dict[str, list[str]] = {name: [] for name in TEXT_FILES}
    for name, body in tf.of_type("oci_identity_policy").items():
        statements = body.get("statements")
        assert isinstance(statements, list) and all(isinstance(s, str) for s in statements), (
            f"oci_identity_policy.{name}.statements must be a literal list of strings, so "
            "that it can be compared with policies/"
        )
        assert name in POLICY_FILES, (
            f"oci_identity_policy.{name} has no policies/ file: add it to POLICY_FILES and "
            "write its statements, commented, into that file"
        )
        grouped[POLICY_FILES[name]].extend(iac.to_placeholders(s) for s in statements)
    return grouped


def tf_matching_rules(tf, iac) -> list[str]:
    rules = []
    for name, body in tf.of_type("oci_identity_dynamic_group").items():
        rule = body.get("matching_rule")
        assert isinstance(rule, str), f"oci_identity_dynamic_group.{name}.matching_rule"
        rules.append(iac.to_placeholders(rule))
    return rules


def text_entries(iac, filename: str):
    path = iac.POLICIES_DIR / filename
    assert path.is_file(), f"policies/{filename} is missing"
    return iac.read_commented_lines(path)


def all_statements(tf, iac) -> list[tuple[str, str]]:
    """(origin, statement) from both sources."""
    found = [
        (f"terraform -> {file}", s) for file, stmts in tf_statements(tf, iac).items() for s in stmts
    ]
    for filename in TEXT_FILES:
        found += [(f"policies/{filename}:{e.line}", e.text) for e in text_entries(iac, filename)]
    return found


# ------------------------------------------------------------------------------ sync


def test_every_policy_resource_and_file_is_mapped(tf, iac):
    resources = set(tf.of_type("oci_identity_policy"))
    assert resources == set(POLICY_FILES), (
        f"terraform policies {sorted(resources)} != mapped {sorted(POLICY_FILES)}"
    )
    on_disk = {p.name for p in iac.POLICIES_DIR.glob("*.policy")}
    assert on_disk == set(TEXT_FILES), f"policies/*.policy {sorted(on_disk)} != {TEXT_FILES}"


@pytest.mark.parametrize("filename", TEXT_FILES)
def test_policy_file_matches_terraform(tf, iac, filename):
    from_tf = tf_statements(tf, iac)[filename]
    from_text = [e.text for e in text_entries(iac, filename)]
    assert len(from_tf) == len(set(from_tf)), f"duplicate statement in terraform for {filename}"
    assert len(from_text) == len(set(from_text)), f"duplicate statement in policies/{filename}"
    only_tf = sorted(set(from_tf) - set(from_text))
    only_text = sorted(set(from_text) - set(from_tf))
    assert not only_tf and not only_text, (
        f"policies/{filename} and terraform/iam.tf differ\n"
        f"  only in terraform: {only_tf}\n  only in policies/{filename}: {only_text}"
    )


def test_dynamic_group_rules_match_terraform(tf, iac):
    from_tf = tf_matching_rules(tf, iac)
    from_text = [e.text for e in text_entries(iac, DYNAMIC_GROUP_FILE)]
    assert sorted(from_tf) == sorted(from_text), (
        f"policies/{DYNAMIC_GROUP_FILE} and terraform dynamic groups differ:\n"
        f"  terraform: {sorted(from_tf)}\n  text: {sorted(from_text)}"
    )


def test_function_dynamic_group_matches_one_function(tf, iac):
    group = tf.resource("oci_identity_dynamic_group", "function")
    rule = iac.to_placeholders(group["matching_rule"])
    assert "resource.type = 'fnfunc'" in rule
    assert "resource.id = '<function_id>'" in rule, "the group must name this function's OCID"
    assert tf.locals["function_id"] == "${oci_functions_function.launcher.id}"


@pytest.mark.parametrize("filename", [*TEXT_FILES, DYNAMIC_GROUP_FILE])
def test_every_text_statement_says_why(iac, filename):
    for entry in text_entries(iac, filename):
        assert len(entry.comment.split()) >= 4, (
            f"policies/{filename}:{entry.line}: precede the statement with a '#' comment "
            f"saying why it is needed: {entry.text}"
        )


def test_placeholders_are_terraform_names(tf, iac):
    known = set(tf.variables) | set(tf.locals) | set(iac.INSTANCE_PLACEHOLDERS.values())
    for filename in [*TEXT_FILES, DYNAMIC_GROUP_FILE]:
        for entry in text_entries(iac, filename):
            unknown = iac.placeholders(entry.text) - known
            assert not unknown, (
                f"policies/{filename}:{entry.line}: placeholders {sorted(unknown)} are not "
                "terraform variables or locals"
            )


# ------------------------------------------------------------------------------ parsing


def parse(iac, statement: str) -> dict:
    payload = oci_lexer_parser.parse_policy_statement(iac.concretise(statement))
    statements = payload["statements"]
    assert len(statements) == 1, statement
    return statements[0]


def test_every_statement_parses(tf, iac):
    failures = []
    for origin, statement in all_statements(tf, iac):
        try:
            parse(iac, statement)
        except ValueError as exc:  # what the parser raises on a syntax error
            failures.append(f"{origin}: {statement}  ({exc})")
    assert not failures, "statements oci-lexer-parser rejects:\n" + "\n".join(failures)


def test_every_matching_rule_parses(tf, iac):
    rules = tf_matching_rules(tf, iac) + [e.text for e in text_entries(iac, DYNAMIC_GROUP_FILE)]
    for rule in rules:
        parsed = oci_lexer_parser.parse_dynamic_group_matching_rule(iac.concretise(rule))
        assert parsed["rules"], rule


# ------------------------------------------------------------------------------ guard rails


def violations(statement: dict) -> list[str]:
    """Why a parsed statement is broader than this project allows."""
    subject = statement["subject"]["type"]
    actions = statement["actions"]
    verbs = [v.lower() for v in actions["values"]] if actions["type"] == "verbs" else []
    resources = statement["resources"]
    names = [r.lower() for r in resources.get("values", [])]
    location = statement["location"]["type"]
    conditional = bool(statement.get("conditions"))

    problems = []
    if resources["type"] == "all-resources" or "all-resources" in names:
        problems.append("grants all-resources")
    if subject in ("any-user", "any-group") and not conditional:
        family = [n for n in names if n.endswith("-family")]
        problems.append(f"grants {family or names} to {subject} without a where condition")
    if location == "tenancy" and not (verbs == ["read"] and names == ["repos"]):
        problems.append("grants in tenancy what a compartment would do")
    if "manage" in verbs and "data-science-family" in names:
        problems.append("uses manage data-science-family")
    return problems


IN_COMPARTMENT = "in compartment id ocid1.compartment.oc1..aaaa"


@pytest.mark.parametrize(
    "bad",
    [
        "Allow any-user to manage all-resources in tenancy",
        f"Allow group admins to manage all-resources {IN_COMPARTMENT}",
        f"Allow any-user to use functions-family {IN_COMPARTMENT}",
        f"Allow dynamic-group fn to manage data-science-family {IN_COMPARTMENT}",
        "Allow dynamic-group fn to read objects in tenancy",
        f"Allow any-user to read data-science-job-runs {IN_COMPARTMENT}",
    ],
)
def test_guard_rails_catch_broad_statements(iac, bad):
    assert violations(parse(iac, bad)), f"not flagged: {bad}"


def test_guard_rails_allow_repo_read_in_tenancy(iac):
    assert violations(parse(iac, "Allow dynamic-group jr to read repos in tenancy")) == []


def test_no_statement_is_broader_than_needed(tf, iac):
    found = []
    for origin, statement in all_statements(tf, iac):
        for problem in violations(parse(iac, statement)):
            found.append(f"{origin}: {problem}: {statement}")
    assert not found, "\n".join(found)


def test_nothing_anywhere_uses_manage_data_science_family(iac):
    pattern = re.compile(r"manage\s+data-science-family", re.IGNORECASE)
    files = [*iac.TERRAFORM_DIR.rglob("*.tf"), *iac.POLICIES_DIR.iterdir()]
    offenders = [
        str(p.relative_to(iac.REPO))
        for p in files
        if p.is_file() and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"manage data-science-family in {offenders}"


# ------------------------------------------------------------------------------ pinned grants


def test_events_grant_is_oracles_documented_statement(tf, iac):
    # An Events rule whose grant falls short looks active while every delivery fails with
    # a 403 seen only in its metrics: keep Oracle's documented statement, service
    # principal only, one compartment.
    (statement,) = tf.resource("oci_identity_policy", "events")["statements"]
    expected = ("Allow service cloudEvents to use functions-family "
                "in compartment id <compartment_ocid>")
    assert iac.to_placeholders(statement) == expected
    assert [e.text for e in text_entries(iac, "events.policy")] == [expected]
    assert parse(iac, expected)["subject"]["type"] == "service"


# Each grant as the work needs it (README "Security" / policies/*.policy give the reasons
# and the Oracle pages). A change to any of them must change this table too.
PINNED = {
    "function": [
        "Allow dynamic-group <fn_dynamic_group_name> to read objects in compartment id "
        "<compartment_ocid> where all {target.bucket.name = '<spec_bucket_name>', "
        "target.object.name = '<spec_prefix>*'}",
        "Allow dynamic-group <fn_dynamic_group_name> to read data-science-jobs in compartment "
        "id <job_compartment_id>",
        "Allow dynamic-group <fn_dynamic_group_name> to read data-science-projects in "
        "compartment id <job_compartment_id>",
        "Allow dynamic-group <fn_dynamic_group_name> to manage data-science-job-runs in "
        "compartment id <job_compartment_id> where any {request.permission = "
        "'DATA_SCIENCE_JOB_RUN_CREATE', request.permission = 'DATA_SCIENCE_JOB_RUN_INSPECT', "
        "request.permission = 'DATA_SCIENCE_JOB_RUN_READ', request.permission = "
        "'DATA_SCIENCE_JOB_RUN_UPDATE'}",
    ],
    "function_job_logs": [
        "Allow dynamic-group <fn_dynamic_group_name> to manage log-groups in compartment id "
        "<job_log_compartment_id> where target.loggroup.id = '<job_log_group_id>'",
        "Allow dynamic-group <fn_dynamic_group_name> to use log-content in compartment id "
        "<job_log_compartment_id> where target.loggroup.id = '<job_log_group_id>'",
    ],
    "job_run": [
        "Allow dynamic-group <job_run_dynamic_group_name> to read repos in compartment id "
        "<repository_compartment_id>",
        "Allow dynamic-group <job_run_dynamic_group_name> to read objects in compartment id "
        "<compartment_ocid> where all {target.bucket.name = '<spec_bucket_name>', "
        "target.object.name = '<spec_prefix>*'}",
        "Allow dynamic-group <job_run_dynamic_group_name> to manage objects in compartment id "
        "<output_bucket_compartment_id> where all {target.bucket.name = '<output_bucket_name>', "
        "target.object.name = '<output_prefix>*', any {request.permission = 'OBJECT_CREATE', "
        "request.permission = 'OBJECT_INSPECT'}}",
    ],
    "job_run_logs": [
        "Allow dynamic-group <job_run_dynamic_group_name> to use log-content in compartment id "
        "<job_log_compartment_id> where target.loggroup.id = '<job_log_group_id>'",
    ],
    "data_integration": [
        "Allow any-user to use fn-invocation in compartment id <compartment_ocid> where ALL "
        "{request.principal.type = 'disworkspace', request.principal.id = '<di_workspace_id>'}",
        "Allow any-user to use data-science-job-runs in compartment id <job_compartment_id> "
        "where ALL {request.principal.type = 'disworkspace', request.principal.id = "
        "'<di_workspace_id>', any {request.permission = 'DATA_SCIENCE_JOB_RUN_READ', "
        "request.permission = 'DATA_SCIENCE_JOB_RUN_UPDATE'}}",
    ],
}


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pinned_grants(tf, iac, name):
    statements = tf.resource("oci_identity_policy", name)["statements"]
    assert [iac.to_placeholders(s) for s in statements] == PINNED[name]


def conditions(iac, statement: str) -> str:
    return str(parse(iac, statement).get("conditions"))


def test_job_run_rights_are_the_permissions_the_work_uses(tf, iac):
    # The function creates, lists, reads and cancels; Data Integration reads and cancels.
    # Neither may delete or move a run (manage without a permission condition would).
    for name in ("function", "data_integration"):
        for statement in tf.resource("oci_identity_policy", name)["statements"]:
            text = iac.to_placeholders(statement)
            if "data-science-job-runs" not in text:
                continue
            granted = set(re.findall(r"request\.permission = '([A-Z_]+)'", text))
            assert granted, f"{name}: job-run grant without request.permission: {text}"
            assert granted <= {"DATA_SCIENCE_JOB_RUN_CREATE", "DATA_SCIENCE_JOB_RUN_INSPECT",
                               "DATA_SCIENCE_JOB_RUN_READ", "DATA_SCIENCE_JOB_RUN_UPDATE"}
            assert "request.permission" in conditions(iac, text), "the parser sees the condition"
    di = [iac.to_placeholders(s) for s in
          tf.resource("oci_identity_policy", "data_integration")["statements"]]
    assert "DATA_SCIENCE_JOB_RUN_CREATE" not in " ".join(di), "the workspace never creates runs"


def test_object_grants_name_a_folder(tf, iac):
    for name in ("function", "job_run"):
        for statement in tf.resource("oci_identity_policy", name)["statements"]:
            text = iac.to_placeholders(statement)
            if " objects " in text:
                assert re.search(r"target\.object\.name = '<(spec|output)_prefix>\*'", text), text


def test_outputs_are_write_only(tf, iac):
    (output,) = [iac.to_placeholders(s)
                 for s in tf.resource("oci_identity_policy", "job_run")["statements"]
                 if "<output_bucket_name>" in s or "output_bucket_name" in s]
    assert set(re.findall(r"request\.permission = '([A-Z_]+)'", output)) == {
        "OBJECT_CREATE", "OBJECT_INSPECT"}
    for forbidden in ("OBJECT_READ", "OBJECT_OVERWRITE", "OBJECT_DELETE"):
        assert forbidden not in output


def test_log_grants_exist_whenever_the_runs_log(tf):
    # Runs that log need the function (log creation, the logs operation) and the runs
    # (writing) to have rights on the log group, whether the group comes from the job or
    # from job_log_group_id.
    for name in ("function_job_logs", "job_run_logs"):
        policy = tf.resource("oci_identity_policy", name)
        assert policy["count"] == "${local.job_logs_enabled ? 1 : 0}"
    assert tf.locals["job_logs_enabled"] == '${local.job_log_group_id != ""}'
    assert tf.locals["job_log_group_id"] == (
        '${var.job_log_group_id != "" ? var.job_log_group_id : local.job_own_log_group_id}')
    own = tf.locals["job_own_log_group_id"]
    assert "local.job_logging.enable_logging" in own and "local.job_logging.log_group_id" in own
    assert "data.oci_datascience_job.this.job_log_configuration_details[0]" in (
        tf.locals["job_logging"])


def test_job_runs_of_this_job_only(tf, iac):
    # A job-run dynamic group can only name a compartment: plan fails unless the job's
    # compartment holds this job alone.
    group = tf.resource("oci_identity_dynamic_group", "job_run")
    assert iac.to_placeholders(group["matching_rule"]) == (
        "ALL {resource.type = 'datasciencejobrun', resource.compartment.id = "
        "'<job_compartment_id>'}")
    assert tf.locals["job_compartment_id"] == (
        '${var.job_compartment_id == "" ? data.oci_datascience_job.this.compartment_id '
        ': var.job_compartment_id}'), "by default the job's own compartment"
    jobs = tf.files["main.tf"]["data"]
    listed = [body for block in jobs for name, body in block.items()
              if name == "oci_datascience_jobs"]
    (in_compartment,) = [body["in_job_compartment"] for body in listed]
    assert in_compartment["compartment_id"] == "${local.job_compartment_id}"
    assert in_compartment["state"] == "ACTIVE"
    (precondition,) = group["lifecycle"][0]["precondition"]
    assert precondition["condition"] == (
        "${alltrue([for job in data.oci_datascience_jobs.in_job_compartment.jobs : "
        "job.id == var.job_ocid])}")
    assert "compartment of its own" in precondition["error_message"]


def test_images_live_where_the_grants_point(tf):
    # Job runs read repos in repository_compartment_id only; plan fails when an image's
    # repository is elsewhere (e.g. created in the root compartment by a first push).
    assert set(tf.locals["image_repositories"]) == {"function", "job"}
    (job_check,) = tf.resource("oci_identity_policy", "job_run")["lifecycle"][0]["precondition"]
    assert 'image["job"]' in job_check["condition"]
    function = tf.resource("oci_functions_function", "launcher")
    (fn_check,) = function["lifecycle"][0]["precondition"]
    assert 'image["function"]' in fn_check["condition"]
    for check in (job_check, fn_check):
        assert "oci artifacts container repository create" in check["error_message"]
