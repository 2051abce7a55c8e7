"""Golden examples and agreement with labelled corpora (``qa rubric test``, ``qa eval scoring``)."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_pipeline.errors import RubricError, TranscriptFormatError
from qa_pipeline.evaluation.tradeoff import (
    Verdict,
    confirms_critical,
    item_thresholds,
    ungated,
    verdicts_of,
)
from qa_pipeline.evaluation.tradeoff import summary as confidence_summary
from qa_pipeline.intake.transcript_io import load_labelled_call
from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.rubric.schema import Example, RubricModel
from qa_pipeline.scoring.engine import ScoringOptions, score_call

STATUSES = ("pass", "fail", "na", "review")


def homophone_noise(texts: Iterable[str], p: float, rng: random.Random) -> Callable[[str], str]:
    """A function that mimics Mandarin speech-to-text errors on a text.

    Each Chinese character is swapped, with probability ``p``, for another character of
    ``texts`` with the same toneless pinyin, and half the punctuation is dropped (``rng``
    draws).
    """
    from qa_pipeline.scoring.text import syllable

    by_syllable: dict[str, list[str]] = defaultdict(list)
    for ch in sorted({c for text in texts for c in text}):
        if "\u4e00" <= ch <= "\u9fff":
            by_syllable[syllable(ch)].append(ch)

    def noise(text: str) -> str:
        out = []
        for ch in text:
            alts = [a for a in by_syllable.get(syllable(ch), []) if a != ch]
            if alts and "\u4e00" <= ch <= "\u9fff" and rng.random() < p:
                out.append(rng.choice(alts))
            elif ch in "，。？！、" and rng.random() < 0.5:
                continue
            else:
                out.append(ch)
        return "".join(out)

    return noise


@dataclass(frozen=True, slots=True)
class GoldenResult:
    """One golden-example check of a rubric item: expected vs. got status."""

    item_id: str
    index: int
    expected: str
    got: str
    reason: str
    note: str = ""

    @property
    def ok(self) -> bool:
        """Whether the engine gave the expected status."""
        return self.expected == self.got


def example_transcript(ex: Example, call_id: str) -> Transcript:
    """A transcript from a golden example's ``[speaker, start, end, text]`` rows.

    ``[speaker, text]`` rows have no timestamps.
    """
    segs = []
    for row in ex.segments:
        if len(row) == 4:
            segs.append(Segment(str(row[0]), float(row[1]), float(row[2]), str(row[3])))
        elif len(row) == 2:
            segs.append(Segment(str(row[0]), None, None, str(row[1])))
        else:
            raise RubricError(
                f"{call_id}: segment rows are [speaker, start, end, text] or [speaker, text]"
            )
    return Transcript(call_id=call_id, segments=tuple(segs), call_type=ex.call_type)


def run_examples(rubric: RubricModel, options: ScoringOptions | None = None) -> list[GoldenResult]:
    """Score every golden example; one result per example of every item.

    An example states what its item's check finds, so a critical fail is scored as
    decided here, not sent to a person to confirm (``confirm_critical``).
    """
    opts = dataclasses.replace(options or ScoringOptions(), confirm_critical=False)
    out = []
    for item in rubric.items:
        for i, ex in enumerate(item.examples):
            call = example_transcript(ex, f"{rubric.id}:{item.id}:{i}")
            res = score_call(call, rubric, opts).item(item.id)
            out.append(GoldenResult(item.id, i, ex.expect, str(res.status), res.reason, ex.note))
    return out


def check_examples(rubric: RubricModel, options: ScoringOptions | None = None) -> int:
    """Run the golden examples; raise :class:`RubricError` naming each one that fails."""
    results = run_examples(rubric, options)
    bad = [r for r in results if not r.ok]
    if bad:
        lines = "; ".join(
            f"item {r.item_id!r} example {r.index}: expected {r.expected}, got {r.got} ({r.reason})"
            for r in bad
        )
        raise RubricError(f"{rubric.source}: golden example failing: {lines}")
    return len(results)


@dataclass
class ItemStats:
    """Confusion counts of one item: ``(expected, got) -> calls``."""

    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def decided(self) -> int:
        """Calls the engine decided (not left to review)."""
        return sum(n for (_, got), n in self.confusion.items() if got != "review")

    @property
    def agree(self) -> int:
        """Calls where the engine gave the expected status."""
        return sum(n for (exp, got), n in self.confusion.items() if exp == got)

    @property
    def reviews(self) -> int:
        """Calls the engine left to review."""
        return sum(n for (_, got), n in self.confusion.items() if got == "review")

    @property
    def total(self) -> int:
        """Calls compared."""
        return sum(self.confusion.values())


@dataclass
class EvalReport:
    """Agreement of the engine with the labels of a corpus."""

    items: dict[str, ItemStats] = field(default_factory=dict)
    subsets: dict[str, ItemStats] = field(default_factory=dict)
    calls: int = 0
    disagreements: list[tuple[str, str, str, str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)

    def overall(self, stats: list[ItemStats] | None = None) -> ItemStats:
        """The counts of ``stats`` (default: every item) added together."""
        total = ItemStats()
        for s in stats if stats is not None else list(self.items.values()):
            total.confusion.update(s.confusion)
        return total

    @staticmethod
    def _acc(s: ItemStats) -> float | None:
        return round(s.agree / s.decided, 4) if s.decided else None

    def summary(self) -> dict[str, Any]:
        """The one-line JSON summary: accuracy on decided items, review rate, per item."""
        allstats = self.overall()
        return {
            "calls": self.calls,
            "accuracy": self._acc(allstats),
            "review_rate": round(allstats.reviews / allstats.total, 4) if allstats.total else None,
            "items": {
                k: {
                    "accuracy": self._acc(v),
                    "review_rate": round(v.reviews / v.total, 4) if v.total else None,
                }
                for k, v in self.items.items()
            },
            "subsets": {
                k: {
                    "accuracy": self._acc(v),
                    "review_rate": round(v.reviews / v.total, 4) if v.total else None,
                    "decisions": v.total,
                }
                for k, v in self.subsets.items()
            },
            **confidence_summary(self.verdicts),
        }


def evaluate_corpus(
    rubric: RubricModel, corpus: Path, options: ScoringOptions | None = None
) -> EvalReport:
    """Score every labelled call in ``corpus`` and compare with its ``expected`` verdicts.

    ``noisy.txt`` in the corpus (one file stem per line), when present, splits the
    report into ``clean`` and ``noisy`` subsets.
    """
    files = sorted(p for p in Path(corpus).glob("*.json"))
    if not files:
        raise TranscriptFormatError(f"{corpus}: no labelled calls (*.json)")
    noisy_list = Path(corpus) / "noisy.txt"
    noisy = set(noisy_list.read_text(encoding="utf-8").split()) if noisy_list.is_file() else set()
    report = EvalReport(items={it.id: ItemStats() for it in rubric.items})
    thresholds = item_thresholds(rubric, options)
    confirm = confirms_critical(rubric, options)
    for path in files:
        try:
            call = load_labelled_call(path)
        except TranscriptFormatError as exc:
            report.errors.append(str(exc))
            continue
        report.calls += 1
        result = score_call(call.transcript, rubric, ungated(options))
        subset = report.subsets.setdefault("noisy" if path.stem in noisy else "clean", ItemStats())
        verdicts = verdicts_of(result, call.expected, rubric, thresholds, confirm)
        report.verdicts += verdicts
        for v in verdicts:
            item_id, exp, got = v.item_id, v.label, v.status()
            report.items[item_id].confusion[(exp, got)] += 1
            subset.confusion[(exp, got)] += 1
            if got != exp and got != Status.REVIEW:
                report.disagreements.append(
                    (path.name, item_id, exp, got, result.item(item_id).reason)
                )
    return report
