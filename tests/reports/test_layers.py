"""Import direction: the reports may use the human-decision layer, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

REVIEW = Path(__file__).resolve().parents[2] / "qa_pipeline" / "review"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return names


def test_review_never_imports_reports() -> None:
    files = sorted(REVIEW.rglob("*.py"))
    assert files
    bad = {
        f.name: sorted(n for n in _imports(f) if n.startswith("qa_pipeline.reports")) for f in files
    }
    assert not {k: v for k, v in bad.items() if v}
