"""The summary a night's run returns, logs, prints and publishes as an artifact."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from qa_pipeline.night.results import Failure


@dataclass(frozen=True, slots=True)
class NightSummary:
    """What a nightly run did.

    Attributes:
        night: The night (``YYYY-MM-DD``).
        inbox: The inbox folder.
        run_id: The store's run id.
        plan: The sampling plan in words, with counts.
        found: Rows in the manifest.
        valid: Rows that passed validation.
        sampled: Calls the plan picked.
        already_done: Picked calls already scored with the same rubric version (skipped).
        transcribed: Call ids transcribed by speech-to-text in this run.
        from_cache: Call ids whose transcript came from the speech-to-text cache.
        vendor: Call ids delivered as vendor transcripts.
        scored: Calls scored and stored in this run.
        failures: Every failure, by call (or row), stage and reason.
        reports: Paths of the reports written.
        status: ``completed`` or ``completed_with_failures``.
    """

    night: str
    inbox: str
    run_id: Any
    plan: str
    found: int
    valid: int
    sampled: int
    already_done: int
    transcribed: tuple[str, ...]
    from_cache: tuple[str, ...]
    vendor: tuple[str, ...]
    scored: int
    failures: tuple[Failure, ...]
    reports: tuple[str, ...] = ()
    status: str = field(default="completed")

    def redacted(self, options: Any) -> NightSummary:
        """The summary as it may leave memory (store, logs, artifact, stdout).

        Personal data in failure messages, call ids and paths is masked (``RedactOptions``).
        """
        from qa_pipeline.pii.redact import redact_path, redact_text

        failures = tuple(
            replace(
                f,
                call_id=redact_text(f.call_id, options) if f.call_id else f.call_id,
                message=redact_text(f.message, options),
            )
            for f in self.failures
        )
        return replace(
            self,
            inbox=redact_path(self.inbox, options),
            failures=failures,
            reports=tuple(redact_path(p, options) for p in self.reports),
        )

    def failed_by(self) -> dict[tuple[str, str], int]:
        """Failure counts by ``(stage, kind)``."""
        return dict(Counter((f.stage, f.kind) for f in self.failures))

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for the store's run record and JSON output)."""
        return {
            "night": self.night,
            "inbox": self.inbox,
            "run_id": self.run_id,
            "plan": self.plan,
            "found": self.found,
            "valid": self.valid,
            "sampled": self.sampled,
            "already_done": self.already_done,
            "transcribed": len(self.transcribed),
            "from_cache": len(self.from_cache),
            "vendor_transcripts": len(self.vendor),
            "scored": self.scored,
            "failed": len(self.failures),
            "failed_by": {f"{s}/{k}": n for (s, k), n in sorted(self.failed_by().items())},
            "failures": [
                {
                    "call_id": f.call_id,
                    "row": f.row,
                    "stage": f.stage,
                    "kind": f.kind,
                    "message": f.message,
                }
                for f in self.failures
            ],
            "reports": list(self.reports),
            "status": self.status,
        }

    def counts(self) -> list[tuple[str, str]]:
        """``(label, value)`` rows of the headline numbers."""
        return [
            ("night", self.night),
            ("sampling", self.plan),
            ("found in manifest", str(self.found)),
            ("valid rows", str(self.valid)),
            ("sampled", str(self.sampled)),
            ("already scored (skipped)", str(self.already_done)),
            ("transcribed", str(len(self.transcribed))),
            ("transcript from cache", str(len(self.from_cache))),
            ("vendor transcripts", str(len(self.vendor))),
            ("scored", str(self.scored)),
            ("failed", str(len(self.failures))),
        ]

    def to_markdown(self) -> str:
        """A markdown report of the night for the Prefect UI."""
        lines = [f"# Nightly QA {self.night}", "", "| | |", "|---|---|"]
        lines += [f"| {k} | {_md(v)} |" for k, v in self.counts()]
        if self.failures:
            lines += ["", "## Failures", "", "| call | row | stage | reason |", "|---|---|---|---|"]
            for f in self.failures:
                call = _md(f.call_id or "")
                lines.append(f"| {call} | {f.row or ''} | {f.stage}/{f.kind} | {_md(f.message)} |")
        if self.reports:
            # a code span shows its text as is (no HTML); a backtick would end it early
            lines += ["", "## Reports", ""] + [f"- `{p.replace('`', '')}`" for p in self.reports]
        return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    # ids and messages are data: no raw HTML or Markdown in the Prefect UI's artifact
    from qa_pipeline.reports.render import md_escape

    return md_escape(str(text))
