"""``qa demo``: build the demo centre, score its history, run tonight and the reports."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from qa_pipeline.config import Settings
from qa_pipeline.demo.centre import DemoCentre, DemoOptions, build_demo
from qa_pipeline.intake.manifest import ManifestOptions, read_manifest
from qa_pipeline.night import stages
from qa_pipeline.night.config import StageConfig, rubric_table, stage_config
from qa_pipeline.night.summary import NightSummary

log = logging.getLogger(__name__)

DEMO_RUBRICS = ["hotline_12345", "en=contact_center_en"]
#: Caller-key secret of the demo when the site has set none (QA_CALLER_KEY_SECRET): the
#: demo's repeat callers are linked all the same. A real site sets its own.
DEMO_CALLER_SECRET = "qa-demo-caller-key-secret"


@dataclass(frozen=True, slots=True)
class DemoResult:
    """The demo's night summary and where its reports are."""

    centre: DemoCentre
    summary: NightSummary
    reports: dict[str, list[str]] = field(default_factory=dict)


def demo_rubrics() -> list[str]:
    """The demo's rubrics (the English one only where it exists)."""
    try:
        rubric_table(DEMO_RUBRICS)
    except Exception:  # the English rubric is optional for the demo
        return DEMO_RUBRICS[:1]
    return DEMO_RUBRICS


def score_history(centre: DemoCentre, config: StageConfig) -> int:
    """Score the earlier nights straight from their vendor transcripts (no Prefect)."""
    db = stages.store(config.database_url, config.redact_pii)
    scored = 0
    for night in centre.history:
        manifest = read_manifest(centre.inbox(night), ManifestOptions(timezone=config.timezone))
        # as the night does: caller numbers become caller keys before anything is stored
        manifest = stages.pseudonymize(manifest, config)
        todo, _ = stages.split_done(list(manifest.recordings), config)
        run_id = db.start_run("demo-history", {"night": night})
        paths, first = stages.transcribe_chunk(todo, config)
        result = stages.score_chunk(todo, paths, config, run_id)
        failures = [*first.failures, *result.failures]
        stages.record_failures(config, run_id, failures)
        db.finish_run(run_id, "completed", {"night": night, "scored": len(result.scored)})
        scored += len(result.scored)
    return scored


@contextmanager
def _caller_secret(settings: Settings) -> Iterator[Settings]:
    """The settings with a caller-key secret: the site's, else the demo's for a while.

    The night reads its settings afresh, so the demo's secret goes into the environment
    while the demo's nights run, and out again afterwards.
    """
    if settings.caller_secret:
        yield settings
        return
    log.info("demo: no QA_CALLER_KEY_SECRET set, caller keys use the demo's own secret")
    os.environ["QA_CALLER_KEY_SECRET"] = DEMO_CALLER_SECRET
    try:
        yield settings.model_copy(update={"caller_key_secret": SecretStr(DEMO_CALLER_SECRET)})
    finally:
        os.environ.pop("QA_CALLER_KEY_SECRET", None)


def run_demo(
    settings: Settings,
    *,
    seed: int = 0,
    with_audio: bool = True,
    run_night: Callable[..., Any],
) -> DemoResult:
    """Build the demo centre under ``QA_DATA_DIR/demo`` and run it end to end.

    Args:
        settings: Where everything goes.
        seed: Seed of the demo centre.
        with_audio: Include the recordings, Mandarin and English (real speech-to-text).
        run_night: The CLI's runner of the nightly flow (progress display included).
    """
    from flows.reports import hotline_bulletin, quality_bulletin, weak_points

    options = DemoOptions(seed=seed, with_audio=with_audio)
    with _caller_secret(settings) as settings:
        centre = build_demo(settings.data_dir / "demo", options)
        rubrics = demo_rubrics()
        n = score_history(centre, stage_config(settings, rubrics))
        log.info("demo history: %d calls scored", n)
        summary = run_night(
            Path(centre.inbox(centre.tonight)),
            centre.tonight,
            rubrics=rubrics,
            plan="all",
            seed=seed,
            runner="thread",
            dask_address=None,
            workers=None,
            chunk_size=16,
            policy_topics=["契税"],
        )
    year, week, _ = date.fromisoformat(centre.tonight).isocalendar()
    week_period = f"week:{year}-W{week:02d}"
    month_period = f"month:{centre.tonight[:7]}"
    jobs: dict[str, Callable[[], list[str]]] = {
        "agent A1006 (week)": lambda: weak_points(week_period, agent="A1006"),
        "team 二组 (week)": lambda: weak_points(week_period, team="二组"),
        "weekly bulletin": lambda: quality_bulletin(week_period),
        "monthly bulletin": lambda: quality_bulletin(month_period),
        "hotline bulletin (热线月度通报)": lambda: hotline_bulletin(month_period),
    }
    reports: dict[str, list[str]] = {}  # the night's own reports are in the summary
    for label, job in jobs.items():
        try:
            reports[label] = job()
        except Exception as exc:  # show what is missing; the rest of the demo stands
            log.warning("%s: %s", label, exc)
            reports[label] = [f"not written: {type(exc).__name__}: {exc}"]
    return DemoResult(centre=centre, summary=summary, reports=reports)
