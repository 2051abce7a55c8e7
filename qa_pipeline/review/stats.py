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


def fleiss_parts(ratings: Sequence[Sequence[str]]) -> tuple[float, float] | None:
    """Observed and chance agreement of Fleiss' kappa: ``(P̄, P_e)``.

    ``P_e`` is the agreement two raters would reach by chance given how often each
    verdict is given overall: when one verdict dominates, chance agreement is high, so a
    high observed agreement can still be no better than chance.

    Subjects with a different number of ratings than the most common one are left out.

    Args:
        ratings: Per subject, the verdicts of its raters.

    Returns:
        ``(observed, chance)``; ``None`` when no subject has two ratings or more.
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
    return p_bar, p_e


def fleiss_kappa(ratings: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa: each subject rated by the same number (≥ 2) of raters.

    Subjects with a different number of ratings than the most common one are left out.
    ``None`` when fewer than one subject or two raters remain.
    """
    parts = fleiss_parts(ratings)
    if parts is None:
        return None
    p_bar, p_e = parts
    if p_e >= 1.0:
        return 1.0 if p_bar >= 1.0 else 0.0
    return (p_bar - p_e) / (1.0 - p_e)


def dominant(ratings: Sequence[Sequence[str]]) -> tuple[str, float] | None:
    """The commonest verdict over all ratings and its share.

    Args:
        ratings: Per subject, the verdicts of its raters.

    Returns:
        ``(verdict, share)``; ``None`` without ratings.
    """
    totals = Counter(v for r in ratings for v in r)
    if not totals:
        return None
    verdict, count = max(totals.items(), key=lambda kv: (kv[1], kv[0]))
    return verdict, count / sum(totals.values())


def consensus(verdicts: Sequence[str]) -> str | None:
    """The strict majority of ``verdicts`` (``None`` on a tie or without verdicts).

    Args:
        verdicts: Several raters' verdicts on one item of one call.

    Returns:
        The verdict more than half gave, else ``None``.
    """
    if not verdicts:
        return None
    verdict, count = Counter(verdicts).most_common(1)[0]
    return verdict if 2 * count > len(verdicts) else None
