"""Verdict confidence (issue 18 item 1): features, the shipped-model format, the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa_pipeline.errors import ConfigError
from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, load_rubric, score_call
from qa_pipeline.scoring.base import Outcome
from qa_pipeline.scoring.confidence import (
    FEATURES,
    ConfidenceModel,
    features,
    load_model,
)
from qa_pipeline.scoring.context import build_context
from qa_pipeline.scoring.engine import raw_verdicts
from qa_pipeline.scoring.options import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[2]
F = {name: i for i, name in enumerate(FEATURES)}


@pytest.fixture(scope="module")
def hotline():
    return load_rubric(ROOT / "rubrics" / "hotline_12345.yaml")


def call(*turns: tuple[str, str, float | None], call_id: str = "c") -> Transcript:
    segs, t = [], 0.0
    for speaker, text, conf in turns:
        segs.append(Segment(speaker, t, t + 3.0, text, conf))
        t += 4.0
    return Transcript(call_id=call_id, segments=tuple(segs))


OPENING = ("agent", "您好，12345政务服务便民热线，工号1008，很高兴为您服务。", 0.95)


def model_on_conf_min(path: Path, curve: list[tuple[float, float]] | None = None) -> Path:
    """A model whose confidence rises with the decisive words' confidence only."""
    coef = [0.0] * len(FEATURES)
    coef[F["conf_min"]] = 6.0
    m = ConfidenceModel(
        FEATURES,
        tuple(coef),
        -3.0,
        tuple([0.0] * len(FEATURES)),
        tuple([1.0] * len(FEATURES)),
        {"*": tuple(curve or [(0.5, 0.9), (0.9, 0.97), (0.99, 1.0)])},
        {"test": True},
    )
    path.write_text(json.dumps(m.to_dict()), encoding="utf-8")
    return path


def _feature(hotline, t: Transcript, item_id: str) -> tuple[Status, list[float]]:
    opts = ScoringOptions(confidence_model=None)
    return next((s, x) for it, s, _, x in raw_verdicts(t, hotline, opts) if it.id == item_id)


def test_features_read_the_decisive_words_confidence(hotline) -> None:
    t = call(("agent", "您好，12345政务服务便民热线，工号1008，很高兴为您服务。", 0.42))
    status, x = _feature(hotline, t, "opening")
    assert status is Status.PASS
    assert x[F["status_pass"]] == 1.0 and x[F["status_fail"]] == 0.0
    assert x[F["conf_min"]] == pytest.approx(0.42) == x[F["conf_mean"]]
    assert x[F["pass_x_unsure"]] == pytest.approx(0.58)
    assert x[F["kind_phrase_present"]] == 1.0 and x[F["critical"]] == 0.0


def test_absent_verdict_reads_the_agent_channel(hotline) -> None:
    t = call(OPENING, ("agent", "好的", 0.5), ("caller", "谢谢", 0.99))
    ctx = build_context(t, hotline, ScoringOptions(confidence_model=None))
    item = next(it for it in hotline.items if it.id == "no_hostility")
    x = features(ctx, item, Outcome(Status.PASS, "none"))
    assert x[F["conf_min"]] == pytest.approx((0.95 + 0.5) / 2)  # agent channel mean
    assert x[F["agent_low_share"]] == pytest.approx(0.5)
    assert x[F["critical"]] == 1.0 and x[F["evidence_n"]] == 0.0


def test_topic_words_and_missing_confidence(hotline) -> None:
    t = call(
        ("agent", "您好，12345热线。", None),
        ("caller", "我想问契税，首套房九十平方米。", None),
    )
    _, x = _feature(hotline, t, "deed_tax_rate")
    assert x[F["topic_gated"]] == 1.0 and x[F["topic_words"]] > 0
    assert x[F["conf_missing"]] == 1.0
    _, y = _feature(
        hotline, call(("agent", "您好。", None), ("caller", "路灯坏了。", None)), "deed_tax_rate"
    )
    assert y[F["topic_words"]] < x[F["topic_words"]]


def test_sound_alike_hostility_is_a_feature(hotline) -> None:
    # the non-critical forbidden-phrases item fails on a sound-alike hit
    t = call(OPENING, ("agent", "这个不归我们管。", 0.9))
    status, x = _feature(hotline, t, "forbidden_phrases")
    assert status is Status.FAIL
    assert x[F["status_fail"]] == 1.0 and x[F["fail_x_unsure"]] == pytest.approx(0.1)


