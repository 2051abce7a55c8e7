"""Read and write transcript JSON files (``spec/transcript-format.md``).

Accepts plain transcripts and labelled calls (``{"transcript": ..., "expected": ...}``).
Text that is not valid UTF-8 is decoded as GB18030 (common on Chinese recorders) and,
failing that, with replacement characters and a ``non_utf8`` flag, so one bad file
never stops a batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qa_pipeline.errors import TranscriptFormatError
from qa_pipeline.intake.clean import clean_id, clean_text
from qa_pipeline.models import Transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LabelledCall:
    """A transcript with the verdicts a human inspector gave (corpus files)."""

    transcript: Transcript
    expected: tuple[tuple[str, str], ...]
    notes: str = ""
    path: Path | None = None


def _read_text(path: Path) -> tuple[str, bool]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TranscriptFormatError(f"{path}: cannot read file: {exc.strerror or exc}") from exc
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding), encoding != "utf-8-sig"
        except UnicodeDecodeError:
            continue
    # gb18030 maps almost every byte sequence; this is the last resort
    return raw.decode("utf-8", errors="replace"), True


def _parse(path: Path) -> tuple[dict[str, Any], bool]:
    text, non_utf8 = _read_text(path)
    if not text.strip():
        raise TranscriptFormatError(f"{path}: file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TranscriptFormatError(
            f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from exc
    except RecursionError as exc:  # [[[[… thousands deep: the parser's stack runs out
        raise TranscriptFormatError(
            f"{path}: JSON nested too deep (more than {MAX_DEPTH} levels)"
        ) from exc
    if not isinstance(data, dict):
        raise TranscriptFormatError(f"{path}: expected a JSON object, got {type(data).__name__}")
    if _depth(data) > MAX_DEPTH:
        raise TranscriptFormatError(f"{path}: JSON nested too deep (more than {MAX_DEPTH} levels)")
    return data, non_utf8


#: How deep a transcript's JSON may nest (the format needs 4: call, segments, segment, flags)
MAX_DEPTH = 32


def _depth(data: object) -> int:
    """How deep ``data`` nests (iteratively: no recursion to run out of)."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        if isinstance(value, dict):
            stack += [(v, depth + 1) for v in value.values()]
        elif isinstance(value, list):
            stack += [(v, depth + 1) for v in value]
    return deepest


def transcript_from_mapping(data: dict[str, Any], source: str = "<data>") -> Transcript:
    """Build a :class:`Transcript` from parsed JSON, with errors naming ``source``."""
    if "transcript" in data and isinstance(data["transcript"], dict):
        data = data["transcript"]
    if "call_id" not in data or not str(data["call_id"]).strip():
        raise TranscriptFormatError(f"{source}: missing 'call_id'")
    segments = data.get("segments")
    if segments is None:
        segments = []
    if not isinstance(segments, list):
        raise TranscriptFormatError(f"{source}: 'segments' must be a list")
    for i, seg in enumerate(segments):
        _check_segment(seg, i, source)
    try:
        return _clean(Transcript.from_dict({**data, "segments": segments}))
    except (TypeError, ValueError, KeyError) as exc:
        raise TranscriptFormatError(f"{source}: {exc}") from exc


def _check_segment(seg: object, i: int, source: str) -> None:
    """Refuse a segment that is not an object or whose times or confidence are not numbers.

    NaN and infinity are refused too (``NaN``, ``Infinity``, ``1e999`` in the JSON): a
    time that is not a finite number breaks every sort, sum and comparison after it.
    """
    if not isinstance(seg, dict):
        raise TranscriptFormatError(f"{source}: segments[{i}] must be an object")
    for key in ("start", "end", "confidence"):
        value = seg.get(key)
        if value is None:
            continue
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise TranscriptFormatError(
                f"{source}: segments[{i}].{key} is not a number: {value!r}"
            ) from exc
        if not math.isfinite(number):
            raise TranscriptFormatError(
                f"{source}: segments[{i}].{key} is not a finite number: {value!r}"
            )


def _clean_opt(value: str | None) -> str | None:
    return clean_id(value) if isinstance(value, str) else value


def _clean(t: Transcript) -> Transcript:
    """``t`` without NUL and control characters (PostgreSQL refuses NUL in text)."""
    segments = tuple(
        replace(s, text=clean_text(s.text), speaker=clean_id(s.speaker)) for s in t.segments
    )
    return replace(
        t,
        call_id=clean_id(t.call_id),
        segments=segments,
        agent_id=_clean_opt(t.agent_id),
        team=_clean_opt(t.team),
        call_type=_clean_opt(t.call_type),
    )


def load_transcript(path: str | Path) -> Transcript:
    """Load a transcript (or the transcript inside a labelled call) from a JSON file.

    Raises:
        TranscriptFormatError: the file is missing, empty, not JSON or lacks ``call_id``.
    """
    p = Path(path)
    data, non_utf8 = _parse(p)
    transcript = transcript_from_mapping(data, str(p))
    if non_utf8:
        log.warning("%s: not UTF-8; decoded leniently", p)
        transcript = replace(transcript, flags=(*transcript.flags, "non_utf8"))
    return transcript


def load_labelled_call(path: str | Path) -> LabelledCall:
    """Load a labelled call (transcript plus ``expected`` verdicts)."""
    p = Path(path)
    data, _ = _parse(p)
    expected = data.get("expected")
    if not isinstance(expected, dict):
        raise TranscriptFormatError(f"{p}: a labelled call needs an 'expected' object")
    return LabelledCall(
        transcript=transcript_from_mapping(data, str(p)),
        expected=tuple((str(k), str(v)) for k, v in expected.items()),
        notes=str(data.get("notes") or ""),
        path=p,
    )


def call_file_stem(call_id: str) -> str:
    """A file name stem for a call id, distinct for distinct ids.

    A readable prefix (unsafe characters replaced, at most 40 characters) plus 12 hex
    digits of the id's SHA-256: ``X/1``, ``X_1`` and ``X 1`` get three files, and an id
    of any length gives a name well under the file system's limit.
    """
    readable = re.sub(r"[^\w.-]+", "_", call_id, flags=re.ASCII).strip("._")[:40] or "call"
    digest = hashlib.sha256(call_id.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}"


def save_transcript(transcript: Transcript, path: str | Path) -> Path:
    """Write a transcript as UTF-8 JSON (atomically: a crash leaves no half file)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_suffix(p.suffix + ".tmp")
    tmp.write_text(json.dumps(transcript.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(p)
    return p
