"""What the verdict confidence buys: agreement against review rate, calibration, critical errors.

Shared by ``qa eval e2e``, ``qa eval scoring`` and ``qa eval calibrate``. Each labelled
item of each call becomes a :class:`Verdict`: the label, the machine's verdict *before*
the confidence gate, its confidence and its item's threshold. From those:

- :func:`tradeoff`: decided agreement and review rate if every verdict under a threshold
  went to review, for a range of thresholds (and for the items' own thresholds);
- :func:`ece`: expected calibration error (10 equal-width bins) per item and overall;
- :func:`critical_errors`: **missed** critical fails (labelled a fail of a critical item,
  the machine said pass or na) and **invented** ones (the machine failed a critical item
  the label passes or calls na), after the gate;
- :func:`plot_tradeoff`: the curve as a PNG (matplotlib).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Uniform thresholds of the trade-off table.
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)


@dataclass(frozen=True, slots=True)
class Verdict:
    """One labelled item of one call, as the machine decided it.

    Attributes:
        call_id: The call.
        item_id: The rubric item.
        label: The labelled status (pass / fail / na).
        raw: The machine's status before the confidence gate (pass / fail / na / review).
        confidence: Probability that ``raw`` is right; ``None`` for review or no model.
        threshold: The item's threshold (``0``: none).
        critical: Whether the item is critical.
        zeroes: Whether the raw verdict is a critical fail (一票否决; a critical item's
            fail may be a lesser one, e.g. a rate applied to the wrong case).
        confirm: Whether such a critical fail goes to review for a person to confirm
            (``ScoringOptions.confirm_critical``), at every threshold.
    """

    call_id: str
    item_id: str
    label: str
    raw: str
    confidence: float | None
    threshold: float
    critical: bool
    zeroes: bool = False
    confirm: bool = False

    def status(self, threshold: float | None = None) -> str:
        """The verdict after a gate at ``threshold`` (``None``: the item's own)."""
        if self.confirm and self.zeroes and self.raw == "fail":
            return "review"
        t = self.threshold if threshold is None else threshold
        if self.raw != "review" and self.confidence is not None and self.confidence < t:
            return "review"
        return self.raw

    @property
    def right(self) -> bool:
        """Whether the raw verdict agrees with the label."""
        return self.raw == self.label


def _point(vs: Sequence[Verdict], threshold: float | None) -> dict[str, Any]:
    decided = [v for v in vs if v.status(threshold) != "review"]
    agree = sum(v.right for v in decided)
    return {
        "threshold": "item" if threshold is None else threshold,
        "decided": len(decided),
        "agreement": round(agree / len(decided), 4) if decided else None,
        "review_rate": round(1 - len(decided) / len(vs), 4) if vs else None,
    }


def tradeoff(
    verdicts: Sequence[Verdict], thresholds: Iterable[float] = THRESHOLDS
) -> list[dict[str, Any]]:
    """Decided agreement and review rate at each threshold, then at the items' own.

    Returns:
        Rows ``{"threshold", "decided", "agreement", "review_rate"}``; the last row's
        threshold is ``"item"``.
    """
    rows = [_point(verdicts, t) for t in thresholds]
    rows.append(_point(verdicts, None))
    return rows


def ece(verdicts: Iterable[Verdict], bins: int = 10) -> float | None:
    """Expected calibration error of the confidences (``None`` without any).

    The verdicts with a confidence are put in ``bins`` equal-width bins; ECE is the
    share-weighted mean of ``|mean confidence − share right|`` over the bins.
    """
    sums: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    n = 0
    for v in verdicts:
        if v.confidence is None:
            continue
        b = sums[min(bins - 1, int(v.confidence * bins))]
        b[0] += 1
        b[1] += v.confidence
        b[2] += v.right
        n += 1
    if not n:
        return None
    return sum(abs(c - r) for _, c, r in sums.values()) / n


def ece_by_item(verdicts: Sequence[Verdict]) -> dict[str, float | None]:
    """:func:`ece` per item, plus ``"*"`` over every item."""
    items: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts:
        items[v.item_id].append(v)
    out = {k: _r(ece(vs)) for k, vs in items.items()}
    out["*"] = _r(ece(verdicts))
    return out


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def critical_errors(verdicts: Iterable[Verdict], gate: bool = True) -> dict[str, Any]:
    """Missed and invented critical fails after the items' gates, with where they are.

    Missed: the label fails a critical item, the machine says pass or na. Invented: the
    machine's verdict is a critical fail (it zeroes the call) and the label says pass or na.
    ``gate=False``: the verdicts as the engine gave them, before the confidence gate.
    """
    missed, invented = [], []
    proposed = right = 0
    for v in verdicts:
        if not v.critical:
            continue
        got = v.status() if gate else v.raw
        if v.label == "fail" and got in ("pass", "na"):
            missed.append(f"{v.call_id}:{v.item_id} ({got})")
        elif got == "fail" and v.zeroes and v.label in ("pass", "na"):
            invented.append(f"{v.call_id}:{v.item_id} ({v.label})")
        if v.raw == "fail" and v.zeroes:
            proposed += 1
            right += v.label == "fail"
    return {
        "missed": len(missed),
        "invented": len(invented),
        "missed_at": missed,
        "invented_at": invented,
        "proposed": proposed,
        "proposed_right": right,
    }


def summary(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Trade-off rows, ECE per item and critical errors, JSON-ready."""
    return {
        "confidence": {
            "tradeoff": tradeoff(verdicts),
            "ece": ece_by_item(verdicts),
            "machine_confident": sum(
                1 for v in verdicts if v.confidence is not None and v.status() != "review"
            ),
        },
        "critical": critical_errors(verdicts),
        "critical_ungated": {
            k: v for k, v in critical_errors(verdicts, gate=False).items() if not k.endswith("_at")
        },
    }


def text_lines(verdicts: Sequence[Verdict]) -> list[str]:
    """The trade-off table, ECE and critical errors as text lines."""

    def pct(x: float | None) -> str:
        return "   –  " if x is None else f"{100 * x:6.2f}"

    lines = ["threshold  agreement %  review %  decided"]
    for row in tradeoff(verdicts):
        t = row["threshold"]
        name = f"{t:9.2f}" if isinstance(t, float) else f"{t:>9}"
        lines.append(
            f"{name}    {pct(row['agreement'])}    {pct(row['review_rate'])}  {row['decided']:7d}"
        )
    eces = ece_by_item(verdicts)
    lines.append(
        "ECE: " + ", ".join(f"{k} {'–' if v is None else f'{v:.3f}'}" for k, v in eces.items())
    )
    crit, raw = critical_errors(verdicts), critical_errors(verdicts, gate=False)
    lines.append(
        f"critical fails missed: {crit['missed']}  invented: {crit['invented']}"
        f"  (without the confidence gate: {raw['missed']} / {raw['invented']})"
    )
    lines += [f"  missed {m}" for m in crit["missed_at"]]
    lines += [f"  invented {m}" for m in crit["invented_at"]]
    if any(v.confirm for v in verdicts):
        lines.append(
            f"critical fails the machine proposed (each to a person to confirm): "
            f"{crit['proposed']}, labelled fail: {crit['proposed_right']}"
        )
    return lines


def plot_tradeoff(verdicts: Sequence[Verdict], path: Path, title: str = "") -> Path:
    """Write the agreement-against-review curve (every distinct confidence) as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cuts = sorted({0.0, *(v.confidence for v in verdicts if v.confidence is not None)})
    pts = [_point(verdicts, t) for t in cuts]
    xs = [100 * p["review_rate"] for p in pts if p["agreement"] is not None]
    ys = [100 * p["agreement"] for p in pts if p["agreement"] is not None]
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    ax.plot(xs, ys, "-", lw=1.5, label="uniform threshold")
    own = _point(verdicts, None)
    if own["agreement"] is not None:
        ax.plot([100 * own["review_rate"]], [100 * own["agreement"]], "o", label="item thresholds")
    ax.set_xlabel("review rate (%)")
    ax.set_ylabel("decided agreement (%)")
    ax.set_title(title or "agreement vs review")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def item_thresholds(rubric: Any, options: Any = None) -> dict[str, float]:
    """Each item's confidence threshold under ``options`` (``{}`` without a model)."""
    from qa_pipeline.scoring.confidence import item_threshold, load_model
    from qa_pipeline.scoring.options import for_rubric

    opts = for_rubric(rubric, options)
    model = load_model(opts.confidence_model)
    if model is None:
        return {}
    return {it.id: item_threshold(model, it, opts.min_precision)[0] for it in rubric.items}


def ungated(options: Any = None) -> Any:
    """``options`` with the gate and critical confirmation left to the evaluation."""
    import dataclasses

    from qa_pipeline.scoring.options import ScoringOptions

    return dataclasses.replace(
        options or ScoringOptions(), confidence_gate=False, confirm_critical=False
    )


def confirms_critical(rubric: Any, options: Any = None) -> bool:
    """Whether critical fails go to a person under ``options`` and the rubric's ``scoring:``."""
    from qa_pipeline.scoring.options import for_rubric

    return bool(for_rubric(rubric, options).confirm_critical)


def verdicts_of(
    scored: Any,
    expected: Iterable[tuple[str, str]],
    rubric: Any,
    thresholds: dict[str, float],
    confirm: bool = False,
) -> list[Verdict]:
    """The labelled items of one call scored without the gate (see :func:`ungated`)."""
    critical = {it.id: it.critical for it in rubric.items}
    out = []
    for item_id, label in expected:
        if item_id not in critical:
            continue
        res = scored.item(item_id)
        out.append(
            Verdict(
                scored.call_id,
                item_id,
                label,
                str(res.status),
                res.confidence,
                thresholds.get(item_id, 0.0),
                critical[item_id],
                res.critical_failed,
                confirm,
            )
        )
    return out
