"""The layers hold: the import contracts pass, a wrong import breaks them, and nothing circles.

The contracts live in ``pyproject.toml`` (``[tool.importlinter]``) and ``make test`` runs
``lint-imports``; these tests show the contracts can fail, and look for import circles,
which a layers contract does not see inside one layer.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "workers", "graph", "ingest", "outreach")
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the contracts in ``pyproject.toml`` on the packages found first from ``cwd``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def copy_of_the_project(tmp_path: Path) -> Path:
    """The packages and the contracts, copied, so a test can break them without harm."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_pass_on_the_code_as_it_is(tmp_path: Path) -> None:
    result = lint_imports(copy_of_the_project(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_the_model_up_to_persistence_breaks_the_layers(tmp_path: Path) -> None:
    project = copy_of_the_project(tmp_path)
    impact = project / "outreach" / "matching" / "impact.py"
    impact.write_text(impact.read_text() + "\nimport graph.ranking  # noqa\n")
    result = lint_imports(project)
    assert result.returncode != 0
    assert "outreach.matching.impact -> graph.ranking" in result.stdout
    assert "BROKEN" in result.stdout


def test_a_route_that_reads_the_graph_itself_breaks_the_thin_routes_contract(
    tmp_path: Path,
) -> None:
    project = copy_of_the_project(tmp_path)
    route = project / "api" / "routes" / "jobs.py"
    route.write_text(route.read_text() + "\nfrom graph.jobs import get_job  # noqa\n")
    result = lint_imports(project)
    assert result.returncode != 0
    assert "api.routes.jobs -> graph.jobs" in result.stdout


def test_no_module_imports_itself_through_others() -> None:
    imports = grimp.build_graph(*PACKAGES, cache_dir=None)
    graph = nx.DiGraph()
    for module in imports.modules:
        for imported in imports.find_modules_directly_imported_by(module):
            graph.add_edge(module, imported)
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert circles == []
