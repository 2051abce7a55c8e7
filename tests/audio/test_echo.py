"""Line echo gating: a leaked turn is silenced, own speech and real overlaps are kept."""

from __future__ import annotations

import numpy as np
import pytest

from qa_pipeline.audio.echo import gate_crosstalk

SR = 16000


def _voice(rng: np.random.Generator, seconds: float, f0: float) -> np.ndarray:
    """A voice-like signal: harmonics of ``f0`` with syllable-rate (4 Hz) loudness."""
    t = np.arange(int(seconds * SR)) / SR
    x = np.zeros(t.shape[0])
    for k in range(1, 8):
        x += np.sin(2 * np.pi * f0 * k * t + rng.uniform(0, 6.28)) / k
    syllables = 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t) ** 2
    return (0.15 * x * syllables).astype(np.float32)


def _call(leak_db: float | None, seed: int = 1) -> tuple[np.ndarray, np.ndarray, dict]:
    """Agent alone 0.5–3 s, caller alone 4–7 s, both talking 8–9.5 s, agent 10–12 s."""
    rng = np.random.default_rng(seed)
    n = 13 * SR
    agent, caller = np.zeros(n, np.float32), np.zeros(n, np.float32)
    regions = {"agent": [(0.5, 3.0), (8.0, 9.5), (10.0, 12.0)], "caller": [(4.0, 7.0), (8.0, 9.5)]}
    for a, b in regions["agent"]:
        agent[int(a * SR) : int(b * SR)] += _voice(rng, b - a, 210.0)
    for a, b in regions["caller"]:
        caller[int(a * SR) : int(b * SR)] += _voice(rng, b - a, 120.0)
    left = agent + rng.standard_normal(n).astype(np.float32) * 3e-4
    right = caller + rng.standard_normal(n).astype(np.float32) * 3e-4
    if leak_db is not None:
        g = np.float32(10 ** (leak_db / 20))
        left, right = left + g * caller, right + g * agent
    return left, right, regions


def _rms(x: np.ndarray, a: float, b: float) -> float:
    seg = x[int(a * SR) : int(b * SR)].astype(np.float64)
    return float(np.sqrt(np.mean(seg**2)))


@pytest.mark.parametrize("leak_db", [-20.0, -30.0, -40.0])
def test_leak_is_silenced_and_own_speech_and_overlap_kept(leak_db: float) -> None:
    left, right, _ = _call(leak_db)
    gl, gr, report = gate_crosstalk(left, right)
    assert report.applied
    assert report.coupling_db[0] == pytest.approx(leak_db, abs=3.0)
    # the caller's lone turn leaked into the agent's channel: gone (well under -60 dBFS)
    assert _rms(gl, 4.2, 6.8) < 1e-3 < _rms(left, 4.2, 6.8)
    # and the agent's lone turns leaked into the caller's channel: gone
    assert _rms(gr, 0.7, 2.8) < 1e-3 < _rms(right, 0.7, 2.8)
    assert _rms(gr, 10.2, 11.8) < 1e-3
    # own speech is untouched, and both sides of the real overlap are kept
    for x, g, (a, b) in ((left, gl, (0.7, 2.8)), (right, gr, (4.2, 6.8)), (left, gl, (8.1, 9.4))):
        assert _rms(g, a, b) == pytest.approx(_rms(x, a, b), rel=0.02)
    assert _rms(gr, 8.1, 9.4) == pytest.approx(_rms(right, 8.1, 9.4), rel=0.02)


def test_clean_channels_are_returned_untouched() -> None:
    left, right, _ = _call(None)
    gl, gr, report = gate_crosstalk(left, right)
    assert not report.applied
    assert gl is left and gr is right


def test_delayed_echo_is_gated_too() -> None:
    """Line echo arrives some tens of ms late; the gate allows for it."""
    rng = np.random.default_rng(3)
    left, right, _ = _call(None)
    delay = int(0.04 * SR)
    g = np.float32(10 ** (-25 / 20))
    left2 = left.copy()
    left2[delay:] += g * right[:-delay]
    right2 = right.copy()
    right2[delay:] += g * left[:-delay]
    left2 += np.asarray(rng.standard_normal(left2.shape[0]), np.float32) * np.float32(1e-4)
    gl, _, report = gate_crosstalk(left2, right2)
    assert report.applied
    assert _rms(gl, 4.2, 6.8) < 1e-3
    assert _rms(gl, 0.7, 2.8) == pytest.approx(_rms(left2, 0.7, 2.8), rel=0.02)


def test_digital_silence_between_turns_is_no_leak() -> None:
    """Synthetic calls (espeak, TTS) have exact zeros between turns: constant levels
    correlate with nothing, and no warning is raised computing that."""
    left, right, _ = _call(None)
    left[np.abs(left) < 1e-3] = 0.0
    right[np.abs(right) < 1e-3] = 0.0
    gl, gr, report = gate_crosstalk(left, right)
    assert not report.applied and gl is left and gr is right
