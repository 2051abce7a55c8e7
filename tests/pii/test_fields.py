"""Structured values through the PII engine (issue 20 item 2): manifest columns by an
allow-list, every string field of a vendor transcript, call ids holding a name or number.

The strings are written for these tests (not taken from benchmarks/data)."""

from __future__ import annotations

import pytest

from qa_pipeline.models import AudioMetrics, Overlap, Segment, Transcript, TurnProsody
from qa_pipeline.pii.fields import (
    RAW_COLUMNS,
    pseudonymize_id,
    redact_field,
    redact_token,
    redact_transcript_fields,
)
from qa_pipeline.pii.redact import RedactOptions, redact_transcript

# bare personal data as a structured field holds it: no keyword, no sentence around it
BARE = [
    ("邵春燕", "[姓名]"),
    ("诸葛明远", "[姓名]"),
    ("热依拉·买合木提", "[姓名]"),
    ("15023457781", "[手机号]"),
    ("lin_xiaoyu2031", "[微信号]"),
    ("wxid_7kq2m9", "[微信号]"),
    ("EA4471902", "[证件号]"),
    ("K83920174", "[证件号]"),
    ("7-3-1204", "[地址]"),
    ("392817465501", "[账号]"),
    ("qiao.mu@126.com", "[邮箱]"),
    ("沪C·7Q2W1", "[车牌号]"),
]
# codes a vendor or the pipeline writes: kept as they are
CODES = [
    "agent",
    "low_level",
    "hallucination_suspect",
    "mono_fallback",
    "large-v3",
    "int8_float16",
    "16000",
    "0.2",
    "2026-11-20",
    "背景噪音",
    "谢谢",
    "zh",
]


@pytest.mark.parametrize(("value", "masked"), BARE)
def test_a_bare_value_is_masked(value: str, masked: str) -> None:
    assert redact_token(value) == masked


@pytest.mark.parametrize("value", CODES)
def test_a_code_is_kept(value: str) -> None:
    assert redact_token(value) == value


@pytest.mark.parametrize(
    ("column", "value", "masked"),
    [
        ("户主", "龚世雄", "[姓名]"),
        ("诉求人", "钱", "[姓名]"),
        ("contact", "老钱", "[姓名]"),
        ("门牌", "12栋", "[地址]"),
        ("房号", "1204", "[地址]"),
        ("业主姓名", "严", "[姓名]"),
        ("抖音号", "dy_qiaomu", "[微信号]"),
        ("联系人", "阿力", "[姓名]"),
        ("举报人", "匿名", "[姓名]"),
        ("owner", "Li", "[姓名]"),
    ],
)
def test_a_column_named_for_personal_data_is_masked_whole(
    column: str, value: str, masked: str
) -> None:
    assert redact_field(column, value) == masked


@pytest.mark.parametrize(
    ("column", "value", "masked"),
    [
        ("工单内容", "装修噪音，联系人邵春燕15023457781", "装修噪音，联系人[姓名][手机号]"),
        ("topic", "噪音扰民", "噪音扰民"),
        ("备注", "邵春燕", "[姓名]"),
        ("x_field", "7-3-1204", "[地址]"),
        ("memo", "lin_xiaoyu2031", "[微信号]"),
        ("区域", "朝阳区", "朝阳区"),
        ("来源", "12345热线", "12345热线"),
        ("description", "回电 15023457781", "回电 [手机号]"),
        ("补充", "EA4471902", "[证件号]"),
        ("tag", "urgent", "urgent"),
    ],
)
def test_any_other_column_goes_through_the_engine(column: str, value: str, masked: str) -> None:
    assert redact_field(column, value) == masked


@pytest.mark.parametrize("column", sorted(RAW_COLUMNS))
def test_allow_listed_columns_are_kept_raw(column: str) -> None:
    assert redact_field(column, "A5-0815") == "A5-0815"
    assert redact_field(column, "邵春燕") == "邵春燕"  # kept by policy: the column is a code


@pytest.mark.parametrize(
    ("call_id", "shown"),
    [
        ("15023457781_0815", "[手机号]_0815~"),
        ("邵春燕_0815", "[姓名]_0815~"),
        ("0815-诸葛明远", "0815-[姓名]~"),
        ("CALL15023457781", "CALL[手机号]~"),
        ("rec/邵春燕/01", "rec/[姓名]/01~"),
    ],
)
def test_a_call_id_with_personal_data_is_pseudonymized(call_id: str, shown: str) -> None:
    out = pseudonymize_id(call_id)
    assert out.startswith(shown) and len(out) == len(shown) + 8
    assert pseudonymize_id(call_id) == out  # the same every night
    assert pseudonymize_id(out) == out  # idempotent


@pytest.mark.parametrize(
    "call_id", ["20261120-0001", "CALL202611200001", "A5/005", "x-1", "投诉-0815", "回访_12"]
)
def test_an_opaque_call_id_is_kept(call_id: str) -> None:
    assert pseudonymize_id(call_id) == call_id


def _vendor_transcript() -> Transcript:
    seg = Segment("邵春燕", 0.0, 2.0, "您好", flags=("lin_xiaoyu2031", "low_level"))
    metrics = AudioMetrics(
        duration_s=2.0,
        talk_time_s=(("邵春燕", 2.0),),
        overlaps=(Overlap(0.0, 1.0, "邵春燕", "agent"),),
        turns=(TurnProsody("诸葛明远", 0.0, 1.0, -20.0),),
        quality_flags=("15023457781",),
    )
    return Transcript(
        call_id="C1",
        segments=(seg, Segment("agent", 2.0, 3.0, "请讲")),
        asr_model="vendor-邵春燕",
        asr_options=(("hotword", "邵春燕"), ("sample_rate", "16000"), ("邵春燕", "1")),
        metrics=metrics,
        flags=("EA4471902", "reviewed"),
        language="热依拉·买合木提",
    )


def test_every_string_field_of_a_transcript_is_masked() -> None:
    t = redact_transcript(_vendor_transcript())
    text = repr(t)
    for raw in ("邵春燕", "lin_xiaoyu2031", "诸葛明远", "15023457781", "EA4471902", "热依拉"):
        assert raw not in text
    assert t.segments[0].speaker == "[姓名]" and t.segments[1].speaker == "agent"
    assert t.segments[0].flags == ("[微信号]", "low_level")
    assert dict(t.asr_options)["sample_rate"] == "16000"
    assert t.flags == ("[证件号]", "reviewed")


def test_transcript_fields_kept_when_redaction_is_off() -> None:
    t = _vendor_transcript()
    assert redact_transcript(t, RedactOptions(enabled=False)) == t
    assert redact_transcript_fields(t, RedactOptions(name=False)).segments[0].speaker == "邵春燕"
