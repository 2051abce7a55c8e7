"""How likely a machine verdict is right: evidence features and a shipped logistic model.

Every decided verdict (pass / fail / na) gets a *confidence*: the probability, from a
logistic model fitted on labelled calls (``qa eval calibrate``), that a person would
give the same verdict. The model reads cheap features of the verdict's evidence
(:func:`features`): how confidently speech-to-text heard the deciding segments (the
agent channel overall when nothing was found), how the words matched (exact, near,
sound-alike, repaired homophones), how much of the topic was heard for items that only
apply to a topic (its words, its knowledge words, a sound-alike of a topic word), the
transcript's channel-quality flags, the check kind, the status and whether the item is
critical.

Scoring reads the coefficients from a JSON file (``scoring/data/confidence.json`` by
default, option ``confidence_model``) with pure Python: no numpy, no scikit-learn here.
The file also holds, per item, the precision of the cross-validated predictions above
each confidence (:class:`ConfidenceModel`), so an item's threshold follows from the
precision it must reach (``min_precision`` on the item or under ``scoring:``) without
refitting: the lowest confidence above which the held-out verdicts were right at least
that often. A verdict below its item's threshold goes to ``review``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qa_pipeline.errors import ConfigError
from qa_pipeline.models import AGENT, Status
from qa_pipeline.scoring.options import DEFAULT_MODEL

if TYPE_CHECKING:
    from qa_pipeline.rubric.schema import Item
    from qa_pipeline.scoring.base import Outcome
    from qa_pipeline.scoring.context import CallContext, Seg

MODEL_FORMAT = 1

KINDS = (
    "coverage",
    "emotion_trigger",
    "fact_check",
    "gap_etiquette",
    "hostility",
    "overlap_count",
    "phrase_absent",
    "phrase_present",
    "regex",
    "sequence",
)

#: The features read from the speech-to-text confidence of the call (see :func:`features`).
_HEARING = (
    "evidence_n",
    "conf_min",
    "conf_mean",
    "conf_missing",
    "agent_conf_mean",
    "agent_low_share",
    "fail_x_unsure",
    "pass_x_unsure",
    "repaired",
)

#: Feature names, in the order of :func:`features`' vector.
FEATURES: tuple[str, ...] = (
    "status_pass",
    "status_fail",
    "status_na",
    "critical",
    *(f"kind_{k}" for k in KINDS),
    *_HEARING,
    "how_near",
    "how_sound_alike",
    "topic_gated",
    "topic_words",
    "na_x_topic_words",
    "topic_knowledge",
    "na_x_topic_knowledge",
    "topic_sound",
    "na_x_topic_sound",
    "channel_flags",
)
_INDEX = {name: i for i, name in enumerate(FEATURES)}
_DECIDED = (Status.PASS, Status.FAIL, Status.NA)


def _agent_conf(ctx: CallContext) -> tuple[float, float, bool]:
    """Mean confidence of the agent's segments, share below ``low_confidence``, none known."""
    hit = ctx.cache.get("confidence.agent")
    if hit is None:
        confs = [s.conf for s in ctx.of(AGENT) if s.conf is not None]
        if confs:
            low = sum(c < ctx.opts.low_confidence for c in confs) / len(confs)
            hit = (sum(confs) / len(confs), low, False)
        else:
            hit = (1.0, 0.0, True)
        ctx.cache["confidence.agent"] = hit
    return hit  # type: ignore[return-value]


def _topic(ctx: CallContext, topics: list[str]) -> tuple[float, float, float]:
    """Evidence of the item's topics: words, knowledge words (``log1p``), sound-alike (0/1).

    The strongest of the item's topics (:func:`~qa_pipeline.scoring.derived.topic_evidence`).
    """
    from qa_pipeline.scoring.derived import topic_evidence

    known = [t for t in topics if t in ctx.cr.rubric.knowledge.topics]
    ev = [topic_evidence(ctx, t) for t in known] or [(0, 0, False)]
    return (
        math.log1p(max(e[0] for e in ev)),
        math.log1p(max(e[1] for e in ev)),
        float(any(e[2] for e in ev)),
    )


