"""``qa eval calibrate``: fit the verdict-confidence model on labelled calls.

Rows: every labelled item of every call of the given sets, with the machine's verdict
before the confidence gate and its features (:func:`qa_pipeline.scoring.engine.
raw_verdicts`). A set is a folder of labelled calls (text corpora: their written
confidences) or a folder of saved transcripts (``qa eval e2e --save``) paired with the
folder of their labelled calls.

Fitting: logistic regression (scikit-learn) of "the verdict is right" on the
standardised features. Folds are grouped by call (:class:`~sklearn.model_selection.
GroupKFold`): every rendering, run or noisy copy of a call — matched by the call id and
the labelled file's ``source`` — stays in one fold. The figures printed are held-out
only: each outer fold is predicted by a model fitted without it, and its items'
thresholds come from an inner cross-validation on the other folds. The model written is
fitted on every row; its precision curves come from the outer folds' predictions.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qa_pipeline.errors import ConfigError
from qa_pipeline.evaluation.tradeoff import Verdict
from qa_pipeline.models import Transcript
from qa_pipeline.rubric.schema import RubricModel
from qa_pipeline.scoring.confidence import FEATURES, ConfidenceModel, item_threshold
from qa_pipeline.scoring.engine import ScoringOptions, raw_verdicts
from qa_pipeline.scoring.options import for_rubric

FOLDS = 5


@dataclass(frozen=True, slots=True)
class Row:
    """One labelled item of one call: verdict before the gate, features, label."""

    source: str
    call_id: str
    group: str
    item_id: str
    critical: bool
    label: str
    raw: str
    x: tuple[float, ...]
    zeroes: bool = False

    @property
    def right(self) -> bool:
        """Whether the verdict agrees with the label."""
        return self.raw == self.label


def _group(path: Path, data: dict[str, Any]) -> str:
    """The call a labelled file is a copy of: its ``source`` file's stem, else its own."""
    src = data.get("source")
    return Path(str(src)).stem if isinstance(src, str) and src else path.stem


def _rows(
    source: str, group: str, transcript: Transcript, expected: dict[str, str], rubric: RubricModel
) -> list[Row]:
    opts = ScoringOptions(confidence_model=None)
    out = []
    for item, status, zeroes, x in raw_verdicts(transcript, rubric, opts):
        label = expected.get(item.id)
        if label in ("pass", "fail", "na"):
            row = Row(
                source,
                transcript.call_id,
                group,
                item.id,
                item.critical,
                label,
                str(status),
                tuple(x),
                zeroes,
            )
            out.append(row)
    return out


