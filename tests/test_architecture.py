"""The house's shape: the parts and their arrows (import-linter contracts in
``pyproject.toml``), no import loops between modules, and nothing loose at the top."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parents[1]
TOP_LEVEL = {"__init__.py", "cli.py", "config.py", "errors.py", "models.py", "py.typed"}


def test_import_contracts_are_kept() -> None:
    from importlinter.cli import lint_imports

    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(REPO)
    sys.path.insert(0, str(REPO))
    try:
        with contextlib.redirect_stdout(out):
            code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    finally:
        sys.path.remove(str(REPO))
        os.chdir(cwd)
    assert code == 0, out.getvalue()[-4000:]


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of two or more modules (iterative Tarjan)."""
    adj = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(adj):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = len(index)
                stack.append(v)
                on_stack.add(v)
            if i < len(adj[v]):
                work.append((v, i + 1))
                w = adj[v][i]
                if w not in index:
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            if low[v] == index[v]:
                group = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return found


def test_no_import_loops_between_modules() -> None:
    sys.path.insert(0, str(REPO))
    try:
        graph = grimp.build_graph(
            "qa_pipeline", "flows", exclude_type_checking_imports=True, cache_dir=None
        )
    finally:
        sys.path.remove(str(REPO))
    assert _cycles(graph) == []


def test_cycle_finder_finds_a_loop() -> None:
    graph = grimp.ImportGraph()
    for m in ("p", "p.a", "p.b", "p.c"):
        graph.add_module(m)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.c")
    graph.add_import(importer="p.c", imported="p.a")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"]]


def test_the_top_level_holds_only_models_errors_config_and_cli() -> None:
    loose = {p.name for p in (REPO / "qa_pipeline").iterdir() if p.is_file()}
    assert loose <= TOP_LEVEL, sorted(loose - TOP_LEVEL)


@pytest.mark.parametrize("package", ["qa_pipeline"])
def test_the_package_names_its_public_api(package: str) -> None:
    import qa_pipeline

    assert qa_pipeline.__all__ and all(hasattr(qa_pipeline, n) for n in qa_pipeline.__all__)