_BASE: dict[tuple[str, bool, str], list[float]] = {}
(_EV_N, _C_MIN, _C_MEAN, _C_MISSING, _A_MEAN, _A_LOW, _FAIL_U, _PASS_U, _REPAIRED) = (
    _INDEX[k] for k in _HEARING
)
_HOW = {"near": _INDEX["how_near"], "sound_alike": _INDEX["how_sound_alike"]}
_T_GATED, _FLAGS = _INDEX["topic_gated"], _INDEX["channel_flags"]
_T_SLOTS = tuple(
    (_INDEX[k], _INDEX["na_x_" + k]) for k in ("topic_words", "topic_knowledge", "topic_sound")
)


def _base(kind: str, critical: bool, status: str) -> list[float]:
    """The part of the vector fixed by the item's kind, criticality and the status."""
    key = (kind, critical, status)
    hit = _BASE.get(key)
    if hit is None:
        hit = [0.0] * len(FEATURES)
        for name in ("status_" + status, "kind_" + kind):
            if name in _INDEX:
                hit[_INDEX[name]] = 1.0
        hit[_INDEX["critical"]] = float(critical)
        _BASE[key] = hit
    return hit


def _channel_flags(ctx: CallContext) -> float:
    t = ctx.transcript
    quality = t.metrics.quality_flags if t.metrics is not None else ()
    return math.log1p(len(t.flags) + len(quality))


def features(ctx: CallContext, item: Item, out: Outcome) -> list[float]:
    """The feature vector (:data:`FEATURES` order) of ``item``'s verdict ``out`` on a call.

    Args:
        ctx: The call as checks see it.
        item: The rubric item.
        out: The verdict after the engine's confidence and attribution rules.

    Returns:
        Floats; confidences are 0..1, counts are ``log1p``-scaled.
    """
    x = list(_base(str(getattr(item.check, "kind", "")), item.critical, str(out.status)))
    agent_mean, agent_low, none_known = _agent_conf(ctx)
    segs: tuple[Seg, ...] = tuple(dict.fromkeys(out.evidence))
    confs = [s.conf for s in segs if s.conf is not None]
    # nothing decisive was quoted (or heard with a confidence): the agent channel overall
    cmin, cmean = (min(confs), sum(confs) / len(confs)) if confs else (agent_mean, agent_mean)
    x[_EV_N] = math.log1p(len(segs))
    x[_C_MIN], x[_C_MEAN], x[_C_MISSING] = cmin, cmean, float(none_known)
    x[_A_MEAN], x[_A_LOW] = agent_mean, agent_low
    if out.status is Status.FAIL:
        x[_FAIL_U] = 1.0 - cmin
    elif out.status is Status.PASS:
        x[_PASS_U] = 1.0 - cmin
    x[_REPAIRED] = float(any(s.raw and s.raw != s.norm for s in segs))
    if out.how in _HOW:
        x[_HOW[out.how]] = 1.0
    topics = item.applies_when.topics
    if topics:
        x[_T_GATED] = 1.0
        na = out.status is Status.NA
        for (i, i_na), v in zip(_T_SLOTS, _topic(ctx, list(topics)), strict=True):
            x[i] = v
            x[i_na] = v if na else 0.0
    flags = ctx.cache.get("confidence.flags")
    if flags is None:
        flags = ctx.cache["confidence.flags"] = _channel_flags(ctx)
    x[_FLAGS] = float(flags)  # type: ignore[arg-type]
    return x


