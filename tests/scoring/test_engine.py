"""score_call on bad input, arithmetic, evidence; the optional emotion classifier."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa_pipeline.errors import ConfigError
from qa_pipeline.intake.transcript_io import load_transcript
from qa_pipeline.models import Segment, Status, Transcript
from qa_pipeline.scoring import ScoringOptions, load_rubric, score_call
from qa_pipeline.scoring.emotion_model import load_emotion_classifier

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hotline():
    return load_rubric(REPO / "rubrics" / "hotline_12345.yaml")


def test_empty_transcript_gives_reviews_not_a_crash(hotline) -> None:
    result = score_call(Transcript(call_id="x", segments=()), hotline)
    assert {it.status for it in result.items} == {Status.REVIEW}
    assert result.score is None and result.grade is None and not result.critical_failed


def test_non_utf8_transcript_fails_become_review(tmp_path: Path, hotline) -> None:
    path = tmp_path / "gbk.json"
    seg = '{"speaker": "agent", "start": 0, "end": 2, "text": "你好"}'
    text = '{"call_id": "g1", "segments": [' + seg + "]}"
    path.write_bytes(text.encode("gbk"))
    transcript = load_transcript(path)
    assert "non_utf8" in transcript.flags
    result = score_call(transcript, hotline)
    assert result.item("opening").status is Status.REVIEW
    assert Status.FAIL not in {it.status for it in result.items}


def test_metadata_evidence_and_arithmetic(hotline) -> None:
    segs = (
        Segment("agent", 0.4, 5.0, "您好，12345热线，工号1001。"),
        Segment("caller", 5.5, 9.0, "我家门口路灯坏了。"),
        Segment("agent", 20.5, 25.0, "好的，已经记下了。请问还有其他问题吗？谢谢，再见。"),
    )
    t = Transcript(call_id="c1", segments=segs, agent_id="A1", team="一组", call_type="求助",
                   asr_model="base")  # fmt: skip
    result = score_call(t, hotline)
    assert (result.agent_id, result.team, result.call_type, result.asr_model) == (
        "A1", "一组", "求助", "base")  # fmt: skip
    assert result.rubric_sha256 == hotline.sha256 and result.rubric_version == "2026.2"
    opening = result.item("opening")
    assert opening.name == "开场白" and opening.dimension == "script"
    assert opening.evidence[0].speaker == "agent" and opening.evidence[0].start == 0.4
    confirm = result.item("confirm_request")
    assert confirm.status is Status.FAIL
    earned = sum(i.points for i in result.items if i.status is Status.PASS)
    decided = earned + sum(i.points for i in result.items if i.status is Status.FAIL)
    assert result.score == pytest.approx(100 * earned / decided)
    assert result.grade == hotline.grade(result.score)


def test_a_check_that_raises_becomes_review(hotline, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa_pipeline.scoring import registry

    def boom(ctx: object, item: object, params: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setitem(registry.CHECKS, "overlap_count", boom)
    t = Transcript(call_id="c2", segments=(Segment("agent", 0, 2, "您好，12345热线，工号1。"),))
    result = score_call(t, hotline)
    assert result.item("no_interruption").status is Status.REVIEW
    assert any("kaput" in e for e in result.errors)
    assert result.item("opening").status is Status.PASS


def test_classifier_path_missing_is_config_error() -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_emotion_classifier("/nonexistent/emotion-model")


@pytest.mark.slow
def test_tiny_random_classifier_loads_and_marks_turns(tmp_path: Path, hotline) -> None:
    pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *"我要投诉你们太过分了好的谢谢"]
    (tmp_path / "vocab.txt").write_text("\n".join(vocab), encoding="utf-8")
    tokenizer = transformers.BertTokenizer(vocab_file=str(tmp_path / "vocab.txt"))
    config = transformers.BertConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=64, num_labels=2,
        id2label={0: "neutral", 1: "negative"}, label2id={"neutral": 0, "negative": 1},
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    model_dir = tmp_path / "emotion"
    model.save_pretrained(model_dir)
    tokenizer.save_pretrained(model_dir)

    classify = load_emotion_classifier(str(model_dir))
    out = classify(["我要投诉你们", "好的谢谢"])
    assert len(out) == 2 and all(label in {"neutral", "negative"} for label, _ in out)
    assert all(0.0 <= p <= 1.0 for _, p in out)

    segs = (Segment("caller", 0, 2, "好的谢谢"), Segment("agent", 3, 4, "好的。"))
    t = Transcript(call_id="e", segments=segs)
    assert score_call(t, hotline).item("empathy").status is Status.NA  # off by default
    # threshold 0: whatever the random model says, a "negative" label would count
    opts = ScoringOptions(
        emotion_model_path=model_dir,
        emotion_negative_labels=("negative", "neutral"),
        emotion_threshold=0.0,
    )
    assert score_call(t, hotline, opts).item("empathy").status is Status.FAIL
