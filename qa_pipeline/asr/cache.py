"""Transcript cache: a finished call is not transcribed again.

Key = audio content hash + model identity + the options that change the text. Entries are
transcript JSON files (the spec format) under ``<cache_dir>/<key[:2]>/<key>.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from qa_pipeline.errors import TranscriptFormatError
from qa_pipeline.intake.transcript_io import load_transcript, save_transcript
from qa_pipeline.models import Transcript

log = logging.getLogger(__name__)


def cache_key(content_hash: str, model_id: str, options: dict[str, str]) -> str:
    """The cache key of one recording transcribed by one model with one set of options."""
    payload = json.dumps(
        {"audio": content_hash, "model": model_id, "options": options}, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def cache_path(cache_dir: Path, key: str) -> Path:
    """Where the entry for ``key`` lives."""
    return cache_dir / key[:2] / f"{key}.json"


def load_cached(cache_dir: Path, key: str) -> Transcript | None:
    """The cached transcript, or ``None`` (a damaged entry counts as a miss)."""
    path = cache_path(cache_dir, key)
    if not path.is_file():
        return None
    try:
        return load_transcript(path)
    except TranscriptFormatError as exc:
        log.warning("ignoring damaged transcript cache entry %s: %s", path, exc)
        return None


def store_cached(cache_dir: Path, key: str, transcript: Transcript) -> Path:
    """Write a transcript to the cache (atomically)."""
    return save_transcript(transcript, cache_path(cache_dir, key))
