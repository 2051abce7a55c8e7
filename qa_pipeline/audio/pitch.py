"""Pitch tracking (yin, energy-gated) shared by diarization and metrics."""

from __future__ import annotations

import numpy as np

from qa_pipeline.audio.constants import PITCH_FMAX, PITCH_FMIN, SAMPLE_RATE, log


def warm_up() -> None:
    """Import librosa's pitch and feature code now (about 3 s on 2 cores, once per process).

    A long-running stage then pays it when it starts, not inside its first batch.
    """
    import librosa

    _ = (librosa.yin, librosa.feature.rms)


def _pitch_track(y: np.ndarray) -> np.ndarray:
    """f0 (Hz) of the voiced frames of ``y`` (yin, energy-gated); empty when unvoiced."""
    import librosa

    frame, hop = 1024, 320
    if y.size < frame:
        return np.empty(0, dtype=np.float64)
    y = _finite(y)
    try:
        f0 = librosa.yin(
            y, fmin=PITCH_FMIN, fmax=PITCH_FMAX, sr=SAMPLE_RATE, frame_length=frame, hop_length=hop
        )
    except librosa.util.exceptions.ParameterError as exc:
        log.debug("pitch not measured on %d samples: %s", y.size, exc)
        return np.empty(0, dtype=np.float64)
    rms = librosa.feature.rms(y=y, frame_length=frame, hop_length=hop)[0]
    m = min(f0.size, rms.size)
    f0, rms = f0[:m], rms[:m]
    peak = float(rms.max()) if m else 0.0
    if peak <= 1e-5:
        return np.empty(0, dtype=np.float64)
    # Voiced: loud relative to the turn (within 25 dB of its loudest frame, above -50
    # dBFS) and not pinned to the search limits (yin's answer for unvoiced frames).
    gate = max(peak * 10 ** (-25 / 20), 10 ** (-50 / 20))
    keep = (rms >= gate) & (f0 > PITCH_FMIN * 1.05) & (f0 < PITCH_FMAX * 0.95)
    return np.asarray(f0[keep], dtype=np.float64)


def _finite(y: np.ndarray) -> np.ndarray:
    """Contiguous float32 without NaN/inf (librosa refuses non-finite audio)."""
    y = np.ascontiguousarray(y, dtype=np.float32)
    if not np.isfinite(y).all():
        y = np.nan_to_num(y, nan=0.0, posinf=1.0, neginf=-1.0)
    return y