def test_low_confidence_decisive_word_goes_to_review(hotline, tmp_path: Path) -> None:
    path = model_on_conf_min(tmp_path / "m.json")
    opts = ScoringOptions(confidence_model=path, min_precision=0.97)
    clear = score_call(call(OPENING), hotline, opts).item("opening")
    assert clear.status is Status.PASS and clear.confidence is not None
    assert clear.confidence > 0.9
    unsure = call(("agent", "您好，12345政务服务便民热线，工号1008，很高兴为您服务。", 0.55))
    got = score_call(unsure, hotline, opts).item("opening")
    assert got.status is Status.REVIEW
    assert got.confidence is not None and got.confidence < 0.9
    assert "置信度" in got.reason and "0.90" in got.reason  # the item's threshold
    assert got.to_dict()["confidence"] == round(got.confidence, 4)
    # reported only: the verdict stands with its confidence
    shown = score_call(
        unsure, hotline, ScoringOptions(confidence_model=path, confidence_gate=False)
    )
    assert shown.item("opening").status is Status.PASS
    # the item's own min_precision moves its threshold
    items = [
        it.model_copy(update={"min_precision": 0.9}) if it.id == "opening" else it
        for it in hotline.items
    ]
    lax = hotline.model_copy(update={"items": items})
    assert score_call(unsure, lax, opts).item("opening").status is Status.PASS


def test_thresholds_follow_the_stated_precision() -> None:
    m = ConfidenceModel(
        FEATURES,
        tuple([0.0] * len(FEATURES)),
        0.0,
        tuple([0.0] * len(FEATURES)),
        tuple([1.0] * len(FEATURES)),
        {"a": ((0.2, 0.9), (0.6, 0.96), (0.8, 0.99)), "*": ((0.1, 0.97),)},
        {},
    )
    assert m.threshold("a", 0.9) == 0.2
    assert m.threshold("a", 0.95) == 0.6
    assert m.threshold("a", 0.97) == 0.8
    assert m.threshold("a", 0.999) > 1.0  # never reached: everything to review
    assert m.threshold("unseen", 0.97) == 0.1  # pooled curve
    assert m.probability([0.0] * len(FEATURES)) == 0.5


def test_model_file_errors(tmp_path: Path) -> None:
    assert load_model(None) is None
    with pytest.raises(ConfigError, match="not found"):
        load_model(tmp_path / "missing.json")
    bad = tmp_path / "old.json"
    data = json.loads(model_on_conf_min(tmp_path / "m.json").read_text(encoding="utf-8"))
    bad.write_text(json.dumps({**data, "features": ["x"]}), encoding="utf-8")
    with pytest.raises(ConfigError, match="other features"):
        load_model(bad)


def test_shipped_model_loads_and_scores(hotline) -> None:
    model = load_model(DEFAULT_MODEL)
    assert model is not None and model.meta.get("folds")
    res = score_call(call(OPENING), hotline)
    assert all((it.confidence is None) == (it.status is Status.REVIEW) for it in res.items), (
        res.items
    )


def test_min_precision_is_read_from_the_rubric_yaml(tmp_path: Path) -> None:
    text = (ROOT / "rubrics" / "hotline_12345.yaml").read_text(encoding="utf-8")
    edited = text.replace(
        "  - id: opening\n    name: 开场白\n",
        "  - id: opening\n    name: 开场白\n    min_precision: 0.9\n",
    )
    assert edited != text
    path = tmp_path / "hotline_12345.yaml"
    path.write_text(edited, encoding="utf-8")
    rubric = load_rubric(path)
    assert next(it for it in rubric.items if it.id == "opening").min_precision == 0.9
    bad = tmp_path / "bad.yaml"
    bad.write_text(edited.replace("min_precision: 0.9", "min_precision: 1.5"), encoding="utf-8")
    with pytest.raises(Exception, match="min_precision"):
        load_rubric(bad)


def test_the_model_file_ships_with_the_package() -> None:
    import tomllib

    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "scoring/data/*.json" in data["tool"]["setuptools"]["package-data"]["qa_pipeline"]
    assert DEFAULT_MODEL.is_file()
