"""The night's summary: counts, failures by stage and reason, markdown for the UI."""

from __future__ import annotations

from dataclasses import replace

from qa_pipeline.night.results import Failure
from qa_pipeline.night.summary import NightSummary


def _summary() -> NightSummary:
    return NightSummary(
        night="2026-11-20",
        inbox="/in",
        run_id=3,
        plan="all calls: 3 of 3 calls",
        found=4,
        valid=3,
        sampled=3,
        already_done=1,
        transcribed=("a",),
        from_cache=(),
        vendor=("b",),
        scored=1,
        failures=(
            Failure("x|y", "manifest", "manifest", "duplicate call_id (first on row 2)", row=5),
            Failure("a", "score", "scoring", "check crashed"),
            Failure(None, "report", "report", "no data"),
        ),
        reports=("/r/a.html",),
        status="completed_with_failures",
    )


def test_failures_read_by_call_row_stage_and_reason() -> None:
    s = _summary()
    assert [str(f) for f in s.failures] == [
        "x|y (row 5): manifest/manifest: duplicate call_id (first on row 2)",
        "a: score/scoring: check crashed",
        "night: report/report: no data",
    ]
    assert s.failed_by() == {("manifest", "manifest"): 1, ("score", "scoring"): 1,
                             ("report", "report"): 1}  # fmt: skip
    d = s.as_dict()
    assert d["failed"] == 3 and d["transcribed"] == 1 and d["failed_by"]["score/scoring"] == 1


def test_markdown_table_escapes_pipes() -> None:
    md = _summary().to_markdown()
    assert md.startswith("# Nightly QA 2026-11-20")
    assert "| scored | 1 |" in md and "| failed | 3 |" in md
    assert "| x\\|y | 5 | manifest/manifest |" in md
    assert "- `/r/a.html`" in md


def test_markdown_carries_no_raw_html_from_ids_or_messages() -> None:
    s = _summary()
    hostile = Failure("<img src=x onerror=alert(1)>", "score", "scoring", "<script>x</script>")
    md = replace(s, failures=(hostile,)).to_markdown()
    assert "<img" not in md and "<script" not in md and "&lt;img" in md
