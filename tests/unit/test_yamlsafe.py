import pytest
import yaml

from jobspec import yamlsafe
from tests.support.spec_cases import INVALID, ads, flat

PURE_PYTHON = yamlsafe.strict_loader(yamlsafe.PythonEventParser)
DOCUMENTS = [case.document for case in INVALID if case.name != "not-utf8"] + [
    flat(), ads(runtime="      env:\n      - {name: A, value: b}\n      args: [x, 'y z']\n"),
    b"a: 'x'\nb: \"\\u00e9\"\nc: |\n  text\n  more\nd: >\n  folded\ne: ~\nf: 1.5\ng: [1, {h: i}]\n",
]


def outcome(text: str, loader_class=None):
    try:
        return ("ok", yamlsafe.load(text, loader_class))
    except yamlsafe.YamlProblem as problem:
        return ("refused", problem.line, problem.column)


def test_the_c_parser_is_used_when_available():
    assert yaml.__with_libyaml__
    assert issubclass(yamlsafe._StrictLoader, yaml._yaml.CParser)


@pytest.mark.parametrize("document", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_c_and_pure_python_event_parsers_agree(document):
    text = document.decode("utf-8-sig")
    c_result, python_result = outcome(text), outcome(text, PURE_PYTHON)
    assert c_result == python_result  # the data, or the line and column of the refusal


@pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])
@pytest.mark.parametrize("text, fragment", [
    ("a: &x 1\nb: *x\n", "anchors and aliases"),
    ("a: !!str 1\n", "tags are not allowed"),
    ("a:\n  <<: {b: 1}\n", "merge keys"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("? [1]\n: x\n", "keys must be strings"),
    ("x: " + "[" * 40 + "]" * 40 + "\n", "deeper than 32"),
    ("a: 1\n---\nb: 2\n", "single document"),
])
def test_each_refusal_on_both_parsers(loader, text, fragment):
    with pytest.raises(yamlsafe.YamlProblem) as problem:
        yamlsafe.load(text, loader)
    assert fragment in str(problem.value)


@pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])
@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: " + "1" * 5000 + "\n",
     "line 2, column 4: an integer longer than Python reads (4300 digits); quote it to make it "
     "a string"),
    ("a: 1\nday: 2026-02-30\n",
     "line 2, column 6: a date or time that does not exist; quote it to make it a string"),
    ("a: 1\nat: 2026-02-30 10:00:00\n",
     "line 2, column 5: a date or time that does not exist; quote it to make it a string"),
])
def test_a_value_python_cannot_build_is_refused_by_its_kind_and_place(loader, text, message):
    with pytest.raises(yamlsafe.YamlProblem) as problem:
        yamlsafe.load(text, loader)
    assert str(problem.value) == message


@pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])
def test_a_tab_as_the_first_character_is_a_tab_in_the_indentation(loader):
    with pytest.raises(yamlsafe.TabInIndentation) as problem:
        yamlsafe.load("\ta: 1\n", loader)
    assert (problem.value.line, problem.value.column) == (1, 1)
    assert problem.value.expanded is not None and problem.value.expanded[0] == {"a": 1}


def recording_loader():
    """The pure-Python loader, counting the documents it is given."""
    read: list[str] = []

    class Recording(PURE_PYTHON):
        def __init__(self, stream: str) -> None:
            read.append(stream)
            super().__init__(stream)

    return Recording, read


def test_a_document_is_read_with_the_loader_given():
    loader, read = recording_loader()
    assert yamlsafe.load("a: 1\n", loader) == {"a": 1}
    assert read == ["a: 1\n"]


def test_a_file_with_tabs_is_read_again_with_the_same_loader():
    loader, read = recording_loader()
    with pytest.raises(yamlsafe.TabInIndentation) as problem:
        yamlsafe.load("a:\n\tb: 1\n", loader)
    assert problem.value.expanded is not None and problem.value.expanded[0] == {"a": {"b": 1}}
    assert read == ["a:\n\tb: 1\n", "a:\n  b: 1\n"]


@pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])
def test_nesting_is_counted_from_the_top_after_siblings_too(loader):
    # two lists, the scalar 1 at depth 3, and beside it lists nested `inner` deep from depth 3
    inner = yamlsafe.MAX_DEPTH - 1
    assert yamlsafe.load("[[1, " + "[" * (inner - 1) + "]" * (inner - 1) + "]]", loader)
    with pytest.raises(yamlsafe.YamlProblem) as problem:
        yamlsafe.load("[[1, " + "[" * inner + "]" * inner + "]]", loader)
    assert str(problem.value) == "line 1, column 36: nesting is deeper than 32 levels"


@pytest.mark.parametrize("loader", [None, PURE_PYTHON], ids=["libyaml", "python"])
def test_the_non_specific_tag_is_accepted_it_names_no_type(loader):
    assert yamlsafe.load("a: ! text\n", loader) == {"a": "text"}


def test_a_character_yaml_does_not_allow_is_named_by_the_pure_python_parser_too():
    with pytest.raises(yamlsafe.YamlProblem) as problem:
        yamlsafe.load("a: \x07\n", PURE_PYTHON)
    assert str(problem.value) == "special characters are not allowed (character 3)"