def collect(rubric: RubricModel, spec: str) -> list[Row]:
    """Rows of one set: ``LABELS_DIR`` (text corpus) or ``TRANSCRIPTS_DIR=LABELS_DIR``.

    Raises:
        ConfigError: a folder is missing or yields no labelled call.
    """
    tr_dir, _, labels = spec.partition("=")
    labels_dir = Path(labels or tr_dir)
    if not labels_dir.is_dir() or not Path(tr_dir).is_dir():
        raise ConfigError(f"calibration set {spec!r}: folder not found")
    rows: list[Row] = []
    name = Path(tr_dir).name if labels else labels_dir.name
    for lab in sorted(labels_dir.glob("*.json")):
        data = json.loads(lab.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "expected" not in data:
            continue
        if labels:
            tp = Path(tr_dir) / lab.name
            if not tp.is_file():
                continue
            tr = Transcript.from_dict(json.loads(tp.read_text(encoding="utf-8")))
        else:
            tr = Transcript.from_dict(data["transcript"])
        rows += _rows(
            spec if labels else name, _group(lab, data), tr, dict(data["expected"]), rubric
        )
    if not rows:
        raise ConfigError(f"calibration set {spec!r}: no labelled call")
    return rows


def _fit(rows: Sequence[Row], c: float) -> tuple[Any, list[float], list[float]]:
    """A logistic model on standardised features; returns (model, mean, scale)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([r.x for r in rows], dtype=float)
    y = np.array([r.right for r in rows], dtype=int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    if len(set(y.tolist())) < 2:  # every verdict right (or wrong): a constant model
        return None, mean.tolist(), scale.tolist()
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit((x - mean) / scale, y)
    return model, mean.tolist(), scale.tolist()


def _as_model(fitted: tuple[Any, list[float], list[float]], rows: Sequence[Row]) -> ConfidenceModel:
    import math

    model, mean, scale = fitted
    if model is None:
        share = sum(r.right for r in rows) / len(rows)
        share = min(max(share, 1e-6), 1 - 1e-6)
        coef = [0.0] * len(FEATURES)
        intercept = math.log(share / (1 - share))
    else:
        coef = [float(v) for v in model.coef_[0]]
        intercept = float(model.intercept_[0])
    return ConfidenceModel(FEATURES, tuple(coef), intercept, tuple(mean), tuple(scale), {}, {})


def _decided(rows: Sequence[Row]) -> list[Row]:
    return [r for r in rows if r.raw != "review"]


def out_of_fold(rows: Sequence[Row], folds: int, c: float) -> dict[int, float]:
    """Held-out confidence of every decided row (index into ``rows``), grouped by call."""
    from sklearn.model_selection import GroupKFold

    idx = [i for i, r in enumerate(rows) if r.raw != "review"]
    groups = [rows[i].group for i in idx]
    k = min(folds, len(set(groups)))
    if k < 2:
        raise ConfigError("calibration needs labelled items of at least two calls")
    out: dict[int, float] = {}
    for train, test in GroupKFold(n_splits=k).split(idx, groups=groups):
        tr_rows = [rows[idx[j]] for j in train]
        model = _as_model(_fit(tr_rows, c), tr_rows)
        for j in test:
            out[idx[j]] = model.probability(list(rows[idx[j]].x))
    return out


def curves(
    rows: Sequence[Row], probs: dict[int, float]
) -> dict[str, tuple[tuple[float, float], ...]]:
    """Per item (and ``"*"`` pooled): ``(confidence, precision at or above it)`` ascending."""
    by: dict[str, list[tuple[float, bool]]] = defaultdict(list)
    for i, p in probs.items():
        by[rows[i].item_id].append((p, rows[i].right))
        by["*"].append((p, rows[i].right))
    out = {}
    for key, pts in by.items():
        pts.sort(key=lambda t: -t[0])
        right = 0
        curve: list[tuple[float, float]] = []
        for n, (p, ok) in enumerate(pts, 1):
            right += ok
            if curve and round(p, 4) == curve[-1][0]:
                curve[-1] = (round(p, 4), round(right / n, 4))
            else:
                curve.append((round(p, 4), round(right / n, 4)))
        out[key] = tuple(reversed(curve))
    return out


@dataclass
class Calibration:
    """The fitted model and the held-out verdicts of every set."""

    model: ConfidenceModel
    held_out: dict[str, list[Verdict]] = field(default_factory=dict)


def _held_out(
    rows: Sequence[Row], rubric: RubricModel, opts: ScoringOptions, folds: int, c: float
) -> dict[str, list[Verdict]]:
    """Nested CV: each outer fold's confidences and thresholds come from the other folds."""
    from sklearn.model_selection import GroupKFold

    groups = [r.group for r in rows]
    k = min(folds, len(set(groups)))
    items = {it.id: it for it in rubric.items}
    out: dict[str, list[Verdict]] = defaultdict(list)
    for train, test in GroupKFold(n_splits=k).split(rows, groups=groups):
        tr_rows = [rows[j] for j in train]
        model = _as_model(_fit(_decided(tr_rows), c), _decided(tr_rows))
        inner = out_of_fold(tr_rows, folds - 1, c)
        model = ConfidenceModel(
            model.features,
            model.coef,
            model.intercept,
            model.mean,
            model.scale,
            curves(tr_rows, inner),
            {},
        )
        for j in test:
            r = rows[j]
            p = None if r.raw == "review" else model.probability(list(r.x))
            t, _ = item_threshold(model, items[r.item_id], opts.min_precision)
            out[r.source].append(
                Verdict(
                    r.call_id,
                    r.item_id,
                    r.label,
                    r.raw,
                    p,
                    t,
                    r.critical,
                    r.zeroes,
                    opts.confirm_critical,
                )
            )
    return dict(out)


def calibrate(
    rubric: RubricModel,
    rows: Sequence[Row],
    *,
    folds: int = FOLDS,
    c: float = 1.0,
    options: ScoringOptions | None = None,
) -> Calibration:
    """Fit the model on every row and measure it on held-out folds (see module docstring)."""
    opts = for_rubric(rubric, options)
    held = _held_out(rows, rubric, opts, folds, c)
    dec = _decided(rows)
    final = _as_model(_fit(dec, c), dec)
    probs = out_of_fold(rows, folds, c)
    sources = sorted({r.source for r in rows})
    meta = {
        "rubric": f"{rubric.id} {rubric.version}",
        "sets": sources,
        "rows": len(rows),
        "decided": len(dec),
        "calls": len({r.group for r in rows}),
        "folds": folds,
        "C": c,
    }
    model = ConfidenceModel(
        final.features,
        final.coef,
        final.intercept,
        final.mean,
        final.scale,
        curves(rows, probs),
        meta,
    )
    return Calibration(model, held)
