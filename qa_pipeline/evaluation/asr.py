"""Character error rate (CER) of the speech-to-text stage against reference transcripts.

One stated normalisation, applied to both sides: Traditional → Simplified (OpenCC tw2s),
NFKC (full-width digits and letters), lower case, punctuation and spaces stripped, every
digit written as a Chinese numeral digit by digit (``12`` → ``一二``), 幺 → 一.
"""

from __future__ import annotations

import csv
import json
import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.errors import ConfigError, QAPipelineError
from qa_pipeline.lang import to_simplified
from qa_pipeline.models import CallMeta, Recording

_DIGITS = str.maketrans("0123456789幺", "零一二三四五六七八九一")
_STRIP = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """The CER normalisation (see the module docstring)."""
    t = unicodedata.normalize("NFKC", to_simplified(text, taiwan=True)).lower()
    t = _STRIP.sub("", t)
    return t.translate(_DIGITS)


def edit_distance(ref: str, hyp: str) -> int:
    """Levenshtein distance in characters."""
    from rapidfuzz.distance import Levenshtein

    return int(Levenshtein.distance(ref, hyp))


def cer(refs: Sequence[str], hyps: Sequence[str]) -> float:
    """Corpus CER: total edits over total reference characters, after normalisation."""
    edits = sum(edit_distance(normalise(r), normalise(h)) for r, h in zip(refs, hyps, strict=True))
    chars = sum(len(normalise(r)) for r in refs)
    return edits / chars if chars else 0.0


@dataclass(frozen=True, slots=True)
class RefUtterance:
    """One row of a references TSV (``file``, ``reference``, optional ``duration_s``)."""

    path: Path
    reference: str
    duration_s: float | None = None


def read_refs(tsv: Path, limit: int | None = None) -> list[RefUtterance]:
    """Read a references TSV; ``file`` is relative to the TSV's folder.

    Raises:
        ConfigError: the file is missing or lacks the ``file``/``reference`` columns.
    """
    if not tsv.is_file():
        raise ConfigError(f"references file not found: {tsv}")
    with tsv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        if not reader.fieldnames or not {"file", "reference"} <= set(reader.fieldnames):
            raise ConfigError(f"{tsv}: needs tab-separated columns 'file' and 'reference'")
        out = []
        for row in reader:
            dur = row.get("duration_s")
            out.append(
                RefUtterance(
                    path=(tsv.parent / row["file"]).resolve(),
                    reference=row["reference"],
                    duration_s=float(dur) if dur else None,
                )
            )
    return out[:limit] if limit else out


@dataclass(frozen=True, slots=True)
class EvalResult:
    """Figures of one evaluation run."""

    cer: float
    audio_s: float
    wall_s: float
    utterances: int
    failed: int
    hypotheses: tuple[str, ...]

    @property
    def x_realtime(self) -> float:
        """Seconds of audio per second of wall time."""
        return self.audio_s / self.wall_s if self.wall_s > 0 else 0.0

    def summary_json(self) -> str:
        """The one-line JSON summary ``{"cer", "audio_s", "wall_s", "x_realtime"}``."""
        return json.dumps(
            {
                "cer": round(self.cer, 4),
                "audio_s": round(self.audio_s, 2),
                "wall_s": round(self.wall_s, 2),
                "x_realtime": round(self.x_realtime, 2),
            }
        )


def evaluate(
    refs: Sequence[RefUtterance],
    options: AsrOptions,
    *,
    models_dir: Path,
    progress: Callable[[int, int], None] | None = None,
) -> EvalResult:
    """Transcribe the reference utterances with the stage (no cache) and score CER.

    Utterances are single-speaker recordings, so they run as mono and the speaker is
    ignored. A failed utterance counts as an empty hypothesis. Wall time includes model
    loading; the model is loaded before the clock starts when already cached in process.
    """
    from qa_pipeline.asr.stage import Transcriber, transcribe_recordings

    Transcriber(options, models_dir=models_dir)  # load the model outside the timing
    recordings = [Recording(r.path, CallMeta(call_id=f"ref{i:04d}")) for i, r in enumerate(refs)]
    t0 = time.perf_counter()
    results = transcribe_recordings(recordings, options, models_dir=models_dir, progress=progress)
    wall = time.perf_counter() - t0
    hyps: list[str] = []
    audio = 0.0
    failed = 0
    for ref, res in zip(refs, results, strict=True):
        tr = res.transcript
        if tr is None:
            failed += 1
            hyps.append("")
        else:
            hyps.append("".join(s.text for s in tr.segments))
        if tr is not None and tr.duration_s:
            audio += tr.duration_s
        elif ref.duration_s:
            audio += ref.duration_s
    if refs and failed == len(refs):
        err = results[0].error
        raise QAPipelineError(f"every utterance failed; first error: {err}")
    return EvalResult(
        cer=cer([r.reference for r in refs], hyps),
        audio_s=audio,
        wall_s=wall,
        utterances=len(refs),
        failed=failed,
        hypotheses=tuple(hyps),
    )
