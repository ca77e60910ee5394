"""The packages form layers without back-edges (README: "Development"): what each may import
of the project's own packages, read from the source (every import, lazy ones included)."""

from __future__ import annotations

import ast

import pytest

from tests.support.paths import ROOT
from tests.support.sources import nodes

OURS = {"func", "jobspec", "ociplatform", "ocirefs", "job", "localoci", "demo", "tests",
        "tools", "benchmarks"}
MAY_IMPORT = {
    "ocirefs": set(),
    "jobspec": {"ocirefs"},
    "ociplatform": {"ocirefs"},
    "func": {"jobspec", "ociplatform", "ocirefs"},
    "job": {"jobspec", "ociplatform", "ocirefs"},
}


def imported_packages(package: str) -> dict[str, set[str]]:
    """Our top-level packages each module of ``package`` imports (relative imports stay
    inside the package)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in nodes(path):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & OURS - {package}
    return found


@pytest.mark.parametrize("package", list(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {module: names - MAY_IMPORT[package]
             for module, names in imported_packages(package).items()
             if names - MAY_IMPORT[package]}
    assert wrong == {}


def test_the_check_sees_a_back_edge(tmp_path, monkeypatch):
    (tmp_path / "jobspec").mkdir()
    (tmp_path / "jobspec" / "bad.py").write_text("def f():\n    from ociplatform import calls\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert imported_packages("jobspec") == {"jobspec/bad.py": {"ociplatform"}}


def test_a_contract_error_becomes_an_outcome_in_one_place():
    """Errors leave by one route: only the service catches a LauncherError without raising
    one again (the edge catches only bugs; the active-run cap catches its calls' errors to
    cancel, then raises)."""
    catching = []
    for path in sorted((ROOT / "func").glob("*.py")):
        for node in nodes(path):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
                raises = any(isinstance(n, ast.Raise) for n in ast.walk(node))
                if "LauncherError" in names and not raises:
                    catching.append(path.name)
    assert catching == ["service.py"]
