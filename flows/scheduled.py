"""The scheduled entry of the nightly run: last night's inbox under an inbox root."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow

from flows.nightly import nightly_qa
from qa_pipeline.config import load_settings
from qa_pipeline.errors import ManifestError
from qa_pipeline.night.summary import NightSummary


@flow(name="scheduled-nightly-qa", validate_parameters=False)
def scheduled_nightly(
    inbox_root: str,
    rubrics: list[str] | None = None,
    plan: str = "all",
    night: str | None = None,
) -> NightSummary:
    """Run ``nightly_qa`` on ``<inbox_root>/<night>`` (default: yesterday in QA_TIMEZONE)."""
    tz = ZoneInfo(load_settings().timezone)
    night = night or (datetime.now(tz).date() - timedelta(days=1)).isoformat()
    inbox = Path(inbox_root) / night
    if not inbox.is_dir():
        raise ManifestError(f"no inbox for {night} at {inbox}")
    return nightly_qa(str(inbox), night, rubrics=rubrics, plan=plan)
