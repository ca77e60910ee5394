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
