"""PII recall and false masking of :mod:`qa_pipeline.pii.redact` on a labelled set.

Usage: python benchmarks/pii_recall.py [SET.jsonl ...] [--show 20] [--style label|partial]

Default sets: ``pii_set.jsonl`` and ``pii_holdout.jsonl`` (reported together as the "old
sets") and ``pii_v3.jsonl`` (``benchmarks/make_pii_v3.py``), reported per half of its
``split`` field (``tune``, ``heldout``); one ``{"text", "kind", "form", "pii"}`` object
per line. A PII string counts as
**recalled** when every letter and digit of each labelled substring is inside a masked
span (so ``138 [手机号]`` that leaves ``138`` is a miss) and the raw substring is gone
from the redacted text. A look-alike (``kind`` ``lookalike``) counts as **falsely
masked** when the redacted text differs from the original at all.

Prints recall per kind and form, false masking per look-alike class, and the targets of
issue 13 on the old sets (≥ 99 % on written and spoken phones, IDs and cards; ≥ 95 % on
names and addresses; ≤ 1 % of look-alikes masked) and of issue 20 on the held-out half
of v3 (≥ 95 % in every kind, ≤ 2 % of look-alikes masked), and the speed in texts per
second; exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from qa_pipeline.pii.redact import RedactOptions, find_pii, redact_text

_DATA = Path(__file__).resolve().parent / "data"
DEFAULTS = [_DATA / "pii_set.jsonl", _DATA / "pii_holdout.jsonl", _DATA / "pii_v3.jsonl"]


def recalled(text: str, pii: str, options: RedactOptions) -> bool:
    spans = [(m.start, m.end) for m in find_pii(text, options)]
    out = redact_text(text, options)
    if pii in out:
        return False
    start = text.find(pii)
    while start >= 0:
        for k in range(start, start + len(pii)):
            if text[k].isalnum() and not any(a <= k < b for a, b in spans):
                return False
        start = text.find(pii, start + 1)
    return True


def evaluate(rows: list[dict], options: RedactOptions, show: int, title: str) -> tuple[dict, float]:
    """Print recall per kind and form and false masking of ``rows``; return both."""
    hits: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    misses: dict[str, list[str]] = defaultdict(list)
    fp: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fp_examples: list[str] = []
    for row in rows:
        text = row["text"]
        if row["kind"] == "lookalike":
            out = redact_text(text, options)
            fp[row["form"]][1] += 1
            if out != text:
                fp[row["form"]][0] += 1
                fp_examples.append(f"{text}  →  {out}")
            continue
        for pii in row["pii"]:
            key = (row["kind"], row["form"])
            hits[key][1] += 1
            if recalled(text, pii, options):
                hits[key][0] += 1
            else:
                misses[row["kind"]].append(f"{text}  →  {redact_text(text, options)}")

    n_pii = sum(t for _, t in hits.values())
    n_look = sum(t for _, t in fp.values())
    print(f"\n=== {title}: {n_pii} PII strings, {n_look} look-alikes")
    print(f"\n{'kind':<10} {'form':<20} {'recall':>8}  masked/total")
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, form), (h, t) in sorted(hits.items()):
        by_kind[kind][0] += h
        by_kind[kind][1] += t
        print(f"{kind:<10} {form:<20} {h / t:>8.1%}  {h}/{t}")
    print(f"\n{'kind':<10} {'recall':>8}  masked/total")
    for kind, (h, t) in sorted(by_kind.items()):
        print(f"{kind:<10} {h / t:>8.1%}  {h}/{t}")
    h_all = sum(h for h, _ in by_kind.values())
    print(f"{'all':<10} {h_all / max(1, n_pii):>8.1%}  {h_all}/{n_pii}")
    print(f"\n{'look-alike class':<18} {'falsely masked':>14}")
    for cls, (f, t) in sorted(fp.items()):
        print(f"{cls:<18} {f / t:>14.1%}  {f}/{t}")
    f_all = sum(f for f, _ in fp.values())
    print(f"{'all':<18} {f_all / max(1, n_look):>14.1%}  {f_all}/{n_look}")

    for kind, lines in sorted(misses.items()):
        for line in lines[:show]:
            print(f"MISS {kind}: {line}")
    for line in fp_examples[:show]:
        print(f"FALSE: {line}")
    return hits, f_all / max(1, n_look)


def old_targets(hits: dict, false_rate: float) -> bool:
    """Issue 13's targets on the first two sets; prints each, returns whether all are met."""

    def rate(kinds: tuple[str, ...], forms: tuple[str, ...] | None) -> float:
        sel = [v for (k, f), v in hits.items() if k in kinds and (forms is None or f in forms)]
        t = sum(v[1] for v in sel)
        return sum(v[0] for v in sel) / t if t else 1.0

    targets = [
        (
            "written+spoken phones/IDs/cards",
            rate(("mobile", "landline", "id_card", "bank_card"), ("written", "spoken")),
            0.99,
        ),
        ("names", rate(("name",), None), 0.95),
        ("addresses", rate(("address",), None), 0.95),
    ]
    ok = True
    for label, value, goal in targets:
        good = value >= goal
        ok &= good
        print(f"target {label}: {value:.1%} (≥ {goal:.0%}) {'ok' if good else 'MISSED'}")
    ok &= false_rate <= 0.01
    verdict = "ok" if false_rate <= 0.01 else "MISSED"
    print(f"target look-alikes masked: {false_rate:.1%} (≤ 1%) {verdict}")
    return ok


def split_targets(hits: dict, false_rate: float) -> bool:
    """Issue 20's targets on a held-out half: ≥ 95 % in every kind, ≤ 2 % look-alikes."""
    by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (kind, _), (h, t) in hits.items():
        by_kind[kind][0] += h
        by_kind[kind][1] += t
    ok = True
    for kind, (h, t) in sorted(by_kind.items()):
        good = h / t >= 0.95
        ok &= good
        print(f"target {kind}: {h / t:.1%} (≥ 95%) {'ok' if good else 'MISSED'}")
    ok &= false_rate <= 0.02
    verdict = "ok" if false_rate <= 0.02 else "MISSED"
    print(f"target look-alikes masked: {false_rate:.1%} (≤ 2%) {verdict}")
    return ok


def speed(rows: list[dict], options: RedactOptions) -> float:
    """Texts redacted per second over ``rows`` (best of three passes)."""
    texts = [row["text"] for row in rows]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for text in texts:
            redact_text(text, options)
        best = min(best, time.perf_counter() - t0)
    return len(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULTS)
    parser.add_argument("--show", type=int, default=10, help="Misses to print per kind.")
    parser.add_argument("--style", choices=["label", "partial"], default="label")
    args = parser.parse_args()
    options = RedactOptions(style=args.style)
    groups: dict[str, list[dict]] = defaultdict(list)
    all_rows = []
    for path in args.sets:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                all_rows.append(row)
                split = row.get("split")
                groups[f"{path.name} [{split}]" if split else "old sets"].append(row)
    ok = True
    for title, rows in groups.items():
        hits, false_rate = evaluate(rows, options, args.show, title)
        print()
        if title == "old sets":
            ok &= old_targets(hits, false_rate)
        elif title.endswith("[heldout]"):
            ok &= split_targets(hits, false_rate)
    print(f"\nspeed: {speed(all_rows, options):,.0f} texts/s over {len(all_rows)} texts")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
