"""Structured values through the PII engine: manifest cells, transcript fields, call ids.

Running text has context (我叫…, 手机号是…); a structured value mostly has none: a
manifest cell ``户主 = 王建国``, a vendor's speaker label ``李秀英``, a flag
``wx_zhangwei1988``. Here such values go through :func:`~qa_pipeline.pii.redact.redact_text`
and then through checks for a **bare** value (issue 20, item 2):

* a run of Chinese characters that reads as a name (王建国, 欧阳娜娜, 阿依古丽·买买提);
* a bare number of nine digits or more, a passport-shaped code (E12345678), a
  building-unit-room chain (3-2-501), an id that mixes letters with four digits or more
  (zhangwei_1988, wxid_…).

Manifest columns are an **allow-list**: :data:`RAW_COLUMNS` are kept as they are (ids,
times, codes); every other column is masked — wholly where its name says it holds
personal data (:data:`WHOLE_VALUE_COLUMNS`: 户主, 诉求人, contact, 门牌 …), else value by
value as above. ``docs/store.md`` states the policy.
"""

from __future__ import annotations

import hashlib
import re

from qa_pipeline.pii.bare import mask_bare
from qa_pipeline.pii.redact import (
    _HEX_TO_LETTERS,
    ACCOUNT,
    ADDRESS,
    BANK_CARD,
    EMAIL,
    ID_CARD,
    LABELS,
    MOBILE,
    NAME,
    PASSPORT,
    PLATE,
    QQ,
    WECHAT,
    RedactOptions,
    redact_path,
    redact_token,
    redact_transcript_fields,
)

__all__ = [
    "RAW_COLUMNS",
    "WHOLE_VALUE_COLUMNS",
    "pseudonymize_id",
    "redact_field",
    "redact_token",
    "redact_transcript_fields",
]

#: Manifest columns kept raw: ids and codes of the call, the agent and the system, times,
#: durations, the channel layout, the satisfaction code. ``call_id`` is pseudonymized
#: (:func:`pseudonymize_id`) and ``file`` stored as its call-id link or redacted path.
RAW_COLUMNS: frozenset[str] = frozenset(
    {
        "call_id",
        "file",
        "agent_id",
        "team",
        "started_at",
        "ended_at",
        "answered_at",
        "call_type",
        "duration_s",
        "talk_s",
        "hold_s",
        "ring_s",
        "satisfaction",
        "satisfaction_code",
        "agent_tenure_months",
        "language",
        "channel_layout",
        "channel_map",
        "channels",
        "sample_rate",
        "direction",
        "queue",
        "skill_group",
        "hangup_by",
        "recorder_id",
        "ticket_id",
        "工单号",
    }
)

#: Columns whose whole value is personal data, whatever its form: by name (first match).
WHOLE_VALUE_COLUMNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (EMAIL, re.compile(r"mail|邮箱", re.I)),
    (WECHAT, re.compile(r"wechat|weixin|微信|抖音|douyin", re.I)),
    (QQ, re.compile(r"(^|_)qq", re.I)),
    (PLATE, re.compile(r"plate|车牌", re.I)),
    (PASSPORT, re.compile(r"passport|permit|护照|通行证|回乡证|台胞证", re.I)),
    (ACCOUNT, re.compile(r"provident|social_?security|公积金|社保|医保", re.I)),
    (ID_CARD, re.compile(r"id_?card|id_?no|identity|身份证|证件", re.I)),
    (BANK_CARD, re.compile(r"bank|card|account|卡号|银行|账号|帐号", re.I)),
    (ADDRESS, re.compile(r"addr|地址|住址|门牌|房号|户号|小区|楼号|household|room", re.I)),
    (MOBILE, re.compile(r"phone|mobile|(^|_)tel|(^|_)ani($|_)|电话|手机|号码|主叫", re.I)),
    (
        NAME,
        re.compile(
            r"name|姓名|名字|联系|contact|caller|customer|citizen|owner|person|resident"
            r"|客户|来电人|市民|户主|业主|住户|诉求人|投诉人|反映人|举报人|当事人|申请人|经办人",
            re.I,
        ),
    ),
)


def redact_field(name: str, value: str, options: RedactOptions | None = None) -> str:
    """A manifest value with its personal data masked, given its column name.

    Args:
        name: The column (header) name.
        value: The cell.
        options: What to mask and how.

    Returns:
        The value unchanged for a column of :data:`RAW_COLUMNS`; the kind's label for a
        column whose name says it holds personal data (``户主``, ``caller_name``,
        ``地址`` …); else the value through :func:`redact_token`.
    """
    opts = options or RedactOptions()
    if not opts.enabled or not value or not value.strip():
        return value
    if name.strip() in RAW_COLUMNS:
        return value
    for kind, pattern in WHOLE_VALUE_COLUMNS:
        if pattern.search(name) and opts.wants(kind):
            return LABELS[kind] if opts.style == "label" else "*" * 4
    return redact_token(value, opts)


def pseudonymize_id(value: str, options: RedactOptions | None = None) -> str:
    """An identifier with its personal data masked, still unique.

    An identifier (a call id) with its personal data masked and a short hash added, so
    ids stay unique and the same on every run: ``13812345678_0815`` →
    ``[手机号]_0815~kdjebcaa``, ``王建国_0815`` → ``[姓名]_0815~…``. An id without
    personal data is returned unchanged. Numbers glued to letters count
    (:func:`~qa_pipeline.pii.redact.redact_path`), and so does any name-like run of
    Chinese characters.

    The hash is of the whole id and uses letters only; it is a pseudonym, not
    anonymity (a phone number can be found from its hash by trying them all).
    """
    opts = options or RedactOptions()
    if not opts.enabled or not value:
        return value
    masked = redact_path(value, opts)
    masked = mask_bare(masked, opts, codes=False)  # CALL202611200001 is an id
    if masked == value:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    return f"{masked}~{digest.translate(_HEX_TO_LETTERS)}"
