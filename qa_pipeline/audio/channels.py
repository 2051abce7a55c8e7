"""Channels: channel maps, stereo/mono split, RMS level and silence."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from qa_pipeline.audio.constants import _BLOCK, SILENCE_DBFS, log
from qa_pipeline.audio.decode import DecodedAudio
from qa_pipeline.errors import ConfigError
from qa_pipeline.models import AGENT, CALLER, UNKNOWN

_CHANNEL_INDEX = {"left": 0, "l": 0, "0": 0, "right": 1, "r": 1, "1": 1}
_CHANNEL_EXAMPLE = "use e.g. 'left=agent,right=caller', 'right=agent,left=caller' or 'mono'"


def parse_channel_map(spec: str) -> dict[int, str] | None:
    """Parse a channel map.

    Args:
        spec: ``left=agent,right=caller``, ``right=agent,left=caller`` (``l``/``r`` and
            ``0``/``1`` work too), or ``mono``.

    Returns:
        Channel index → speaker, or ``None`` for ``mono``.

    Raises:
        ConfigError: The spec is not one of those shapes.
    """
    text = str(spec).strip().lower().replace(" ", "")
    if text in ("mono", "mix"):
        return None
    out: dict[int, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or key not in _CHANNEL_INDEX or value not in (AGENT, CALLER):
            raise ConfigError(f"bad channel map {spec!r}: {_CHANNEL_EXAMPLE}")
        if _CHANNEL_INDEX[key] in out:
            raise ConfigError(f"bad channel map {spec!r}: channel {key!r} given twice")
        out[_CHANNEL_INDEX[key]] = value
    if sorted(out.values()) != [AGENT, CALLER]:
        raise ConfigError(
            f"bad channel map {spec!r}: name one agent and one caller channel; {_CHANNEL_EXAMPLE}"
        )
    return out


def rms_dbfs(x: np.ndarray) -> float:
    """RMS level of ``x`` in dBFS (full scale = 1.0); -120 for silence or no samples."""
    x = np.asarray(x)
    if x.size == 0:
        return -120.0
    ms = _mean_square(x)
    return -120.0 if ms <= 1e-12 else max(-120.0, 10.0 * math.log10(ms))


def is_silent(x: np.ndarray, threshold_dbfs: float = -60.0) -> bool:
    """Whether ``x`` is quieter (RMS) than ``threshold_dbfs``."""
    return rms_dbfs(x) < threshold_dbfs


def _mean_square(x: np.ndarray) -> float:
    flat = x.reshape(-1)
    total = 0.0
    for i in range(0, flat.size, _BLOCK):
        block = flat[i : i + _BLOCK].astype(np.float64)
        total += float(np.dot(block, block))
    return total / flat.size


def _stereo_stats(left: np.ndarray, right: np.ndarray) -> tuple[float, float, float, float]:
    """``(max |l-r|, correlation, rms dBFS left, rms dBFS right)`` in bounded memory."""
    n = min(left.size, right.size)
    sl = sr = sll = srr = slr = 0.0
    maxdiff = 0.0
    for i in range(0, n, _BLOCK):
        a = left[i : min(i + _BLOCK, n)].astype(np.float64)
        b = right[i : min(i + _BLOCK, n)].astype(np.float64)
        maxdiff = max(maxdiff, float(np.max(np.abs(a - b))) if a.size else 0.0)
        sl += float(a.sum())
        sr += float(b.sum())
        sll += float(np.dot(a, a))
        srr += float(np.dot(b, b))
        slr += float(np.dot(a, b))
    if n == 0:
        return 0.0, 1.0, -120.0, -120.0
    var_l = sll / n - (sl / n) ** 2
    var_r = srr / n - (sr / n) ** 2
    cov = slr / n - (sl / n) * (sr / n)
    corr = cov / math.sqrt(var_l * var_r) if var_l > 1e-20 and var_r > 1e-20 else 0.0

    def db(ms: float) -> float:
        return -120.0 if ms <= 1e-12 else max(-120.0, 10.0 * math.log10(ms))

    return maxdiff, corr, db(sll / n), db(srr / n)


#: Why a stereo recording was analysed as one channel (a transcript flag each).
FALLBACK_IDENTICAL = "channels_identical"
FALLBACK_SILENT = "one_channel_silent"


def split_channels(
    decoded: DecodedAudio, channel_map: str | Mapping[int, str] | None
) -> dict[str, np.ndarray]:
    """Speaker → 1-D float32 samples.

    A stereo call gives one entry per mapped speaker (views of the decoded rows, no
    copy). Everything else falls back to ``{"unknown": samples}``: a mono file, a
    ``None``/``mono`` map, a stereo file whose channels are identical or nearly so
    (correlation > 0.99 and levels within 1 dB — a mono call stored as stereo; their
    mean is used), or one whose channel is silent (below -70 dBFS) while the other has
    audio (the live channel is used).

    Args:
        decoded: The decoded recording.
        channel_map: A spec for :func:`parse_channel_map`, a parsed map, or ``None``.

    Returns:
        Speaker → samples.

    Raises:
        ConfigError: The channel map is invalid.
    """
    return split_channels_why(decoded, channel_map)[0]


def split_channels_why(
    decoded: DecodedAudio, channel_map: str | Mapping[int, str] | None
) -> tuple[dict[str, np.ndarray], str | None]:
    """:func:`split_channels` plus why a stereo file fell back to one channel.

    The reason is :data:`FALLBACK_IDENTICAL`, :data:`FALLBACK_SILENT`, or ``None`` (it did
    not, or the file is mono or the map says ``mono``).
    """
    mapping = (
        parse_channel_map(channel_map)
        if isinstance(channel_map, str)
        else (dict(channel_map) if channel_map is not None else None)
    )
    if mapping is not None and sorted(mapping) != [0, 1]:
        raise ConfigError(f"bad channel map {mapping!r}: {_CHANNEL_EXAMPLE}")
    samples = np.atleast_2d(decoded.samples)
    if samples.shape[0] == 1:
        return {UNKNOWN: np.asarray(samples[0], dtype=np.float32)}, None
    left, right = samples[0], samples[1]
    if mapping is None:
        return {UNKNOWN: _mean_rows(left, right)}, None
    maxdiff, corr, db_l, db_r = _stereo_stats(left, right)
    if maxdiff <= 1e-4 or (corr > 0.99 and abs(db_l - db_r) < 1.0):
        log.info("stereo channels are the same signal (corr %.3f): treating call as mono", corr)
        return {UNKNOWN: left if maxdiff <= 1e-4 else _mean_rows(left, right)}, FALLBACK_IDENTICAL
    if db_l < SILENCE_DBFS <= db_r or db_r < SILENCE_DBFS <= db_l:
        live = right if db_l < db_r else left
        log.info(
            "one stereo channel is silent (left %.1f dBFS, right %.1f dBFS): treating call as mono",
            db_l,
            db_r,
        )
        return {UNKNOWN: live}, FALLBACK_SILENT
    return {mapping[0]: left, mapping[1]: right}, None


def _mean_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(a.size, dtype=np.float32)
    for i in range(0, a.size, _BLOCK):
        np.add(a[i : i + _BLOCK], b[i : i + _BLOCK], out=out[i : i + _BLOCK])
        out[i : i + _BLOCK] *= 0.5
    return out
