"""The nightly flow in this process (Prefect test harness) on vendor transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_night_of_vendor_transcripts_then_rerun_skips(tmp_path: Path, qa_env: Path, h: Any) -> None:
    from prefect.artifacts import Artifact

    from flows.nightly import nightly_qa
    from qa_pipeline.config import load_settings
    from qa_pipeline.store import Store

    inbox = h.vendor_inbox(tmp_path / "centre", n=10)
    seen: list[tuple[int, int]] = []
    first = nightly_qa(
        str(inbox),
        "2026-11-20",
        chunk_size=4,
        write_reports=False,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (first.found, first.valid, first.sampled, first.scored) == (10, 10, 10, 10)
    assert len(first.vendor) == 10 and not first.transcribed and not first.failures
    assert seen[-1] == (10, 10) and len(seen) == 3  # three chunks of at most 4
    artifact = Artifact.get("nightly-qa-summary")
    assert artifact is not None and "| scored | 10 |" in str(artifact.data)

    store = Store.open(load_settings().resolved_database_url)
    assert len(store.scores_frame()) == 10
    again = nightly_qa(str(inbox), "2026-11-20", plan="fraction:0.5", write_reports=False)
    assert (again.sampled, again.already_done, again.scored) == (5, 5, 0)
    assert "random 50%" in again.plan
    assert len(store.scores_frame()) == 10
    runs = store.runs_frame()
    assert set(runs["status"]) == {"completed"}
    assert all(r["night"] == "2026-11-20" and r["valid"] == 10 for r in runs["summary"])


def test_bad_plan_and_date_fail_fast(tmp_path: Path, qa_env: Path, h: Any) -> None:
    from flows.nightly import nightly_qa
    from qa_pipeline.errors import ConfigError, SamplingError

    inbox = h.vendor_inbox(tmp_path / "centre", n=2)
    with pytest.raises(ConfigError, match="not a date"):
        nightly_qa(str(inbox), "2026-13-01", write_reports=False)
    with pytest.raises(SamplingError):
        nightly_qa(str(inbox), "2026-11-20", plan="most", write_reports=False)


def test_scheduled_entry_takes_the_night_under_the_inbox_root(
    tmp_path: Path, qa_env: Path, h: Any
) -> None:
    from flows.scheduled import scheduled_nightly
    from qa_pipeline.errors import ManifestError

    h.vendor_inbox(tmp_path / "centre", n=2, night="2026-11-19")
    root = tmp_path / "centre" / "inbox"
    summary = scheduled_nightly(str(root), night="2026-11-19")
    assert (summary.night, summary.scored) == ("2026-11-19", 2)
    with pytest.raises(ManifestError, match="no inbox for 2026-11-18"):
        scheduled_nightly(str(root), night="2026-11-18")


def test_weak_points_needs_one_subject(qa_env: Path) -> None:
    from flows.reports import weak_points
    from qa_pipeline.errors import ConfigError

    with pytest.raises(ConfigError, match="exactly one of team or agent"):
        weak_points("week:2026-W47")
    with pytest.raises(ConfigError, match="exactly one of team or agent"):
        weak_points("week:2026-W47", team="一组", agent="A1001")


def test_weekly_quota_carries_across_nights(tmp_path: Path, qa_env: Path, h: Any) -> None:
    """quota:1:week: an agent inspected on Tuesday is not sampled again on Wednesday."""
    from flows.nightly import nightly_qa
    from qa_pipeline.config import load_settings
    from qa_pipeline.intake.manifest import read_manifest
    from qa_pipeline.store import Store

    tue = h.vendor_inbox(tmp_path / "tue", n=10, seed=1, night="2026-11-17")
    wed = h.vendor_inbox(tmp_path / "wed", n=10, seed=2, night="2026-11-18")
    first = nightly_qa(str(tue), "2026-11-17", plan="quota:1:week", write_reports=False)
    tue_agents = {r.meta.agent_id for r in read_manifest(tue).recordings}
    assert first.sampled == len(tue_agents)
    second = nightly_qa(str(wed), "2026-11-18", plan="quota:1:week", write_reports=False)
    wed_agents = {r.meta.agent_id for r in read_manifest(wed).recordings}
    assert second.sampled == len(wed_agents - tue_agents)
    assert "inspected earlier in the week" in second.plan
    scores = Store.open(load_settings().resolved_database_url).scores_frame()
    assert scores.groupby("agent_id")["call_id"].nunique().max() == 1
