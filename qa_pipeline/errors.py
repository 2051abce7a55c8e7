"""Error hierarchy.

Every error the library raises on purpose is a :class:`QAPipelineError`. The CLI maps it
to a one-line message and exit code 1; the flows record it against the call it belongs
to (``kind`` is the short name stored in the per-call error table) and go on.
"""

from __future__ import annotations


class QAPipelineError(Exception):
    """Base class of every expected failure; ``kind`` names the failure in the store."""

    kind = "error"


class ConfigError(QAPipelineError):
    """Settings or options are invalid (fail fast at setup)."""

    kind = "config"


class AudioError(QAPipelineError):
    """A recording cannot be used."""

    kind = "audio"


class AudioDecodeError(AudioError):
    """The file is empty, truncated, corrupt, or not audio at all."""

    kind = "audio_decode"


class UnsupportedAudioError(AudioError):
    """The file decodes but its layout is not supported (e.g. 3+ channels, no audio stream)."""

    kind = "audio_unsupported"


class LongerThanManifestError(UnsupportedAudioError):
    """The audio is much longer than the manifest's ``duration_s`` (refused before decoding)."""

    kind = "longer_than_manifest"


class AsrError(QAPipelineError):
    """Speech-to-text failed for a recording."""

    kind = "asr"


class ModelNotAvailableError(AsrError):
    """A speech model is not on this machine (and cannot be fetched offline)."""

    kind = "model_missing"


class TranscriptFormatError(QAPipelineError):
    """A transcript JSON file does not follow the transcript format."""

    kind = "transcript_format"


class RubricError(QAPipelineError):
    """A rubric file is invalid; the message names the file, the item and the field."""

    kind = "rubric"


class ScoringError(QAPipelineError):
    """A check failed to run on a call."""

    kind = "scoring"


class StoreError(QAPipelineError):
    """The results database cannot be reached or written."""

    kind = "store"
    #: The database could not be reached, was busy or is full (an OperationalError):
    #: retrying the whole write may help; any other StoreError is about this write's data.
    transient = False


class ManifestError(QAPipelineError):
    """A night's manifest is unusable as a whole (not a single bad row)."""

    kind = "manifest"


class SamplingError(QAPipelineError):
    """A sampling plan is malformed."""

    kind = "sampling"


class ReportError(QAPipelineError):
    """A report cannot be produced (unknown agent or team, empty period, bad period)."""

    kind = "report"
