"""Line echo and crosstalk gating for stereo calls.

A stereo recorder's channels are never perfectly apart: each side's voice leaks into the
other channel, typically 20–35 dB down (line echo, hybrid leakage, crosstalk). Voice
activity detection hears the leak as speech, so without a gate every turn is transcribed
twice, once per speaker, and the caller "says" the agent's greeting.

:func:`gate_crosstalk` compares the two channels frame by frame (20 ms). For each
channel it estimates the *coupling*: how loud the other side's voice arrives on it,
relative to that voice on its own channel (a low percentile of the level difference over
frames where the other side is loud: leaks are the common case there, own speech over
the other's the rare one). A frame of a channel is its own speech when it is louder than
the other channel's level (the loudest within ±60 ms, for echo delay) plus the coupling
plus a margin; frames that are only leak are set to zero. Real overlaps, both people
talking, are kept: own speech is far above the leak level. Own-speech stretches are
widened by 100 ms so soft word edges stay.

A channel whose level during the other side's speech does not follow that speech
(correlation of frame levels under 0.5: line noise, not a leak) or whose coupling is
below ``NO_LEAK_DB`` is returned untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa_pipeline.audio.constants import SAMPLE_RATE, log

#: Frame length for the level comparison.
FRAME_S = 0.02
#: Echo may arrive late (a few tens of ms on a line); compare with the other channel's
#: loudest frame within this many seconds each side.
DELAY_TOLERANCE_S = 0.06
#: Own speech must be this far above the predicted leak level.
MARGIN_DB = 10.0
#: Coupling below this (dB) is no leak worth gating.
NO_LEAK_DB = -50.0
#: Own-speech stretches are widened by this much each side, and stretches shorter than
#: ``MIN_OWN_S`` (isolated frames where the leak's level jitters up) are dropped.
WIDEN_S = 0.1
MIN_OWN_S = 0.06
#: Percentile of the level difference taken as the coupling.
COUPLING_PERCENTILE = 20.0
#: A leak's level tracks the other side's; below this correlation it is line noise.
MIN_LEVEL_CORRELATION = 0.5
#: Frames where the other side is within this many dB of its loudest (its speech).
LOUD_WITHIN_DB = 20.0


@dataclass(frozen=True, slots=True)
class EchoGate:
    """What the gate found on each channel.

    The coupling of each channel (dB; ``None`` where there was too little speech to tell)
    and the seconds of leak silenced on each.
    """

    coupling_db: tuple[float | None, float | None]
    gated_s: tuple[float, float]

    @property
    def applied(self) -> bool:
        """Whether the gate muted any crosstalk."""
        return any(s > 0 for s in self.gated_s)


def frame_levels(x: np.ndarray, frame: int) -> np.ndarray:
    """RMS level in dB of each full frame of ``x`` (a trailing part frame included)."""
    n = x.shape[0]
    frames = -(-n // frame)
    out = np.empty(frames, dtype=np.float32)
    step = 4096  # frames per block: bounded memory on long recordings
    for f0 in range(0, frames, step):
        f1 = min(frames, f0 + step)
        block = np.zeros((f1 - f0) * frame, dtype=np.float32)
        part = x[f0 * frame : f1 * frame]
        block[: part.shape[0]] = part
        rows = block.reshape(f1 - f0, frame)
        ms = np.einsum("ij,ij->i", rows, rows) / frame
        out[f0:f1] = 10.0 * np.log10(ms + 1e-12)
    return out


def _max_filter(x: np.ndarray, radius: int) -> np.ndarray:
    out = x.copy()
    for k in range(1, radius + 1):
        np.maximum(out[k:], x[:-k], out=out[k:])
        np.maximum(out[:-k], x[k:], out=out[:-k])
    return out


def _coupling(own: np.ndarray, other: np.ndarray, max_lag: int) -> float | None:
    """How far below the other side's voice its leak sits on this channel (dB).

    ``None`` when this channel's level does not follow the other's (no leak).

    A leak follows the other side's level syllable by syllable; line noise does not (on
    clean recordings the correlation of frame levels is under 0.2, with leaks at -20 to
    -40 dB 0.97-1.0). It is measured where the other side is loud and this channel is not
    itself talking, at the echo delay (0 to ``max_lag`` frames) that fits best.
    """
    best: tuple[float, float] | None = None
    for lag in range(max_lag + 1):
        x = other[: other.shape[0] - lag]
        y = own[lag:]
        loud = (x > float(np.max(x)) - LOUD_WITHIN_DB) & (x > -60.0)
        if int(loud.sum()) < 25:  # under half a second of the other side's speech
            return None
        diff = y[loud] - x[loud]
        quiet = diff <= np.percentile(diff, 50)
        xs = x[loud][quiet].astype(np.float64)
        ys = y[loud][quiet].astype(np.float64)
        if xs.size < 10:
            continue
        xs -= xs.mean()
        ys -= ys.mean()
        denom = float(np.sqrt(np.dot(xs, xs) * np.dot(ys, ys)))
        if denom < 1e-9:  # a constant level (digital silence): nothing follows anything
            continue
        corr = float(np.dot(xs, ys)) / denom
        if best is None or corr > best[0]:
            best = (corr, float(np.percentile(diff, COUPLING_PERCENTILE)))
    if best is None or best[0] < MIN_LEVEL_CORRELATION:
        return None
    return best[1]


def _own_mask(own: np.ndarray, other_max: np.ndarray, coupling: float) -> np.ndarray:
    keep = own > other_max + coupling + MARGIN_DB
    # drop isolated flickers, then widen what is left
    min_run = max(1, round(MIN_OWN_S / FRAME_S))
    if min_run > 1:
        idx = np.flatnonzero(np.diff(np.concatenate(([0], keep.view(np.int8), [0]))))
        for start, end in zip(idx[::2], idx[1::2], strict=True):
            if end - start < min_run:
                keep[start:end] = False
    return _max_filter(keep.astype(np.int8), round(WIDEN_S / FRAME_S)).astype(bool)


def _apply(x: np.ndarray, frame_gain: np.ndarray, frame: int) -> np.ndarray:
    """``x`` times the frame gains, ramped linearly between frame centres (no clicks)."""
    out = np.empty(x.shape[0], dtype=np.float32)
    centres = (np.arange(frame_gain.shape[0], dtype=np.float64) + 0.5) * frame
    step = frame * 4096
    for a in range(0, x.shape[0], step):
        b = min(x.shape[0], a + step)
        gain = np.interp(np.arange(a, b, dtype=np.float64), centres, frame_gain)
        out[a:b] = x[a:b] * gain.astype(np.float32)
    return out


def gate_crosstalk(
    first: np.ndarray, second: np.ndarray, *, sample_rate: int = SAMPLE_RATE
) -> tuple[np.ndarray, np.ndarray, EchoGate]:
    """Silence the leak of each channel's partner (see the module docstring).

    Args:
        first: Samples of one channel (float32, mono).
        second: Samples of the other channel, same rate.
        sample_rate: Their rate.

    Returns:
        ``(first, second, report)``; a channel without measurable leak is returned as
        given (no copy), a gated one as a new array.
    """
    frame = max(1, round(FRAME_S * sample_rate))
    n = min(first.shape[0], second.shape[0])
    la, lb = frame_levels(first[:n], frame), frame_levels(second[:n], frame)
    radius = round(DELAY_TOLERANCE_S / FRAME_S)
    ma, mb = _max_filter(la, radius), _max_filter(lb, radius)
    outs: list[np.ndarray] = []
    couplings: list[float | None] = []
    gated: list[float] = []
    for x, own, other_max, other in ((first, la, mb, lb), (second, lb, ma, la)):
        c = _coupling(own, other, radius)
        couplings.append(None if c is None else round(c, 1))
        if c is None or c < NO_LEAK_DB:
            outs.append(x)
            gated.append(0.0)
            continue
        keep = _own_mask(own, other_max, c)
        # only frames where the other side is talking can be leak; elsewhere keep all
        talking = other > float(np.max(other)) - LOUD_WITHIN_DB - 15.0
        drop = ~keep & _max_filter(talking.astype(np.int8), radius).astype(bool)
        if not drop.any():
            outs.append(x)
            gated.append(0.0)
            continue
        outs.append(_apply(x, (~drop).astype(np.float32), frame))
        gated.append(round(float(drop.sum()) * FRAME_S, 2))
    report = EchoGate((couplings[0], couplings[1]), (gated[0], gated[1]))
    if report.applied:
        log.info(
            "line echo gated: coupling %s dB, %s s silenced", report.coupling_db, report.gated_s
        )
    return outs[0], outs[1], report
