import pytest

from func.config import Settings
from func.errors import ConfigurationError
from ocirefs.locations import SpecLocation

JOB = "ocid1.datasciencejob.oc1.phx.amaaaaaajob"


def test_defaults():
    settings = Settings.from_env({"JOB_OCID": JOB})
    assert settings == Settings(job_ocid=JOB)
    assert (settings.spec_env_var, settings.max_spec_bytes, settings.error_status) == \
        ("NOTEPAD_YAML_URL", 65536, 200)
    assert settings.max_active_runs is None and settings.spec_allowlist == ()


def test_every_variable():
    settings = Settings.from_env({
        "JOB_OCID": f" {JOB} ", "SPEC_ALLOWLIST": "oci://specs@ns/team-a/, oci://other@ns",
        "SPEC_ENV_VAR": "SPEC_URI", "MAX_SPEC_BYTES": "1024", "MAX_ACTIVE_RUNS": "3",
        "ERROR_STATUS": "502", "OCI_DATA_SCIENCE_ENDPOINT": "http://127.0.0.1:9/",
        "OCI_OBJECT_STORAGE_ENDPOINT": "https://objectstorage.example.com"})
    assert settings.spec_allowlist == (SpecLocation("ns", "specs", "team-a/"),
                                       SpecLocation("ns", "other", ""))
    assert (settings.spec_env_var, settings.max_spec_bytes, settings.max_active_runs,
            settings.error_status) == ("SPEC_URI", 1024, 3, 502)
    assert settings.data_science_endpoint == "http://127.0.0.1:9"
    assert settings.object_storage_endpoint == "https://objectstorage.example.com"


@pytest.mark.parametrize("value", ["0", "off"])
def test_max_active_runs_off(value):
    assert Settings.from_env({"JOB_OCID": JOB, "MAX_ACTIVE_RUNS": value}).max_active_runs is None


@pytest.mark.parametrize("env, field", [
    ({}, "JOB_OCID"),
    ({"JOB_OCID": "  "}, "JOB_OCID"),
    ({"JOB_OCID": "ocid1.datasciencejobrun.oc1.phx.aaaa"}, "JOB_OCID"),
    ({"JOB_OCID": JOB, "SPEC_ALLOWLIST": "specs@ns"}, "SPEC_ALLOWLIST"),
    ({"JOB_OCID": JOB, "SPEC_ALLOWLIST": " , "}, "SPEC_ALLOWLIST"),
    ({"JOB_OCID": JOB, "SPEC_ALLOWLIST": "https://objectstorage.x/n/ns/b/b/o/p"},
     "SPEC_ALLOWLIST"),
    ({"JOB_OCID": JOB, "SPEC_ENV_VAR": "1BAD"}, "SPEC_ENV_VAR"),
    ({"JOB_OCID": JOB, "MAX_SPEC_BYTES": "64k"}, "MAX_SPEC_BYTES"),
    ({"JOB_OCID": JOB, "MAX_SPEC_BYTES": "0"}, "MAX_SPEC_BYTES"),
    ({"JOB_OCID": JOB, "MAX_SPEC_BYTES": "99999999"}, "MAX_SPEC_BYTES"),
    ({"JOB_OCID": JOB, "MAX_SPEC_BYTES": "²"}, "MAX_SPEC_BYTES"),
    ({"JOB_OCID": JOB, "MAX_ACTIVE_RUNS": "-1"}, "MAX_ACTIVE_RUNS"),
    ({"JOB_OCID": JOB, "ERROR_STATUS": "500"}, "ERROR_STATUS"),
    ({"JOB_OCID": JOB, "OCI_DATA_SCIENCE_ENDPOINT": "ftp://x"}, "OCI_DATA_SCIENCE_ENDPOINT"),
    ({"JOB_OCID": JOB, "OCI_OBJECT_STORAGE_ENDPOINT": "localhost:80"},
     "OCI_OBJECT_STORAGE_ENDPOINT"),
])
def test_bad_configuration_names_the_variable(env, field):
    with pytest.raises(ConfigurationError) as error:
        Settings.from_env(env)
    assert error.value.field == field and field in error.value.message


def test_allowed_shapes_are_read_as_a_comma_separated_list():
    settings = Settings.from_env({"JOB_OCID": JOB,
                                  "ALLOWED_SHAPES": " VM.Standard.E4.Flex,, BM.GPU.H100.8 "})
    assert settings.cost_limits.allowed_shapes == frozenset(
        {"VM.Standard.E4.Flex", "BM.GPU.H100.8"})


def test_an_allowed_shape_that_is_no_shape_name_is_refused_by_name():
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"JOB_OCID": JOB, "ALLOWED_SHAPES": "VM.Standard.E4.Flex, VM bad"})
    assert caught.value.to_dict() == {
        "code": "ConfigurationError", "status": 500, "field": "ALLOWED_SHAPES",
        "message": "ALLOWED_SHAPES must be comma-separated shape names (VM.Standard.E4.Flex, …)"}


def test_the_cost_limits_and_the_spec_size_are_read_down_to_their_lowest_value():
    settings = Settings.from_env({"JOB_OCID": JOB, "MAX_RUNTIME_MINUTES": "1",
                                  "MAX_SPEC_BYTES": "1", "MAX_BLOCK_STORAGE_GBS": "50"})
    assert (settings.cost_limits.max_runtime_minutes, settings.max_spec_bytes,
            settings.cost_limits.max_block_storage_gbs) == (1, 1, 50)


@pytest.mark.parametrize("env, field, message", [
    ({"JOB_OCID": "x"}, "JOB_OCID",
     "JOB_OCID must be a Data Science job OCID (ocid1.datasciencejob.…)"),
    ({"JOB_OCID": JOB, "ERROR_STATUS": "300"}, "ERROR_STATUS", "ERROR_STATUS must be 200 or 502"),
])
def test_a_misconfiguration_names_the_variable_and_the_rule(env, field, message):
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env(env)
    assert caught.value.to_dict() == {"code": "ConfigurationError", "status": 500,
                                      "field": field, "message": message}


def test_empty_allowlist_entries_are_skipped_wherever_they_are():
    settings = Settings.from_env({"JOB_OCID": JOB, "SPEC_ALLOWLIST": ", ,oci://specs@ns/team/,"})
    assert settings.spec_allowlist == (SpecLocation("ns", "specs", "team/"),)


def test_error_status_may_be_set_to_200_explicitly():
    assert Settings.from_env({"JOB_OCID": JOB, "ERROR_STATUS": "200"}).error_status == 200
