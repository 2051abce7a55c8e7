"""Trade-off table, ECE, missed/invented critical fails, calibration fitting, saved transcripts."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from qa_pipeline.asr.options import AsrOptions
from qa_pipeline.evaluation.calibration import Row, calibrate, collect, curves, out_of_fold
from qa_pipeline.evaluation.e2e import evaluate_e2e
from qa_pipeline.evaluation.tradeoff import (
    Verdict,
    critical_errors,
    ece,
    plot_tradeoff,
    text_lines,
    tradeoff,
)
from qa_pipeline.scoring import load_rubric
from qa_pipeline.scoring.confidence import FEATURES

ROOT = Path(__file__).resolve().parents[2]


def v(label: str, raw: str, conf: float | None, thr: float = 0.0, crit: bool = False) -> Verdict:
    return Verdict("c", "i", label, raw, conf, thr, crit)


def test_ece_by_hand() -> None:
    # bin 0.9: 2 verdicts, 1 right → |0.9 − 0.5| ; bin 0.3: 2, 0 right → |0.3 − 0|
    vs = [
        v("pass", "pass", 0.9),
        v("pass", "fail", 0.9),
        v("pass", "na", 0.3),
        v("fail", "na", 0.3),
    ]
    assert ece(vs) == pytest.approx(0.5 * 0.4 + 0.5 * 0.3)
    assert ece([v("pass", "pass", 1.0)]) == pytest.approx(0.0)
    assert ece([v("pass", "review", None)]) is None


def test_tradeoff_table() -> None:
    vs = [
        v("pass", "pass", 0.95, thr=0.5),
        v("pass", "fail", 0.4, thr=0.5),  # wrong, low: the item's gate sends it to review
        v("fail", "fail", 0.7, thr=0.5),
        v("na", "review", None, thr=0.5),  # the engine's own review
    ]
    rows = {r["threshold"]: r for r in tradeoff(vs, (0.0, 0.8))}
    assert rows[0.0] == {"threshold": 0.0, "decided": 3, "agreement": 0.6667, "review_rate": 0.25}
    assert rows[0.8] == {"threshold": 0.8, "decided": 1, "agreement": 1.0, "review_rate": 0.75}
    assert rows["item"] == {"threshold": "item", "decided": 2, "agreement": 1.0, "review_rate": 0.5}
    text = "\n".join(text_lines(vs))
    assert "item" in text and "critical fails missed: 0  invented: 0" in text
    assert "(without the confidence gate: 0 / 0)" in text


def test_missed_and_invented_critical_fails() -> None:
    vs = [
        Verdict("a", "x", "fail", "pass", 0.9, 0.5, True),  # missed
        Verdict("b", "x", "fail", "na", 0.9, 0.5, True),  # missed (called n/a)
        Verdict("c", "x", "fail", "pass", 0.2, 0.5, True),  # under threshold: review, not missed
        Verdict("d", "x", "pass", "fail", 0.9, 0.5, True, True),  # invented
        Verdict("e", "x", "na", "fail", 0.9, 0.5, True, True),  # invented
        Verdict("f", "x", "pass", "fail", 0.9, 0.5, False),  # not a critical item
        Verdict("h", "x", "pass", "fail", 0.9, 0.5, True, False),  # a lesser fail: not zeroing
        Verdict("i", "x", "pass", "fail", 0.2, 0.5, True, True),  # under threshold: review
        Verdict("g", "x", "fail", "fail", 0.9, 0.5, True),  # right
    ]
    got = critical_errors(vs)
    assert (got["missed"], got["invented"]) == (2, 2)
    assert got["missed_at"] == ["a:x (pass)", "b:x (na)"]
    assert got["invented_at"] == ["d:x (pass)", "e:x (na)"]
    raw = critical_errors(vs, gate=False)
    assert (raw["missed"], raw["invented"]) == (3, 3)


def test_curve_png(tmp_path: Path) -> None:
    vs = [v("pass", "pass", 0.9), v("pass", "fail", 0.4), v("na", "na", 0.7)]
    out = plot_tradeoff(vs, tmp_path / "sub" / "c.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _synthetic_rows(n_calls: int, seed: int) -> list[Row]:
    """Verdicts that are right unless their decisive words were heard badly."""
    rng = random.Random(seed)
    i_conf = FEATURES.index("conf_min")
    rows = []
    for c in range(n_calls):
        for item in ("opening", "no_hostility"):
            x = [0.0] * len(FEATURES)
            conf = rng.random()
            x[i_conf] = conf
            right = conf > 0.3 or rng.random() < 0.3
            raw = "pass" if right else "fail"
            rows.append(
                Row(
                    "syn",
                    f"call{c}",
                    f"g{c // 2}",
                    item,
                    item == "no_hostility",
                    "pass",
                    raw,
                    tuple(x),
                )
            )
    return rows


def test_cross_validated_fit_on_a_synthetic_set() -> None:
    hotline = load_rubric(ROOT / "rubrics" / "hotline_12345.yaml")
    rows = _synthetic_rows(120, 7)
    probs = out_of_fold(rows, 5, 1.0)
    assert len(probs) == len(rows)
    # held-out confidence is higher for right verdicts than for wrong ones
    right = [p for i, p in probs.items() if rows[i].right]
    wrong = [p for i, p in probs.items() if not rows[i].right]
    assert sum(right) / len(right) > sum(wrong) / len(wrong) + 0.1
    cal = calibrate(hotline, rows, folds=5)
    assert cal.model.coef[FEATURES.index("conf_min")] > 0
    assert cal.model.meta["calls"] == 60  # two calls per group
    held = cal.held_out["syn"]
    assert len(held) == len(rows)
    base, own = tradeoff(held, (0.0,))[0], tradeoff(held, ())[-1]
    assert own["agreement"] > base["agreement"] and own["review_rate"] > 0
    curve = curves(rows, probs)["opening"]
    assert [p for p, _ in curve] == sorted(p for p, _ in curve)


def test_calibration_groups_copies_of_a_call(tmp_path: Path) -> None:
    hotline = load_rubric(ROOT / "rubrics" / "hotline_12345.yaml")
    src = {
        "transcript": {
            "call_id": "x1",
            "segments": [
                {
                    "speaker": "agent",
                    "start": 0,
                    "end": 3,
                    "text": "您好，12345热线，工号1008，很高兴为您服务。",
                    "confidence": 0.9,
                }
            ],
        },
        "expected": {"opening": "pass", "closing": "fail"},
    }
    (tmp_path / "x1.json").write_text(json.dumps(src, ensure_ascii=False), encoding="utf-8")
    copy = {**src, "source": "corpus/dev/x1.json"}
    copy["transcript"] = {**src["transcript"], "call_id": "x1-audio"}
    (tmp_path / "x1-audio.json").write_text(json.dumps(copy, ensure_ascii=False), encoding="utf-8")
    rows = collect(hotline, str(tmp_path))
    assert {r.group for r in rows} == {"x1"}
    assert {(r.item_id, r.label) for r in rows} == {("opening", "pass"), ("closing", "fail")}


def test_e2e_scores_saved_transcripts(tmp_path: Path) -> None:
    hotline = load_rubric(ROOT / "rubrics" / "hotline_12345.yaml")
    corpus, saved = tmp_path / "corpus", tmp_path / "saved"
    corpus.mkdir()
    saved.mkdir()
    turns = [
        {
            "speaker": "agent",
            "start": 0.5,
            "end": 6.0,
            "text": "您好，12345政务服务便民热线，工号1008，很高兴为您服务。",
            "confidence": 0.9,
        },
        {
            "speaker": "caller",
            "start": 6.5,
            "end": 9.0,
            "text": "我问一下路灯坏了找谁。",
            "confidence": 0.9,
        },
        {
            "speaker": "agent",
            "start": 9.5,
            "end": 14.0,
            "text": "这个不归我们管，你问别人去。",
            "confidence": 0.9,
        },
    ]
    expected = {"opening": "pass", "no_hostility": "pass", "forbidden_phrases": "fail"}
    label = {"transcript": {"call_id": "k1", "segments": turns}, "expected": expected}
    (corpus / "k1.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    (corpus / "k1.wav").write_bytes(b"never read")
    (saved / "k1.json").write_text(
        json.dumps(label["transcript"], ensure_ascii=False), encoding="utf-8"
    )
    report = evaluate_e2e(corpus, hotline, AsrOptions(), models_dir=tmp_path, transcripts_dir=saved)
    assert report.calls == 1 and report.cer == 0.0 and report.asr_s == 0.0
    s = report.summary()
    assert {"confidence", "critical"} <= s.keys()
    assert s["critical"]["invented"] >= 0 and len(report.verdicts) == 3
    assert s["confidence"]["tradeoff"][-1]["threshold"] == "item"
    shutil.rmtree(saved)
    saved.mkdir()
    broken = evaluate_e2e(corpus, hotline, AsrOptions(), models_dir=tmp_path, transcripts_dir=saved)
    assert broken.calls == 0 and "saved transcript" in broken.errors[0]
