"""Speech-to-text: faster-whisper with batching across calls, model registry, clean-up.

Public API (heavy libraries load only when a model is used)::

    from qa_pipeline.asr import AsrOptions, transcribe_recordings, TranscriptionResult
"""

from __future__ import annotations

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.asr.stage import Transcriber, TranscriptionResult, transcribe_recordings

__all__ = ["AsrOptions", "Transcriber", "TranscriptionResult", "transcribe_recordings"]
