"""``benchmarks/web_pages.py`` runs end to end on a small store, so it cannot rot.

The figures at 100,000 calls are in ``docs/web.md``; here 2,000 calls on SQLite, each
page asked twice: every page must answer 200 (the benchmark asserts it) and the figures
must come back for every page, the decisions and the exports.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_page_benchmark_runs_at_2000_calls() -> None:
    spec = importlib.util.spec_from_file_location("web_pages", REPO / "benchmarks" / "web_pages.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.run(["--calls", "2000", "--reviews", "20", "--repeat", "2"])
    pages = out["pages"]
    for name in ("calls (newest)", "queue page 1", "call page", "search 社保卡 (template)"):
        assert pages[name]["n"] >= 2 and pages[name]["p95"] > 0, name
    assert any(name.startswith("search 鲸鱼") for name in pages)
    assert out["decide"]["n"] == 20
    lines = out["exports"]["evaluations.csv"]["lines"]
    assert lines == 2001  # the header and one row per evaluation
    assert out["exports"]["decisions.csv"]["lines"] == 21
