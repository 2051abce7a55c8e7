"""Constants shared by the audio submodules (sample rate, thresholds, pitch range)."""

from __future__ import annotations

import logging

log = logging.getLogger("qa_pipeline.audio")
"""The audio package's logger (one name for all submodules, as before the split)."""

SAMPLE_RATE = 16000
"""Sample rate of every decoded recording (what speech-to-text expects)."""

DEFAULT_MAX_DURATION_S = 4 * 3600.0
"""Longest recording :func:`decode_audio` accepts by default (4 hours)."""

DEFAULT_MIN_SAMPLE_RATE = 4000
"""Lowest sample rate :func:`decode_audio` accepts (telephone audio is 8 kHz): a WAV
declaring 1 Hz would otherwise decode 43 KB into hours of 16 kHz samples."""

MANIFEST_RATIO = 2.0
MANIFEST_SLACK_S = 60.0
"""Audio longer than ``MANIFEST_RATIO`` × the manifest's ``duration_s`` + ``MANIFEST_SLACK_S``
is refused as ``longer_than_manifest`` (a header or a manifest that lies)."""

SILENCE_DBFS = -70.0
"""A stereo channel quieter than this (RMS) is silent: the call falls back to mono."""

SILENT_GAP_S = 2.0
"""Stretches with nobody talking longer than this are reported as silent gaps."""

MIN_OVERLAP_S = 0.3
"""Simultaneous speech shorter than this (back-channel, timing jitter) is not an overlap."""

CLIPPING_LEVEL = 0.999
"""A sample at or above this magnitude counts as clipped."""

CLIPPING_FLAG_RATIO = 0.001
"""Flag ``clipping`` when more than this fraction of samples is clipped."""

LOW_LEVEL_DBFS = -45.0
"""Flag ``low_level`` when the RMS of all speech is below this."""

MAX_PROSODY_TURNS = 400
"""Only the first this-many turns get loudness and pitch (bounds the cost of long calls)."""

MAX_PITCH_SPAN_S = 20.0
"""Pitch of a turn is measured on its first this-many seconds."""

PITCH_FMIN = 65.0
PITCH_FMAX = 400.0

_BLOCK = 1 << 20  # samples per chunk for whole-recording statistics (bounded temporaries)
