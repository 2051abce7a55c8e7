"""Scrub what an earlier version left raw: the database and the transcript files.

``qa db scrub`` runs these once after an upgrade. A database written before a redaction
rule existed holds what that rule now masks (a name, an address, a file named after a
number, a manifest column); transcript files and speech-to-text cache entries from
before redaction reached them hold raw transcripts. Every text column and every
transcript file is redacted again in place (redaction is idempotent, so scrubbing twice
changes nothing). A stored recording path that still exists on disk is replaced by its
call-id link (:mod:`qa_pipeline.store.listen`) so the report links keep working.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select, update

from qa_pipeline.errors import TranscriptFormatError
from qa_pipeline.models import CallMeta, Recording, Segment, Transcript
from qa_pipeline.pii.fields import redact_field, redact_token
from qa_pipeline.pii.redact import (
    RedactOptions,
    redact_path,
    redact_text,
    redact_transcript,
    redact_value,
)
from qa_pipeline.store.schema import (
    call_errors,
    call_scores,
    item_results,
    recordings,
    review_decisions,
    runs,
    transcripts,
)
from qa_pipeline.store.search import reindex_calls

log = logging.getLogger(__name__)


def _segments(call_id: str, segments: Any, opts: RedactOptions) -> Any:
    if not isinstance(segments, list):
        return redact_value(segments, opts)
    try:
        t = Transcript(call_id, tuple(Segment.from_dict(s) for s in segments))
    except (TypeError, ValueError, KeyError, AttributeError):
        return redact_value(segments, opts)
    return [s.to_dict() for s in redact_transcript(t, opts).segments]


def _tokens(value: Any, opts: RedactOptions) -> Any:
    """A transcript's flags (a list) or options (a mapping), each string masked as a field."""
    if isinstance(value, dict):
        return {redact_token(str(k), opts): redact_token(str(v), opts) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_token(str(v), opts) for v in value]
    return redact_value(value, opts)


def _extra(value: Any, opts: RedactOptions) -> Any:
    if isinstance(value, dict):
        return {k: redact_field(str(k), str(v), opts) for k, v in value.items()}
    return redact_value(value, opts)


def _recording_path(row: Any, opts: RedactOptions, recordings_dir: Path | None) -> Any:
    path = row.path
    if not path:
        return path
    if recordings_dir is not None and not row.is_transcript and Path(path).is_file():
        from qa_pipeline.store.listen import link_recording

        rec = Recording(Path(path), CallMeta(call_id=row.call_id))
        linked = link_recording(rec, recordings_dir)
        if linked.path != Path(path):
            return str(linked.path)
    return redact_path(path, opts)


def scrub_store(
    store: Any, options: RedactOptions | None = None, recordings_dir: Path | None = None
) -> dict[str, int]:
    """Redact every text column of every row again, in place.

    Args:
        store: An open :class:`~qa_pipeline.store.Store`.
        options: What to mask (default: everything, label style).
        recordings_dir: Where to link recordings by call id (``QA_DATA_DIR/recordings``);
            ``None`` masks the stored path instead.

    Returns:
        Rows changed per table.
    """
    opts = options or RedactOptions()

    def text(v: Any) -> Any:
        return redact_text(v, opts) if isinstance(v, str) else v

    def value(v: Any) -> Any:
        return redact_value(v, opts)

    plan: list[tuple[Table, dict[str, Callable[[Any], Any]]]] = [
        (runs, {"params": value, "summary": value}),
        (call_scores, {"errors": value}),
        (item_results, {"reason": text, "evidence": value}),
        (call_errors, {"message": text}),
        (review_decisions, {"note": text}),
    ]
    changed: dict[str, int] = {}
    for table, columns in plan:
        changed[table.name] = _scrub_table(store, table, columns)
    changed.update(_scrub_transcripts(store, opts))
    changed["recordings"] = _scrub_rows(
        store,
        recordings,
        ["path", "topic", "extra"],
        lambda row: {
            "path": _recording_path(row, opts, recordings_dir),
            "topic": text(row.topic),
            "extra": _extra(row.extra, opts),
        },
    )
    return changed


def _scrub_transcripts(store: Any, opts: RedactOptions) -> dict[str, int]:
    """Mask stored transcripts (turns, flags, options) again; re-index the calls changed.

    Returns:
        Rows changed in ``transcripts`` and turns re-indexed in ``search_turns``.
    """
    rescrubbed: set[str] = set()

    def fix_transcript(row: Any) -> dict[str, Any]:
        new = _segments(row.call_id, row.segments, opts)
        if new != row.segments:
            rescrubbed.add(row.call_id)
        return {
            "segments": new,
            "flags": _tokens(row.flags, opts),
            "options": _tokens(row.options, opts),
        }

    changed = {
        "transcripts": _scrub_rows(
            store, transcripts, ["segments", "flags", "options"], fix_transcript
        )
    }
    # the search holds the transcripts' turns: re-index the calls masked again
    with store._write("re-index the search") as conn:
        changed["search_turns"] = reindex_calls(conn, rescrubbed) if rescrubbed else 0
    return changed


def _scrub_table(store: Any, table: Table, columns: dict[str, Callable[[Any], Any]]) -> int:
    def fix(row: Any) -> dict[str, Any]:
        return {c: fn(getattr(row, c)) for c, fn in columns.items()}

    return _scrub_rows(store, table, list(columns), fix)


def _scrub_rows(
    store: Any, table: Table, columns: list[str], fix: Callable[[Any], dict[str, Any]]
) -> int:
    key = next(iter(table.primary_key.columns))
    extra = [c for c in ("call_id", "is_transcript") if c in table.c and c not in columns]
    query = select(key, *(table.c[c] for c in [*columns, *extra]))
    n = 0
    with store._write(f"scrub {table.name}") as conn:
        for row in conn.execute(query).all():
            new = fix(row)
            if any(new[c] != getattr(row, c) for c in new):
                conn.execute(update(table).where(key == row[0]).values(**new))
                n += 1
    return n


def scrub_transcript_files(folder: Path, options: RedactOptions | None = None) -> int:
    """Redact every transcript JSON file under ``folder`` in place; returns files changed."""
    from qa_pipeline.intake.transcript_io import load_transcript, save_transcript

    opts = options or RedactOptions()
    n = 0
    for path in sorted(folder.rglob("*.json")) if folder.is_dir() else []:
        try:
            t = load_transcript(path)
        except TranscriptFormatError as exc:
            log.warning("not a transcript, left as it is: %s (%s)", path, exc)
            continue
        fixed = redact_transcript(t, opts)
        if fixed != t:
            save_transcript(fixed, path)
            n += 1
    return n
