"""Mono diarization: span features, two-cluster k-means, agent/caller from cue phrases."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa_pipeline.audio.channels import is_silent
from qa_pipeline.audio.constants import SAMPLE_RATE
from qa_pipeline.audio.pitch import _finite, _pitch_track
from qa_pipeline.errors import ConfigError
from qa_pipeline.models import AGENT, CALLER, UNKNOWN

_ROLE_CUES_FILE = Path(__file__).with_name("role_cues.yaml")


@functools.cache
def role_cues() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The agent and caller phrases of ``role_cues.yaml``, read once.

    Returns:
        ``(agent phrases, caller phrases)``, as written in the file.

    Raises:
        ConfigError: The file is missing, not YAML, or ``agent``/``caller`` is not a
            list of non-empty strings; the message names the file.
    """
    import yaml

    path = _ROLE_CUES_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read role cues: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with 'agent' and 'caller' lists")
    return _phrase_list(data, "agent", path), _phrase_list(data, "caller", path)


def _phrase_list(data: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    """``data[key]`` as a tuple of non-empty strings, or a ConfigError naming ``path``."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: {key!r} must be a list of non-empty strings")
    return tuple(value)


AGENT_CUES: tuple[str, ...] = role_cues()[0]
"""Phrases an agent says (opening, job number, offer of help, closing), from
``role_cues.yaml``; a cluster whose turns contain them is the agent."""

CALLER_CUES: tuple[str, ...] = role_cues()[1]
"""Phrases a caller says (``role_cues.yaml``); they count against the cluster being the
agent."""


@dataclass(frozen=True, slots=True)
class DiarizationResult:
    """Two-speaker clustering of the spans of a mono call.

    Attributes:
        speakers: ``spk0`` or ``spk1`` per span, in input order.
        confidence: 0..1, how well the two clusters separate (silhouette-like).
        confident: Whether the split is trustworthy enough to attribute speakers.
    """

    speakers: list[str]
    confidence: float
    confident: bool


@dataclass(frozen=True, slots=True)
class RoleAssignment:
    """Agent/caller per span of a mono call.

    Attributes:
        speakers: ``agent``, ``caller`` or ``unknown`` per span, in input order.
        confident: Whether both the clustering and the choice of agent are trustworthy.
        confidence: 0..1.
    """

    speakers: list[str]
    confident: bool
    confidence: float


_MIN_DIAR_SPAN_S = 0.25


def _span_features(y: np.ndarray) -> np.ndarray:
    import librosa

    y = _finite(y)
    try:
        mfcc = librosa.feature.mfcc(y=y, sr=SAMPLE_RATE, n_mfcc=14, n_fft=512, hop_length=160)
        centroid = librosa.feature.spectral_centroid(y=y, sr=SAMPLE_RATE, n_fft=512, hop_length=160)
    except librosa.util.exceptions.ParameterError as exc:
        # The speech stage degrades to "speaker unknown" on ValueError.
        raise ValueError(f"speaker features failed: {exc}") from exc
    f0 = _pitch_track(y)
    pitch = float(np.log(np.median(f0))) if f0.size >= 3 else np.nan
    return np.concatenate(
        [mfcc[1:14].mean(axis=1), [pitch], [float(np.log(centroid.mean() + 1.0))]]
    )


def _kmeans2(x: np.ndarray, iters: int = 50) -> np.ndarray:
    """Two-cluster k-means with a deterministic farthest-point start; labels 0/1."""
    c0 = x[int(np.argmax(((x - x.mean(axis=0)) ** 2).sum(axis=1)))]
    c1 = x[int(np.argmax(((x - c0) ** 2).sum(axis=1)))]
    centers = np.stack([c0, c1])
    labels = np.zeros(len(x), dtype=int)
    for it in range(iters):
        d = ((x[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
        new = np.argmin(d, axis=1)
        if it > 0 and np.all(new == labels):
            break
        labels = new
        for k in (0, 1):
            if np.any(labels == k):
                centers[k] = x[labels == k].mean(axis=0)
    return labels


def _silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette of a two-cluster labelling (0 when a cluster has one member)."""
    if len(x) > 1500:  # bound the O(n²) distance matrix on very long calls
        idx = np.linspace(0, len(x) - 1, 1500).astype(int)
        x, labels = x[idx], labels[idx]
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
    scores = []
    for i in range(len(x)):
        same = labels == labels[i]
        n_same = int(same.sum()) - 1
        if n_same == 0:
            scores.append(0.0)
            continue
        a = d[i, same].sum() / n_same
        b = d[i, ~same].mean()
        scores.append((b - a) / max(a, b, 1e-12))
    return float(np.mean(scores))


def diarize_spans(samples: np.ndarray, spans: list[tuple[float, float]]) -> DiarizationResult:
    """Split the speech spans of a mono call between two speakers.

    Each span of at least 0.25 s gets acoustic features (mean MFCC 1–13, log median
    pitch from yin on voiced frames, log spectral centroid); features are standardized,
    weighted so the MFCC block and pitch count about equally, and clustered with a
    deterministic two-cluster k-means. Shorter spans take the label of the nearest
    clustered span in time. ``confidence`` is the mean silhouette (clipped to 0..1);
    ``confident`` needs a silhouette of at least 0.25 and each speaker holding at
    least 10 % of the spans (two or more).

    Args:
        samples: 1-D float32 mono call at 16 kHz.
        spans: ``(start, end)`` in seconds per speech segment.

    Returns:
        ``spk0``/``spk1`` per span (``spk0`` speaks first) and the confidence.
    """
    y = np.asarray(samples, dtype=np.float32).reshape(-1)
    n_spans = len(spans)
    if n_spans == 0:
        return DiarizationResult([], 0.0, False)
    usable: list[int] = []
    feats: list[np.ndarray] = []
    for i, (start, end) in enumerate(spans):
        a = max(0, round(float(start) * SAMPLE_RATE))
        b = min(y.size, round(float(end) * SAMPLE_RATE))
        if b - a < int(_MIN_DIAR_SPAN_S * SAMPLE_RATE) or is_silent(y[a:b], -65.0):
            continue
        usable.append(i)
        feats.append(_span_features(y[a:b]))
    if len(usable) < 2:
        return DiarizationResult(["spk0"] * n_spans, 0.0, False)
    x = np.stack(feats)
    pitch = x[:, 13]
    if np.all(np.isnan(pitch)):
        x = np.delete(x, 13, axis=1)
        weights = np.array([1 / math.sqrt(13)] * 13 + [0.5])
    else:
        x[np.isnan(pitch), 13] = float(np.nanmedian(pitch))
        weights = np.array([1 / math.sqrt(13)] * 13 + [1.0, 0.5])
    std = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(std > 1e-9, std, 1.0) * weights
    labels = _kmeans2(x)
    if len(set(labels.tolist())) < 2:
        return DiarizationResult(["spk0"] * n_spans, 0.0, False)
    sil = _silhouette(x, labels)
    if labels[0] != 0:  # spk0 is whoever speaks first
        labels = 1 - labels
    by_span: dict[int, int] = dict(zip(usable, labels.tolist(), strict=True))
    mids = np.array([(spans[i][0] + spans[i][1]) / 2 for i in usable])
    speakers: list[str] = []
    for i, (start, end) in enumerate(spans):
        lab = by_span.get(i)
        if lab is None:
            lab = by_span[usable[int(np.argmin(np.abs(mids - (start + end) / 2)))]]
        speakers.append(f"spk{lab}")
    smallest = min(int((labels == 0).sum()), int((labels == 1).sum()))
    confident = sil >= 0.25 and smallest >= max(2, math.ceil(0.1 * len(labels)))
    return DiarizationResult(speakers, round(min(1.0, max(0.0, sil)), 3), confident)


def _cue_hits(text: str, cues: Sequence[str]) -> int:
    t = text.lower()
    return sum(t.count(c) for c in cues)


#: A first speaker whose agent phrases score at least this much, and this many times the
#: other cluster's, is the agent even when the other cluster has some (see assign_roles).
CLEAR_LEAD_MIN = 4.0
CLEAR_LEAD_RATIO = 2.5


def cue_score(text: str) -> int:
    """Agent phrases (:data:`AGENT_CUES`) minus caller phrases (:data:`CALLER_CUES`)."""
    return _cue_hits(text, AGENT_CUES) - _cue_hits(text, CALLER_CUES)


def assign_roles(result: DiarizationResult, texts: list[str]) -> RoleAssignment:
    """Name the clusters of a mono call agent and caller from what they say.

    The cluster whose turns carry more agent phrases (:data:`AGENT_CUES`: greeting, job
    number, offer of help, closing; phrases in the first three turns count double)
    minus caller phrases (:data:`CALLER_CUES`) is the agent. The attribution is
    confident when the agent cluster spoke first (on an inbound line the agent answers)
    and either only it has agent phrases, or it has at least ``CLEAR_LEAD_MIN`` points
    and ``CLEAR_LEAD_RATIO`` times the other's (a caller's 「您好」 alone does not cancel
    the agent's greeting, hotline name and 工号); otherwise it is not.

    Args:
        result: The clustering from :func:`diarize_spans`.
        texts: Text per span, in the same order.

    Returns:
        ``agent``/``caller`` per span and whether the attribution is trustworthy.
    """
    labels = list(result.speakers)
    if not labels:
        return RoleAssignment([], False, 0.0)
    score: dict[str, float] = {}
    for i, (lab, text) in enumerate(zip(labels, list(texts) + [""] * len(labels), strict=False)):
        weight = 2.0 if i < 3 else 1.0
        s = weight * _cue_hits(text, AGENT_CUES) - _cue_hits(text, CALLER_CUES)
        score[lab] = score.get(lab, 0.0) + s
    clusters = sorted(set(labels), key=labels.index)  # first speaker first
    if len(clusters) == 1:
        role = AGENT if score[clusters[0]] > 0 else UNKNOWN
        return RoleAssignment([role] * len(labels), False, 0.0)
    first, second = clusters[0], clusters[1]
    if score[first] == score[second]:
        agent, decisive = first, False
    else:
        agent = first if score[first] > score[second] else second
        # decisive only when agent phrases point at one cluster: phrases in both mean
        # the clustering mixed the parties up (seen on 8 kHz mono mixes of two voices)
        decisive = max(score[first], score[second]) > 0 >= min(score[first], score[second])
        # ...or the first speaker's phrases clearly outweigh the other's: a caller who
        # answers 「您好，我想问…」 scores a little too (您好 is an agent phrase), the agent's
        # greeting with hotline name and 工号 several times as much (on the mono mixes of
        # corpus/dev_audio, 7 of 28 calls stayed unknown for a caller's 您好 alone)
        decisive = decisive or (
            score[first] >= CLEAR_LEAD_MIN and score[first] >= CLEAR_LEAD_RATIO * score[second]
        )
    # on an inbound line the agent answers: phrases pointing at the cluster that did not
    # speak first mean the clustering is off (seen on 8 kHz mixes of two voices)
    decisive = decisive and agent == first
    roles = {agent: AGENT, (second if agent == first else first): CALLER}
    margin = abs(score[first] - score[second]) / (abs(score[first]) + abs(score[second]) or 1)
    confidence = result.confidence * (0.5 + 0.5 * margin if decisive else 0.3)
    return RoleAssignment(
        [roles[lab] for lab in labels],
        bool(result.confident and decisive),
        round(float(confidence), 3),
    )
