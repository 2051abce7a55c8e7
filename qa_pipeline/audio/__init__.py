"""Audio: decode recordings, split channels, diarize mono calls, acoustic metrics.

Every recording is decoded with PyAV (FFmpeg) to float32 at 16 kHz, one row per channel
(mono or stereo; 3+ channels are refused). Stereo calls carry the agent and the caller on
their own channels (the channel map says which); a mono call, or a stereo file that is
really mono, falls back to one ``unknown`` channel that :func:`diarize_spans` and
:func:`assign_roles` split into agent and caller. :func:`compute_metrics` measures
silence, overlaps, speech rate, loudness and pitch per turn.

Heavy libraries (PyAV, librosa) are imported inside the functions that need them.
"""

from __future__ import annotations

from qa_pipeline.audio.channels import (
    FALLBACK_IDENTICAL,
    FALLBACK_SILENT,
    is_silent,
    parse_channel_map,
    rms_dbfs,
    split_channels,
    split_channels_why,
)
from qa_pipeline.audio.constants import (
    CLIPPING_FLAG_RATIO,
    CLIPPING_LEVEL,
    DEFAULT_MAX_DURATION_S,
    LOW_LEVEL_DBFS,
    MAX_PITCH_SPAN_S,
    MAX_PROSODY_TURNS,
    MIN_OVERLAP_S,
    PITCH_FMAX,
    PITCH_FMIN,
    SAMPLE_RATE,
    SILENCE_DBFS,
    SILENT_GAP_S,
    log,
)
from qa_pipeline.audio.decode import DecodedAudio, audio_content_hash, decode_audio
from qa_pipeline.audio.diarize import (
    AGENT_CUES,
    CALLER_CUES,
    DiarizationResult,
    RoleAssignment,
    assign_roles,
    cue_score,
    diarize_spans,
)
from qa_pipeline.audio.metrics import compute_metrics

# Names the single-file module imported at top level; kept so attribute access still works.
from qa_pipeline.errors import AudioDecodeError, ConfigError, UnsupportedAudioError
from qa_pipeline.models import (
    AGENT,
    CALLER,
    UNKNOWN,
    AudioMetrics,
    Overlap,
    Segment,
    TurnProsody,
)

__all__ = [
    "AGENT",
    "AGENT_CUES",
    "CALLER",
    "CALLER_CUES",
    "CLIPPING_FLAG_RATIO",
    "CLIPPING_LEVEL",
    "DEFAULT_MAX_DURATION_S",
    "FALLBACK_IDENTICAL",
    "FALLBACK_SILENT",
    "LOW_LEVEL_DBFS",
    "MAX_PITCH_SPAN_S",
    "MAX_PROSODY_TURNS",
    "MIN_OVERLAP_S",
    "PITCH_FMAX",
    "PITCH_FMIN",
    "SAMPLE_RATE",
    "SILENCE_DBFS",
    "SILENT_GAP_S",
    "UNKNOWN",
    "AudioDecodeError",
    "AudioMetrics",
    "ConfigError",
    "DecodedAudio",
    "DiarizationResult",
    "Overlap",
    "RoleAssignment",
    "Segment",
    "TurnProsody",
    "UnsupportedAudioError",
    "assign_roles",
    "audio_content_hash",
    "compute_metrics",
    "cue_score",
    "decode_audio",
    "diarize_spans",
    "is_silent",
    "log",
    "parse_channel_map",
    "rms_dbfs",
    "split_channels",
    "split_channels_why",
]