@dataclass(frozen=True)
class ConfidenceModel:
    """A fitted logistic model and the held-out precision curves of its items.

    Attributes:
        features: Feature names the coefficients belong to.
        coef: One coefficient per feature (on the standardised features).
        intercept: The model's intercept.
        mean: Per-feature mean used to standardise.
        scale: Per-feature standard deviation used to standardise.
        curves: Item id (``"*"``: every item pooled) → ``[(confidence, precision of the
            held-out verdicts at or above it), …]`` ascending in confidence.
        meta: What it was fitted on (free-form, for people).
    """

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    curves: dict[str, tuple[tuple[float, float], ...]]
    meta: dict[str, Any]
    _memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def _weights(self) -> tuple[list[float], float]:
        """Coefficients on the raw features and the intercept (standardisation folded in)."""
        hit = self._memo.get("w")
        if hit is None:
            w = [c / s for c, s in zip(self.coef, self.scale, strict=True)]
            b = self.intercept - sum(wi * m for wi, m in zip(w, self.mean, strict=True))
            hit = self._memo["w"] = (w, b)
        return hit  # type: ignore[no-any-return]

    def probability(self, x: list[float]) -> float:
        """The confidence (0..1) of a verdict with features ``x``."""
        w, z = self._weights()
        for v, wi in zip(x, w, strict=True):
            if v:
                z += wi * v
        if z < -35:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    def threshold(self, item_id: str, min_precision: float) -> float:
        """The lowest confidence whose held-out verdicts reach ``min_precision``.

        The item's own curve, or the pooled one (``"*"``) for an item the model has not
        seen; above 1 (everything to review) when none does; ``0`` without any curve.
        """
        key = (item_id, min_precision)
        hit = self._memo.get(key)
        if hit is None:
            hit = self._memo[key] = self._threshold(item_id, min_precision)
        return hit  # type: ignore[no-any-return]

    def _threshold(self, item_id: str, min_precision: float) -> float:
        curve = self.curves.get(item_id) or self.curves.get("*") or ()
        for conf, precision in curve:
            if precision >= min_precision:
                return conf
        return 1.01 if curve else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form :func:`load_model` reads."""
        return {
            "format": MODEL_FORMAT,
            "features": list(self.features),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "curves": {k: [list(p) for p in v] for k, v in self.curves.items()},
            "meta": self.meta,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "model") -> ConfidenceModel:
        """A model from its JSON form.

        Raises:
            ConfigError: another format, or features this version does not compute.
        """
        if data.get("format") != MODEL_FORMAT:
            raise ConfigError(f"{source}: confidence model format {data.get('format')!r}")
        names = tuple(data["features"])
        if names != FEATURES:
            raise ConfigError(f"{source}: fitted on other features; run qa eval calibrate again")
        return cls(
            names,
            tuple(float(c) for c in data["coef"]),
            float(data["intercept"]),
            tuple(float(c) for c in data["mean"]),
            tuple(float(c) or 1.0 for c in data["scale"]),
            {
                k: tuple((float(a), float(b)) for a, b in v)
                for k, v in (data.get("curves") or {}).items()
            },
            dict(data.get("meta") or {}),
        )


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> ConfidenceModel | None:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{p}: cannot read the confidence model: {exc}") from exc
    return ConfidenceModel.from_dict(data, str(p))


def load_model(path: Path | None) -> ConfidenceModel | None:
    """The model at ``path`` (cached); ``None`` for no path or the default file missing.

    Raises:
        ConfigError: a named file is missing or unreadable.
    """
    if path is None:
        return None
    try:
        mtime = path.stat().st_mtime
    except OSError:
        if path == DEFAULT_MODEL:
            return None
        raise ConfigError(f"{path}: confidence model not found") from None
    return _load(str(path), mtime)


def item_threshold(
    model: ConfidenceModel, item: Item, default_precision: float
) -> tuple[float, float]:
    """``(threshold, precision)`` of ``item``: its ``min_precision`` or the default."""
    precision = item.min_precision if item.min_precision is not None else default_precision
    return model.threshold(item.id, precision), precision


def is_decided(status: Status) -> bool:
    """Whether a status is a machine verdict that carries a confidence."""
    return status in _DECIDED
