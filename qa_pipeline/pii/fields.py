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
from collections.abc import Callable
from dataclasses import replace

from qa_pipeline.models import SPEAKERS, AudioMetrics, Segment, Transcript
from qa_pipeline.pii import lexicon
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
    redact_text,
)
from qa_pipeline.pii.words import is_surname, name_like

_NOT_NAMES = frozenset(lexicon.words("names", "not_names"))

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

_HAN_RUN = re.compile(r"[\u4e00-\u9fff·•・]+")
_ASCII_RUN = re.compile(r"[A-Za-z0-9_.\-@]+")
_LONG_DIGITS = re.compile(r"\d{9,}")
_PASSPORT_SHAPE = re.compile(r"[A-Za-z]{1,2}\d{7,9}")
_ROOM_CHAIN = re.compile(r"\d{1,3}-\d{1,2}-\d{3,4}")  # building-unit-room (3-2-501)
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[A-Za-z]")


def _label(kind: str, opts: RedactOptions) -> str:
    return LABELS[kind] if opts.style == "label" else "*" * 4


def _inside_label(text: str, a: int, b: int) -> bool:
    return text[a - 1 : a] == "[" and text[b : b + 1] == "]"


def _bare_han(run: str) -> bool:
    """A run of Chinese characters that is a name on its own (王建国, 买买提·艾力)."""
    if any(c in run for c in "·•・"):
        parts = [p for p in re.split(r"[·•・]", run) if p]
        return len(parts) >= 2 and all(1 <= len(p) <= 6 for p in parts)
    if len(set(run)) == 1 or not 2 <= len(run) <= 4:  # 谢谢, 哈哈哈: a word said twice
        return False
    if name_like(run):
        return True
    # alone in a field, a surname and one or two characters is a name even where running
    # text would read the characters as a word (管春来: 来 as in 打来)
    for s in (2, 1):
        if is_surname(run[:s]) and 1 <= len(run) - s <= 2:
            return run not in _NOT_NAMES
    return False


def _bare_ascii(run: str) -> str | None:
    """The kind of a bare ASCII code that is personal data, else ``None``."""
    if _PASSPORT_SHAPE.fullmatch(run):
        return PASSPORT
    if _ROOM_CHAIN.fullmatch(run):
        return ADDRESS
    if _LONG_DIGITS.search(run):
        return MOBILE if re.fullmatch(r"1\d{10}", run) else ACCOUNT
    letters, digits = len(_LETTER.findall(run)), len(_DIGIT.findall(run))
    if run.lower().startswith("wxid_") or (letters >= 2 and digits >= 4):
        return WECHAT
    return None


def _mask_bare(text: str, opts: RedactOptions, codes: bool = True) -> str:
    """``text`` with bare names (and bare codes) masked; labels already there are kept."""
    spans: list[tuple[int, int, str]] = []
    if opts.name:
        for m in _HAN_RUN.finditer(text):
            if not _inside_label(text, m.start(), m.end()) and _bare_han(m.group()):
                spans.append((m.start(), m.end(), _label(NAME, opts)))
    for m in _ASCII_RUN.finditer(text) if codes else ():
        kind = _bare_ascii(m.group())
        if kind is not None and opts.wants(kind):
            spans.append((m.start(), m.end(), _label(kind, opts)))
    if not spans:
        return text
    out, pos = [], 0
    for a, b, label in sorted(spans):
        out += [text[pos:a], label]
        pos = b
    return "".join([*out, text[pos:]])


def redact_token(value: str, options: RedactOptions | None = None) -> str:
    """A structured value (a speaker label, a flag, an option, a manifest cell) masked.

    :func:`~qa_pipeline.pii.redact.redact_text` first, then the bare checks above:
    ``王建国`` → ``[姓名]``, ``zhangwei_1988`` → ``[微信号]``, ``low_level`` unchanged.
    """
    opts = options or RedactOptions()
    if not opts.enabled or not value:
        return value
    return _mask_bare(redact_text(value, opts), opts)


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
            return _label(kind, opts)
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
    masked = _mask_bare(masked, opts, codes=False)  # CALL202611200001 is an id
    if masked == value:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:8]
    return f"{masked}~{digest.translate(_HEX_TO_LETTERS)}"


def _speaker(value: str, opts: RedactOptions) -> str:
    return value if value in SPEAKERS else redact_token(value, opts)


def _metrics(m: AudioMetrics, token: Callable[[str], str]) -> AudioMetrics:
    return replace(
        m,
        sample_rate=m.sample_rate if isinstance(m.sample_rate, int) else None,
        channels=m.channels if isinstance(m.channels, int) else None,
        talk_time_s=tuple((token(k), v) for k, v in m.talk_time_s),
        overlaps=tuple(replace(o, by=token(o.by), over=token(o.over)) for o in m.overlaps),
        turns=tuple(replace(t, speaker=token(t.speaker)) for t in m.turns),
        quality_flags=tuple(token(str(f)) for f in m.quality_flags),
    )


def redact_transcript_fields(transcript: Transcript, options: RedactOptions) -> Transcript:
    """Every string field of a transcript but the segments' text, masked.

    Speakers other than ``agent``/``caller``/``unknown``, segment and transcript flags,
    the speech-to-text model and options, the audio metrics' speakers and quality flags,
    the language. Agent id, team and call type are kept (staff data and codes; the
    manifest's values win in a night). Fields the format does not name are not read at
    all (:meth:`~qa_pipeline.models.Transcript.from_dict`), so never stored.
    """
    opts = options

    def token(value: str) -> str:
        return redact_token(str(value), opts)

    def seg(s: Segment) -> Segment:
        return replace(s, speaker=_speaker(s.speaker, opts), flags=tuple(token(f) for f in s.flags))

    return replace(
        transcript,
        segments=tuple(seg(s) for s in transcript.segments),
        language=token(transcript.language),
        asr_model=None if transcript.asr_model is None else token(transcript.asr_model),
        asr_options=tuple((token(k), token(v)) for k, v in transcript.asr_options),
        metrics=None if transcript.metrics is None else _metrics(transcript.metrics, token),
        flags=tuple(token(f) for f in transcript.flags),
    )
