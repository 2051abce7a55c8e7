"""End to end: call recordings → speech-to-text → scoring, against labelled calls.

``qa eval e2e`` measures what a hotline gets: each labelled call of a corpus folder
(``CALL.json`` with ``expected`` verdicts and a reference transcript whose timestamps
match ``CALL.wav``) is transcribed by the real stage, scored by the real engine, and
compared with its labels. Variants of the recordings, made with ffmpeg in a temporary
folder, test line echo (``crosstalk_db``: each side leaks into the other channel at that
level) and mono recorders (``mono``: both channels mixed to one).

Figures: agreement per item and overall over decided items (not ``review``), review rate
over all items, the disagreements with their evidence, CER of the transcripts against
the labelled text (``qa eval asr``'s normalisation), hits of the rubric's domain terms,
segments against reference turns and duplicated turns (the same words on both channels
at the same time: a leak transcribed as speech), and x-real-time of the whole chain.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.errors import ConfigError, QAPipelineError
from qa_pipeline.evaluation.asr import edit_distance, normalise
from qa_pipeline.evaluation.tradeoff import (
    Verdict,
    confirms_critical,
    item_thresholds,
    ungated,
    verdicts_of,
)
from qa_pipeline.evaluation.tradeoff import summary as confidence_summary
from qa_pipeline.models import AGENT, CALLER, CallMeta, Recording, Segment, Transcript

if TYPE_CHECKING:
    from qa_pipeline.asr.stage import TranscriptionResult

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
#: Two segments on opposite channels are one turn heard twice when they overlap in time
#: by this share of the shorter one and their texts are this similar.
DUP_TIME_OVERLAP = 0.5
DUP_TEXT_SIMILARITY = 0.6


@dataclass(frozen=True, slots=True)
class LabelledRecording:
    """A recording and its labels."""

    audio: Path
    reference: Transcript
    expected: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Disagreement:
    """An item decided differently from its label, with the evidence quoted."""

    call_id: str
    item_id: str
    expected: str
    got: str
    reason: str
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """The disagreement as a JSON-ready dict."""
        return {
            "call_id": self.call_id,
            "item": self.item_id,
            "expected": self.expected,
            "got": self.got,
            "reason": self.reason,
            "evidence": list(self.evidence),
        }


@dataclass
class ItemTally:
    """Expected/got counts of one item."""

    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """Items compared."""
        return sum(self.confusion.values())

    @property
    def reviews(self) -> int:
        """Items the engine left to review."""
        return sum(n for (_, got), n in self.confusion.items() if got == "review")

    @property
    def decided(self) -> int:
        """Items the engine decided (not left to review)."""
        return self.total - self.reviews

    @property
    def agree(self) -> int:
        """Items where the engine gave the expected status."""
        return sum(n for (exp, got), n in self.confusion.items() if exp == got)


@dataclass
class E2EReport:
    """Figures of one end-to-end run."""

    variant: str
    calls: int = 0
    items: dict[str, ItemTally] = field(default_factory=dict)
    disagreements: list[Disagreement] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ref_chars: int = 0
    edits: int = 0
    term_refs: int = 0
    term_hits: int = 0
    ref_turns: int = 0
    segments: int = 0
    duplicated: int = 0
    audio_s: float = 0.0
    asr_s: float = 0.0
    scoring_s: float = 0.0
    flags: Counter[str] = field(default_factory=Counter)
    per_call: list[dict[str, Any]] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    confirm_critical: bool = False

    def overall(self) -> ItemTally:
        """The tallies of every item added together."""
        out = ItemTally()
        for t in self.items.values():
            out.confusion.update(t.confusion)
        return out

    @property
    def accuracy(self) -> float | None:
        """Share of decided items that agree with the labels; ``None`` if none decided."""
        o = self.overall()
        return o.agree / o.decided if o.decided else None

    @property
    def review_rate(self) -> float | None:
        """Share of items left to review; ``None`` without items."""
        o = self.overall()
        return o.reviews / o.total if o.total else None

    @property
    def cer(self) -> float | None:
        """Character error rate over all calls; ``None`` without reference text."""
        return self.edits / self.ref_chars if self.ref_chars else None

    @property
    def term_recall(self) -> float | None:
        """Share of reference domain terms the transcripts kept; ``None`` without terms."""
        return self.term_hits / self.term_refs if self.term_refs else None

    @property
    def x_realtime(self) -> float:
        """Seconds of audio per second of transcription and scoring."""
        wall = self.asr_s + self.scoring_s
        return self.audio_s / wall if wall > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """The one-line JSON summary (last line of ``qa eval e2e``)."""

        def r(x: float | None) -> float | None:
            return None if x is None else round(x, 4)

        return {
            "variant": self.variant,
            "calls": self.calls,
            "failed": len(self.errors),
            "accuracy": r(self.accuracy),
            "review_rate": r(self.review_rate),
            "disagreements": len(self.disagreements),
            "cer": r(self.cer),
            "term_recall": r(self.term_recall),
            "ref_turns": self.ref_turns,
            "segments": self.segments,
            "duplicated_turns": self.duplicated,
            "audio_s": round(self.audio_s, 1),
            "asr_s": round(self.asr_s, 1),
            "scoring_s": round(self.scoring_s, 2),
            "x_realtime": round(self.x_realtime, 2),
            "flags": dict(sorted(self.flags.items())),
            "items": {
                k: {
                    "accuracy": r(v.agree / v.decided) if v.decided else None,
                    "review_rate": r(v.reviews / v.total) if v.total else None,
                    "decided": v.decided,
                }
                for k, v in self.items.items()
            },
            **confidence_summary(self.verdicts),
        }


def load_corpus(corpus: Path) -> list[LabelledRecording]:
    """Labelled calls of ``corpus`` that have a recording beside them (same stem).

    Raises:
        ConfigError: the folder is missing or holds no labelled recording.
    """
    from qa_pipeline.intake.transcript_io import load_labelled_call

    if not corpus.is_dir():
        raise ConfigError(f"corpus folder not found: {corpus}")
    out: list[LabelledRecording] = []
    for js in sorted(corpus.glob("*.json")):
        found = (js.with_suffix(s) for s in AUDIO_SUFFIXES if js.with_suffix(s).is_file())
        audio = next(found, None)
        if audio is None:
            continue
        call = load_labelled_call(js)
        out.append(LabelledRecording(audio, call.transcript, call.expected))
    if not out:
        raise ConfigError(f"{corpus}: no labelled calls (CALL.json) with a recording beside them")
    return out


def make_variant(
    paths: Sequence[Path], out_dir: Path, *, crosstalk_db: float | None, mono: bool
) -> list[Path]:
    """Copies of ``paths`` with line echo mixed in and/or mixed to mono (ffmpeg, 8 kHz μ-law).

    Raises:
        ConfigError: ffmpeg is missing or fails.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ConfigError("ffmpeg is needed for --crosstalk-db and --mono; install it")
    filters: list[str] = []
    if crosstalk_db is not None:
        g = 10 ** (crosstalk_db / 20)
        filters.append(f"pan=stereo|c0=c0+{g:.5f}*c1|c1=c1+{g:.5f}*c0")
    out: list[Path] = []
    for p in paths:
        dst = out_dir / (p.stem + ".wav")
        cmd = [ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-i", str(p)]
        if filters:
            cmd += ["-af", ",".join(filters)]
        if mono:
            cmd += ["-ac", "1"]
        cmd += ["-ar", "8000", "-c:a", "pcm_mulaw", str(dst)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ConfigError(f"ffmpeg failed on {p}: {done.stderr.strip()[-300:]}")
        out.append(dst)
    return out


def _text(segments: Sequence[Segment]) -> str:
    ordered = sorted(segments, key=lambda s: (s.start or 0.0, s.end or 0.0))
    return normalise("".join(s.text for s in ordered))


def duplicated_turns(segments: Sequence[Segment]) -> int:
    """Pairs of agent/caller segments that are one turn heard on both channels."""
    from rapidfuzz import fuzz

    agent = [s for s in segments if s.speaker == AGENT and s.start is not None]
    caller = [s for s in segments if s.speaker == CALLER and s.start is not None]
    n = 0
    for a in agent:
        for c in caller:
            a0, a1, c0, c1 = a.start or 0.0, a.end or 0.0, c.start or 0.0, c.end or 0.0
            inter = min(a1, c1) - max(a0, c0)
            shorter = min(a1 - a0, c1 - c0)
            if shorter <= 0 or inter < DUP_TIME_OVERLAP * shorter:
                continue
            ta, tc = normalise(a.text), normalise(c.text)
            if ta and tc and fuzz.ratio(ta, tc) / 100 >= DUP_TEXT_SIMILARITY:
                n += 1
    return n


def term_counts(reference: str, hypothesis: str, terms: Sequence[str]) -> tuple[int, int]:
    """How often the terms occur in the reference, and of those, in the hypothesis.

    Returns ``(occurrences in the reference, of those found in the hypothesis)`` over the
    terms (normalised), the hypothesis count of each capped at the reference's.
    """
    refs = hits = 0
    for term in terms:
        t = normalise(term)
        if not t:
            continue
        r = reference.count(t)
        refs += r
        hits += min(r, hypothesis.count(t))
    return refs, hits


def _evidence(result: Any) -> tuple[str, ...]:
    out = []
    for e in result.evidence[:3]:
        at = f"{e.start:.1f}" if e.start is not None else "?"
        out.append(f"{e.speaker}@{at}: {e.text[:60]}")
    return tuple(out)


def evaluate_e2e(
    corpus: Path,
    rubric: Any,
    options: AsrOptions,
    *,
    models_dir: Path,
    crosstalk_db: float | None = None,
    mono: bool = False,
    terms: Sequence[str] = (),
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    save_dir: Path | None = None,
    transcripts_dir: Path | None = None,
) -> E2EReport:
    """Transcribe, score and compare every labelled recording of ``corpus``.

    Args:
        corpus: Folder of ``CALL.json`` labelled calls with ``CALL.wav`` beside them.
        rubric: The loaded rubric to score with.
        options: Speech-to-text options (``channels="mono"`` is implied by ``mono``).
        models_dir: Local model cache.
        crosstalk_db: Mix each side into the other channel at this level (e.g. -30).
        mono: Mix the recordings to mono first.
        terms: Domain terms whose hits are counted (e.g. the rubric's).
        limit: First N calls only.
        progress: ``progress(done, total)`` while transcribing.
        save_dir: Write each transcript there as ``CALL.json`` (unredacted: for study).
        transcripts_dir: Score the transcripts saved there (``--save`` of an earlier run)
            instead of transcribing: no speech-to-text, the same figures otherwise.

    Returns:
        The report. No transcript cache is used: every run does all the work.
    """
    calls = load_corpus(corpus)[:limit] if limit else load_corpus(corpus)
    report = E2EReport(
        variant=_variant_name(options, crosstalk_db=crosstalk_db, mono=mono),
        items={it.id: ItemTally() for it in rubric.items},
        thresholds=item_thresholds(rubric),
        confirm_critical=confirms_critical(rubric),
    )
    if transcripts_dir is not None:
        report.variant = f"saved {transcripts_dir.name}"
        for call in calls:
            _tally_call(report, call, _saved(transcripts_dir, call), rubric, terms, save_dir)
        return report
    from qa_pipeline.asr.stage import Transcriber

    Transcriber(options, models_dir=models_dir)  # load the model outside the clock
    results = _transcribe_calls(
        calls,
        options,
        report,
        models_dir=models_dir,
        crosstalk_db=crosstalk_db,
        mono=mono,
        progress=progress,
    )
    for call, res in zip(calls, results, strict=True):
        _tally_call(report, call, res, rubric, terms, save_dir)
    return report


@dataclass(frozen=True, slots=True)
class SavedTranscript:
    """A transcript read back from ``--save`` (what :func:`_tally_call` needs of a result)."""

    transcript: Transcript | None
    error: str | None = None


def _saved(folder: Path, call: LabelledRecording) -> SavedTranscript:
    """The saved transcript of ``call`` in ``folder`` (an error when missing or unreadable)."""
    path = folder / f"{call.reference.call_id}.json"
    try:
        return SavedTranscript(Transcript.from_dict(json.loads(path.read_text(encoding="utf-8"))))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return SavedTranscript(None, f"saved transcript {path}: {exc}")


def _variant_name(options: AsrOptions, *, crosstalk_db: float | None, mono: bool) -> str:
    """The report's label: stereo/mono, crosstalk level, hotwords and terms."""
    variant = "stereo" if not mono else "mono"
    if crosstalk_db is not None:
        variant += f" crosstalk {crosstalk_db:g} dB"
    if options.hotwords:
        variant += " +hotwords"
    if options.correct_terms:
        variant += " +terms"
    return variant


def _transcribe_calls(
    calls: Sequence[LabelledRecording],
    options: AsrOptions,
    report: E2EReport,
    *,
    models_dir: Path,
    crosstalk_db: float | None,
    mono: bool,
    progress: Callable[[int, int], None] | None,
) -> list[TranscriptionResult]:
    """Transcribe the calls (made into the variant first); the time goes to ``report``."""
    from qa_pipeline.asr.stage import transcribe_recordings

    with tempfile.TemporaryDirectory(prefix="qa-e2e-") as tmp:
        paths = [c.audio for c in calls]
        if crosstalk_db is not None or mono:
            paths = make_variant(paths, Path(tmp), crosstalk_db=crosstalk_db, mono=mono)
        recordings = [
            Recording(
                path,
                CallMeta(
                    call_id=c.reference.call_id,
                    agent_id=c.reference.agent_id,
                    team=c.reference.team,
                    started_at=c.reference.started_at,
                    call_type=c.reference.call_type,
                ),
            )
            for path, c in zip(paths, calls, strict=True)
        ]
        t0 = time.perf_counter()
        results = transcribe_recordings(
            recordings, options, models_dir=models_dir, cache_dir=None, progress=progress
        )
        report.asr_s = time.perf_counter() - t0
    return results


def _tally_call(
    report: E2EReport,
    call: LabelledRecording,
    res: TranscriptionResult | SavedTranscript,
    rubric: Any,
    terms: Sequence[str],
    save_dir: Path | None,
) -> None:
    """Add one call's transcription figures, scoring agreement and per-call row to ``report``."""
    from qa_pipeline.scoring import score_call

    cid = call.reference.call_id
    tr = res.transcript
    if tr is None:
        report.errors.append(f"{cid}: {res.error}")
        return
    report.calls += 1
    if save_dir is not None:
        from qa_pipeline.intake.transcript_io import save_transcript

        save_transcript(tr, save_dir / f"{cid}.json")
    report.audio_s += tr.duration_s or 0.0
    report.flags.update(tr.flags)
    ref, hyp = _text(call.reference.segments), _text(tr.segments)
    edits = edit_distance(ref, hyp)
    report.ref_chars += len(ref)
    report.edits += edits
    refs, hits = term_counts(ref, hyp, terms)
    report.term_refs += refs
    report.term_hits += hits
    dup = duplicated_turns(tr.segments)
    report.duplicated += dup
    report.ref_turns += len(call.reference.segments)
    report.segments += len(tr.segments)
    t1 = time.perf_counter()
    try:
        scored = score_call(tr, rubric, ungated())
    except QAPipelineError as exc:
        report.errors.append(f"{cid}: scoring: {exc}")
        return
    finally:
        report.scoring_s += time.perf_counter() - t1
    verdicts = verdicts_of(
        scored, call.expected, rubric, report.thresholds, report.confirm_critical
    )
    report.verdicts += verdicts
    agree, decided = _compare_items(report, verdicts, scored)
    report.per_call.append(
        {
            "call_id": cid,
            "cer": round(edits / len(ref), 4) if ref else None,
            "segments": len(tr.segments),
            "ref_turns": len(call.reference.segments),
            "duplicated": dup,
            "agree": agree,
            "decided": decided,
            "flags": list(tr.flags),
        }
    )


def _compare_items(report: E2EReport, verdicts: Sequence[Verdict], scored: Any) -> tuple[int, int]:
    """Tally labelled vs. gated statuses; returns (agreeing, decided) item counts."""
    agree = decided = 0
    for v in verdicts:
        got = v.status()
        report.items[v.item_id].confusion[(v.label, got)] += 1
        if got != "review":
            decided += 1
            agree += got == v.label
        if got not in (v.label, "review"):
            got_item = scored.item(v.item_id)
            report.disagreements.append(
                Disagreement(
                    v.call_id, v.item_id, v.label, got, got_item.reason, _evidence(got_item)
                )
            )
    return agree, decided


def summary_line(report: E2EReport) -> str:
    """The JSON summary as one line."""
    return json.dumps(report.summary(), ensure_ascii=False)
