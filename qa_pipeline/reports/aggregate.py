"""Statistics for the reports, on the store's frames.

The frames have ``frames.SCORE_COLUMNS`` / ``frames.ITEM_COLUMNS``. Pure
pandas/numpy/scipy: no I/O, no rendering.

Rules used throughout:

* one rubric id per report; when a call was scored under several versions of it, only
  its latest version counts (versions compared number by number: ``2026.10 > 2026.2``);
* an item's *opportunities* are its ``pass`` + ``fail`` verdicts (``na``/``review`` are
  not opportunities); rates have Wilson 95% intervals;
* under ``MIN_OPPORTUNITIES`` (5) opportunities a rate is flagged *thin* and never
  ranked or classed as a fact.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Below this many opportunities a rate is flagged and not ranked.
MIN_OPPORTUNITIES = 5
#: An agent is weak on an item when the fail rate is at least this (and not thin).
WEAK_RATE = 0.2
#: An item is *common* when at least this share of the eligible agents are weak on it.
COMMON_SHARE = 0.5
#: Training priority weights: volume, loss, coverage.
PRIORITY_WEIGHTS = (0.4, 0.3, 0.3)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key of a rubric version: number parts numerically (``2026.10 > 2026.2``)."""
    parts = re.findall(r"\d+|[^\d.\-_]+", str(version))
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def latest_version(
    scores: pd.DataFrame, items: pd.DataFrame, rubric_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one rubric id and, for each call, only its latest version of that rubric."""
    s = scores[scores["rubric_id"] == rubric_id]
    i = items[items["rubric_id"] == rubric_id]
    versions = s["rubric_version"].astype(str)
    if versions.nunique() > 1:
        ranks = {v: n for n, v in enumerate(sorted(versions.unique(), key=version_key))}
        rank = versions.map(ranks)
        best = rank.groupby(s["call_id"]).transform("max")
        s = s[rank == best]
        keep = set(zip(s["call_id"], s["rubric_version"].astype(str), strict=True))
        pairs = zip(i["call_id"], i["rubric_version"].astype(str), strict=True)
        i = i[[p in keep for p in pairs]]
    return s.reset_index(drop=True), i.reset_index(drop=True)


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); ``(nan, nan)`` when n = 0."""
    if n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def wilson_arrays(k: np.ndarray, n: np.ndarray, z: float = 1.959964) -> tuple[np.ndarray, ...]:
    """Vectorised :func:`wilson` (NaN where n = 0)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


@dataclass(frozen=True, slots=True)
class MeanInterval:
    """A mean with its 95% interval (``method`` ``t`` or ``bootstrap``)."""

    mean: float
    low: float
    high: float
    n: int
    method: str


def mean_interval(
    values: Sequence[float] | pd.Series, method: str = "t", *, resamples: int = 2000, seed: int = 0
) -> MeanInterval:
    """Mean and 95% interval: Student t, or a percentile bootstrap (seeded, reproducible).

    NaN values are ignored; fewer than two values give a NaN interval.
    """
    x = pd.Series(values, dtype=float).dropna().to_numpy()
    n = len(x)
    if n == 0:
        return MeanInterval(math.nan, math.nan, math.nan, 0, method)
    mean = float(x.mean())
    if n < 2:
        return MeanInterval(mean, math.nan, math.nan, n, method)
    if method == "bootstrap":
        rng = np.random.default_rng(seed)
        means = x[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
        low, high = np.percentile(means, [2.5, 97.5])
        return MeanInterval(mean, float(low), float(high), n, method)
    from scipy import stats

    half = float(stats.t.ppf(0.975, n - 1)) * float(x.std(ddof=1)) / math.sqrt(n)
    return MeanInterval(mean, mean - half, mean + half, n, "t")


def item_rates(items: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Fail rates per item (and per ``by`` columns, e.g. ``agent_id``).

    Returns:
        Columns ``by`` + ``item_id``, ``opportunities``, ``fails``, ``fail_rate``,
        ``fail_low``, ``fail_high`` (Wilson), ``points_lost``, ``reviews``, ``thin``.
    """
    keys = [*by, "item_id"]
    if items.empty:
        cols = [
            *keys,
            "opportunities",
            "fails",
            "fail_rate",
            "fail_low",
            "fail_high",
            "points_lost",
            "reviews",
            "thin",
        ]
        return pd.DataFrame(columns=cols)
    status = items["status"].astype(str)
    lost = (items["points"].astype(float) - items["awarded"].astype(float)).where(
        status == "fail", 0.0
    )
    frame = pd.DataFrame(
        {
            **{k: items[k] for k in keys},
            "opp": status.isin(["pass", "fail"]).astype(int),
            "fail": (status == "fail").astype(int),
            "rev": (status == "review").astype(int),
            "lost": lost.fillna(0.0),
        }
    )
    g = frame.groupby(keys, sort=False, dropna=False).sum().reset_index()
    g = g.rename(
        columns={"opp": "opportunities", "fail": "fails", "rev": "reviews", "lost": "points_lost"}
    )
    n = g["opportunities"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        g["fail_rate"] = np.where(n > 0, g["fails"] / np.maximum(n, 1), np.nan)
    g["fail_low"], g["fail_high"] = wilson_arrays(g["fails"].to_numpy(), n)
    g["thin"] = g["opportunities"] < MIN_OPPORTUNITIES
    return g


def classify_items(agent_rates: pd.DataFrame) -> pd.DataFrame:
    """Class each item *common*, *individual* or *none* from per-agent fail rates.

    Rule: an agent is weak on an item when it has at least ``MIN_OPPORTUNITIES``
    opportunities and a fail rate of at least ``WEAK_RATE``. The item is *common* when
    at least ``COMMON_SHARE`` of the agents with enough opportunities are weak on it
    (group training), *individual* when some but fewer are (one-to-one coaching),
    *none* when no agent is, and *thin* when no agent has enough opportunities.

    Args:
        agent_rates: :func:`item_rates` by ``agent_id``.

    Returns:
        Columns ``item_id``, ``eligible_agents``, ``weak_agents``, ``coverage`` (share of
        eligible agents weak), ``weak_agent_ids`` (comma-joined), ``category``.
    """
    rows = []
    for item_id, g in agent_rates.groupby("item_id", sort=False):
        eligible = g[~g["thin"].astype(bool)]
        weak = eligible[eligible["fail_rate"] >= WEAK_RATE]
        n_el, n_weak = len(eligible), len(weak)
        cover = n_weak / n_el if n_el else 0.0
        if n_el == 0:
            cls = "thin"
        elif n_weak == 0:
            cls = "none"
        elif cover >= COMMON_SHARE:
            cls = "common"
        else:
            cls = "individual"
        ids = ", ".join(str(a) for a in weak.sort_values("fail_rate", ascending=False)["agent_id"])
        rows.append((item_id, n_el, n_weak, cover, ids, cls))
    cols = ["item_id", "eligible_agents", "weak_agents", "coverage", "weak_agent_ids", "category"]
    return pd.DataFrame(rows, columns=cols)


def training_priority(rates: pd.DataFrame, classes: pd.DataFrame) -> pd.DataFrame:
    """Training priority per item, 0..100 = 40% volume + 30% loss + 30% coverage.

    Volume is the item's opportunities, loss the points lost on it, coverage the share
    of eligible agents weak on it; volume and loss are divided by their maximum over the
    items (coverage is already 0..1).

    Args:
        rates: :func:`item_rates` over the team (no ``by``).
        classes: :func:`classify_items`.
    """
    m = rates.merge(classes, on="item_id", how="left")
    m["coverage"] = m["coverage"].fillna(0.0)

    def norm(col: str) -> pd.Series:
        top = float(m[col].max()) if len(m) else 0.0
        return m[col].astype(float) / top if top > 0 else m[col].astype(float) * 0

    wv, wl, wc = PRIORITY_WEIGHTS
    m["priority"] = 100 * (
        wv * norm("opportunities") + wl * norm("points_lost") + wc * m["coverage"]
    )
    return m.sort_values("priority", ascending=False).reset_index(drop=True)


@dataclass(frozen=True, slots=True)
class BeforeAfter:
    """An item's pass rate before and after a date and whether the change is meaningful."""

    item_id: str
    before_n: int
    before_pass: int
    after_n: int
    after_pass: int
    test: str  # "z" (two-proportion z-test), "fisher" (Fisher exact) or "" (no data)
    p_value: float

    @property
    def before_rate(self) -> float:
        """Pass rate before the change (NaN without opportunities)."""
        return self.before_pass / self.before_n if self.before_n else math.nan

    @property
    def after_rate(self) -> float:
        """Pass rate after the change (NaN without opportunities)."""
        return self.after_pass / self.after_n if self.after_n else math.nan

    @property
    def significant(self) -> bool:
        """True when p < 0.05."""
        return not math.isnan(self.p_value) and self.p_value < 0.05


def two_proportion_test(k1: int, n1: int, k2: int, n2: int) -> tuple[str, float]:
    """Two-sided test of p1 = p2.

    The pooled z-test when every expected cell count is at least 5, otherwise Fisher's
    exact test.

    Returns:
        ``(test, p_value)``.
    """
    from scipy import stats

    if n1 == 0 or n2 == 0:
        return ("", math.nan)
    pooled = (k1 + k2) / (n1 + n2)
    expected = [n1 * pooled, n1 * (1 - pooled), n2 * pooled, n2 * (1 - pooled)]
    if min(expected) >= 5:
        se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (k1 / n1 - k2 / n2) / se
        return ("z", float(2 * stats.norm.sf(abs(z))))
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    return ("fisher", float(stats.fisher_exact(table).pvalue))


def before_after(items: pd.DataFrame, since: pd.Timestamp) -> list[BeforeAfter]:
    """Per item, pass rate of the calls before ``since`` against those from ``since`` on."""
    out: list[BeforeAfter] = []
    if items.empty:
        return out
    opp = items[items["status"].isin(["pass", "fail"])]
    after = opp["started_at"] >= since
    for item_id, g in opp.groupby("item_id", sort=False):
        a = after.loc[g.index]
        ok = g["status"] == "pass"
        b_n, a_n = int((~a).sum()), int(a.sum())
        b_k, a_k = int((ok & ~a).sum()), int((ok & a).sum())
        test, p = two_proportion_test(b_k, b_n, a_k, a_n)
        out.append(BeforeAfter(str(item_id), b_n, b_k, a_n, a_k, test, p))
    return out


def call_summary(scores: pd.DataFrame, items: pd.DataFrame, pass_mark: float) -> dict[str, float]:
    """Headline figures of a set of calls.

    Keys: ``calls``, ``agents``, ``mean``, ``mean_low``, ``mean_high``, ``pass_rate``
    (score ≥ pass_mark), ``critical`` (calls zeroed), ``review_rate`` (share of calls
    with an item left for review), ``confident`` (share of item verdicts the machine
    decided with a confidence at or above the item's threshold) when the items carry
    confidences, and ``critical_pending`` (calls with a critical fail the machine
    proposed that no person has confirmed yet) when there are any.
    """
    calls = len(scores)
    mi = mean_interval(scores["score"]) if calls else mean_interval([])
    scored = scores["score"].dropna()
    reviewed = items.loc[items["status"] == "review", "call_id"].nunique() if len(items) else 0
    return {
        "calls": float(calls),
        "agents": float(scores["agent_id"].nunique()),
        "mean": mi.mean,
        "mean_low": mi.low,
        "mean_high": mi.high,
        "pass_rate": float((scored >= pass_mark).mean()) if len(scored) else math.nan,
        "critical": float(scores["critical_failed"].astype(bool).sum()),
        "review_rate": reviewed / calls if calls else math.nan,
        **machine_confident(items),
        **pending_critical(items),
    }


def pending_critical(items: pd.DataFrame) -> dict[str, float]:
    """``{"critical_pending": calls}`` with a proposed critical fail still in review, or ``{}``."""
    if not len(items) or "critical_failed" not in items:
        return {}
    open_ = (items["status"] == "review") & items["critical_failed"].astype(bool)
    calls = items.loc[open_, "call_id"].nunique()
    return {"critical_pending": float(calls)} if calls else {}


def machine_confident(items: pd.DataFrame) -> dict[str, float]:
    """``{"confident": share}`` of item verdicts decided with a confidence; ``{}`` if none has one.

    A decided verdict (pass/fail/na) with a confidence passed its item's threshold (under
    it, scoring gives review).
    """
    if not len(items) or "confidence" not in items or items["confidence"].isna().all():
        return {}
    sure = items["status"].isin(("pass", "fail", "na")) & items["confidence"].notna()
    return {"confident": float(sure.sum()) / len(items)}


def trend(scores: pd.DataFrame, freq: str, tz: str, pass_mark: float) -> pd.DataFrame:
    """Mean score, pass rate and calls per period bucket of the local start time.

    ``freq`` is ``D``, ``W-MON`` or ``MS``. Columns ``bucket``, ``calls``, ``mean``,
    ``pass_rate``.
    """
    if scores.empty:
        return pd.DataFrame(columns=["bucket", "calls", "mean", "pass_rate"])
    local = scores["started_at"].dt.tz_convert(tz).dt.tz_localize(None)
    s = pd.DataFrame({"t": local, "score": scores["score"].astype(float)})
    s["ok"] = (s["score"] >= pass_mark).astype(float).where(s["score"].notna())
    # weekly buckets run Monday to Sunday and are named by their Monday
    weekly = {"closed": "left", "label": "left"} if freq.startswith("W") else {}
    g = s.groupby(pd.Grouper(key="t", freq=freq, **weekly))
    out = pd.DataFrame({"calls": g.size(), "mean": g["score"].mean(), "pass_rate": g["ok"].mean()})
    out = out[out["calls"] > 0].reset_index().rename(columns={"t": "bucket"})
    return out


def group_ranking(scores: pd.DataFrame, by: str, pass_mark: float) -> pd.DataFrame:
    """Mean score per group (``team`` or ``agent_id``) with t intervals.

    Groups with fewer than ``MIN_OPPORTUNITIES`` calls are flagged ``thin`` and get no
    rank.
    """
    rows = []
    for key, g in scores.groupby(by, sort=False):
        mi = mean_interval(g["score"])
        sc = g["score"].dropna()
        rows.append(
            (
                key,
                len(g),
                mi.mean,
                mi.low,
                mi.high,
                float((sc >= pass_mark).mean()) if len(sc) else math.nan,
                int(g["critical_failed"].astype(bool).sum()),
            )
        )
    cols = [by, "calls", "mean", "mean_low", "mean_high", "pass_rate", "critical"]
    r = pd.DataFrame(rows, columns=cols)
    r["thin"] = r["calls"] < MIN_OPPORTUNITIES
    r = r.sort_values(["thin", "mean"], ascending=[True, False]).reset_index(drop=True)
    ranks = (~r["thin"]).cumsum()
    r["rank"] = ranks.where(~r["thin"]).astype("Int64")
    return r
