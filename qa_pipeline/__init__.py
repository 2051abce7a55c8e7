"""qa-pipeline: quality inspection (质检) of call-centre recordings.

The library is a house of parts (``docs/architecture.md`` draws it): ``intake`` reads
what a night delivers, ``audio``/``asr`` turn recordings into transcripts,
``rubric``/``scoring`` turn transcripts into verdicts, ``pii`` masks personal data,
``store`` keeps results, ``review`` is where people check the machine, ``reports``
explain it, ``night`` runs a night, ``web`` and ``commands`` are its faces. Prefect lives
only in the top-level ``flows`` package.

This top level holds the value objects and errors every part shares::

    from qa_pipeline import CallScore, Transcript, QAPipelineError
"""

from __future__ import annotations

from qa_pipeline.errors import (
    AsrError,
    AudioError,
    ConfigError,
    ManifestError,
    QAPipelineError,
    ReportError,
    RubricError,
    ScoringError,
    StoreError,
    TranscriptFormatError,
)
from qa_pipeline.models import (
    CallMeta,
    CallScore,
    Evidence,
    ItemResult,
    Recording,
    Segment,
    Status,
    Transcript,
)

__all__ = [
    "AsrError",
    "AudioError",
    "CallMeta",
    "CallScore",
    "ConfigError",
    "Evidence",
    "ItemResult",
    "ManifestError",
    "QAPipelineError",
    "Recording",
    "ReportError",
    "RubricError",
    "ScoringError",
    "Segment",
    "Status",
    "StoreError",
    "Transcript",
    "TranscriptFormatError",
    "__version__",
]

__version__ = "0.1.0"
