"""Agreement statistics for calibration and machine-vs-human comparison."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence


def percent_agreement(ratings: Sequence[Sequence[str]]) -> float | None:
    """Share of subjects on which every rater gave the same verdict (``None`` if none)."""
    rated = [r for r in ratings if len(r) >= 2]
    if not rated:
        return None
    return sum(1 for r in rated if len(set(r)) == 1) / len(rated)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two raters over the same subjects.

    ``None`` when there are no subjects; 1.0 when both raters always agree and only one
    category occurs (chance agreement is then 1, and kappa undefined — agreement is perfect).
    """
    if len(a) != len(b):
        raise ValueError("both raters must rate the same subjects")
    n = len(a)
    if n == 0:
        return None
    observed = sum(1 for x, y in zip(a, b, strict=True) if x == y) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    if expected >= 1.0:
        return 1.0 if observed >= 1.0 else 0.0
    return (observed - expected) / (1.0 - expected)


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa: each subject rated by the same number (≥ 2) of raters.

    Subjects with a different number of ratings than the most common one are left out.
    ``None`` when fewer than one subject or two raters remain.
    """
    sizes = Counter(len(r) for r in ratings if len(r) >= 2)
    if not sizes:
        return None
    m = sizes.most_common(1)[0][0]
    subjects = [r for r in ratings if len(r) == m]
    n = len(subjects)
    totals: Counter[str] = Counter()
    p_i = []
    for r in subjects:
        counts = Counter(r)
        totals.update(counts)
        p_i.append((sum(c * c for c in counts.values()) - m) / (m * (m - 1)))
    p_bar = sum(p_i) / n
    p_e = sum((t / (n * m)) ** 2 for t in totals.values())
    if p_e >= 1.0:
        return 1.0 if p_bar >= 1.0 else 0.0
    return (p_bar - p_e) / (1.0 - p_e)
