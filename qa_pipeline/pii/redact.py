"""PII redaction: mask citizens' personal data wherever text leaves memory.

Pure functions over text (no I/O), applied once at each boundary: the store (every text
column), transcript files and the speech-to-text cache, log records
(:func:`install_log_redaction`), run summaries and Prefect artifacts, reports and CLI
output. ``docs/store.md`` lists where, and what the benchmark measures.

What is masked (each kind can be switched off in :class:`RedactOptions`):

* mobiles, resident ID numbers, bank cards and landlines, written or spoken digit by digit,
  with spaces, dashes, punctuation (``138，1234，5678``, ``138.1234.5678``,
  ``(138)12345678``) or hesitations (``一三八 嗯 一二三四``) between groups
  (:mod:`qa_pipeline.pii.numbers`); an ID or card number after its keyword whatever
  its check digit; a number split over neighbouring transcript segments;
* e-mail addresses, typed or read aloud; passports and travel permits; 公积金 and 社保
  accounts; spoken numbers with 洞/拐, 杠, asides and named groups
  (:mod:`qa_pipeline.pii.registry`, :mod:`qa_pipeline.pii.spoken`);
* names, street addresses (house number down to the room), licence plates, WeChat and QQ
  ids (:mod:`qa_pipeline.pii.words`, :mod:`qa_pipeline.pii.people`); numbers and names
  spread over a transcript's turns (:mod:`qa_pipeline.pii.turns`);
* in file names, numbers glued to letters too (:func:`redact_path`); whole manifest
  values whose column names personal data (:func:`redact_field`).

What survives on purpose: job numbers (工号1023, 2001号话务员), amounts (13800000000元,
¥1,380), areas (140平方米), rates (1.5%), dates, times, the 12345 hotline, numbers labelled
as order, ticket, case or policy numbers (订单号, 工单号, 受理号, 保单号 …), and district
and street-level words (朝阳区, 建国路, 社区服务中心).

Masking style ``label`` (default) replaces the whole match with a bracketed label such as
``[手机号]``; ``partial`` keeps the shape (``138****5678``, ``张*``).
"""

from __future__ import annotations

import functools
import logging
import operator
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from qa_pipeline.models import (
    SPEAKERS,
    AudioMetrics,
    CallScore,
    Evidence,
    ItemResult,
    Segment,
    Transcript,
)
from qa_pipeline.pii import lexicon, turns
from qa_pipeline.pii.bare import mask_bare
from qa_pipeline.pii.numbers import (
    BANK_CARD,
    ID_CARD,
    LANDLINE,
    MOBILE,
    claim,
    digit_at,
    id18_ok,
    is_free,
    is_quantity,
    landline_ok,
    number_matches,
)
from qa_pipeline.pii.registry import ACCOUNT, PASSPORT, registry_matches, spoken_numbers
from qa_pipeline.pii.words import (
    ADDRESS,
    NAME,
    PLATE,
    QQ,
    WECHAT,
    find_addresses,
    find_im_ids,
    find_names,
    find_plates,
)

__all__ = [
    "ACCOUNT",
    "ADDRESS",
    "BANK_CARD",
    "EMAIL",
    "ID_CARD",
    "KINDS",
    "LABELS",
    "LANDLINE",
    "MOBILE",
    "NAME",
    "PASSPORT",
    "PLATE",
    "QQ",
    "WECHAT",
    "PiiMatch",
    "RedactOptions",
    "find_pii",
    "id18_ok",
    "install_log_redaction",
    "redact_item",
    "redact_path",
    "redact_score",
    "redact_segment",
    "redact_text",
    "redact_token",
    "redact_transcript",
    "redact_transcript_fields",
    "redact_value",
]

EMAIL = "email"

#: Label written in place of each kind of personal data (``style="label"``).
LABELS: dict[str, str] = lexicon.labels()  # zh.yaml: labels
_FAMILIAR = lexicon.words("names", "familiar")
#: Every kind :func:`find_pii` knows, in the order of :data:`LABELS`.
KINDS: tuple[str, ...] = tuple(LABELS)


@dataclass(frozen=True, slots=True)
class RedactOptions:
    """What to mask and how.

    Attributes:
        enabled: Master switch (``Settings.redact_pii``); ``False`` returns text unchanged.
        mobile: Mask mobile numbers.
        id_card: Mask resident ID numbers (18-digit, and 15-digit legacy).
        bank_card: Mask bank card numbers.
        landline: Mask landline numbers.
        email: Mask e-mail addresses.
        name: Mask names (after 我叫/我姓/姓名/叫我 …, and before 先生/女士 …).
        address: Mask street addresses from the house number down to the room.
        plate: Mask licence plates.
        wechat: Mask WeChat ids after their keyword.
        qq: Mask QQ numbers after their keyword.
        passport: Mask passports and travel permits (护照, 港澳通行证, 回乡证 …).
        account: Mask housing-fund and social-insurance accounts (公积金, 社保 …).
        style: ``"label"`` (``[手机号]``, default) or ``"partial"`` (``138****5678``).
    """

    enabled: bool = True
    mobile: bool = True
    id_card: bool = True
    bank_card: bool = True
    landline: bool = True
    email: bool = True
    name: bool = True
    address: bool = True
    plate: bool = True
    wechat: bool = True
    qq: bool = True
    passport: bool = True
    account: bool = True
    style: Literal["label", "partial"] = "label"

    def wants(self, kind: str) -> bool:
        """Whether personal data of ``kind`` is to be found."""
        return bool(getattr(self, kind))


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data found in a text: ``text[start:end]`` of ``kind``."""

    kind: str
    start: int
    end: int
    value: str  # normalised: arabic digits (and X) for numbers, the address for e-mail


_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PAREN_LANDLINE_RE = re.compile(
    r"[(（]\s*(0\d{2,3})\s*[)）]\s*([2-9]\d{2,3})[\s\-－]?(\d{4})(?!\d)"
)


class _Claims:
    """Matches of the finders in turn, none overlapping an earlier one.

    The characters taken by earlier matches are one byte each in a map, so a later
    finder's candidate costs one look (linear in the text and the matches; issue 20).
    """

    def __init__(self, text: str, found: list[PiiMatch]) -> None:
        self.text, self.found = text, found
        self.taken = bytearray(len(text))
        for match in found:
            claim(self.taken, match.start, match.end)

    def add(self, match: PiiMatch) -> None:
        self.found.append(match)
        claim(self.taken, match.start, match.end)

    def free(self, a: int, b: int) -> bool:
        return is_free(self.taken, a, b)

    def run(self, opts: RedactOptions) -> None:
        text, free = self.text, self.free
        for finder in (registry_matches, spoken_numbers):
            # a finder's own matches are checked against earlier finders' only
            for span in list(finder(text, opts.wants, free)):
                self.add(PiiMatch(*span))
        for span in number_matches(text, opts.wants, free):
            self.add(PiiMatch(*span))
        if opts.landline:  # North American numbers of the English desk: (555) 234-5678
            self._nanp()
        # the word finders give the most matches: the map is read and marked inline
        taken, found, one = self.taken, self.found, b"\x01"
        wanted = _wanted_kinds(opts)
        for kind, a, b, value in _word_spans(text, opts):
            if a < b and wanted.get(kind, False) and taken.find(1, a, b) < 0:
                found.append(PiiMatch(kind, a, b, value))
                taken[a:b] = one * (b - a)

    def _nanp(self) -> None:
        for m in _NANP_RE.finditer(self.text):
            area = m.group("area") or m.group("area2")
            if area not in _TOLL_FREE and self.free(m.start(), m.end()):
                self.add(PiiMatch(LANDLINE, m.start(), m.end(), re.sub(r"\D", "", m[0])))


_START = operator.attrgetter("start")


@functools.lru_cache(maxsize=32)
def _wanted_kinds(opts: RedactOptions) -> dict[str, bool]:
    """Which kinds ``opts`` asks for (options are frozen: once per options, not per text)."""
    return {kind: opts.wants(kind) for kind in KINDS}


def find_pii(text: str, options: RedactOptions | None = None) -> list[PiiMatch]:
    """Find personal data in ``text``.

    Args:
        text: Any text (a transcript segment, an evidence quote, a reason, a file name).
        options: What to look for; defaults to everything.

    Returns:
        Non-overlapping matches in text order.
    """
    opts = options or RedactOptions()
    found: list[PiiMatch] = []
    if opts.email:
        found += [PiiMatch(EMAIL, m.start(), m.end(), m.group(0)) for m in _EMAIL_RE.finditer(text)]
    if opts.landline:
        found += _paren_landlines(text)
    _Claims(text, found).run(opts)
    found.sort(key=_START)
    return found


def _paren_landlines(text: str) -> list[PiiMatch]:
    """Landlines with the area code in brackets: (010)12345678."""
    found: list[PiiMatch] = []
    for m in _PAREN_LANDLINE_RE.finditer(text):
        value = m.group(1) + m.group(2) + m.group(3)
        if landline_ok(value) and not is_quantity(text, m.start(), m.end()):
            found.append(PiiMatch(LANDLINE, m.start(), m.end(), value))
    return found


def _word_spans(text: str, opts: RedactOptions) -> list[tuple[str, int, int, str]]:
    """Messaging ids, plates, addresses and names, by the finders ``opts`` asks for."""
    words = []
    for kind, finder in (
        (WECHAT, find_im_ids),
        (PLATE, find_plates),
        (ADDRESS, find_addresses),
        (NAME, find_names),
    ):
        if kind in (WECHAT, QQ) and not (opts.wechat or opts.qq):
            continue
        if kind not in (WECHAT, QQ) and not opts.wants(kind):
            continue
        words += finder(text)
    return words


def _mask(match: PiiMatch, style: str) -> str:
    if style == "label":
        return LABELS[match.kind]
    if match.kind == EMAIL:
        user, _, domain = match.value.partition("@")
        return f"{user[:1]}***@{domain}"
    if match.kind == NAME:  # the surname stays, unless the surname is all there is
        if len(match.value) < 2 or match.value.startswith(_FAMILIAR):
            return "*" * max(1, len(match.value))
        return match.value[:1] + "*" * (len(match.value) - 1)
    if match.kind in (ADDRESS, WECHAT, QQ, PASSPORT, ACCOUNT):
        return "*" * 4
    if match.kind == PLATE:
        return match.value[:2] + "***" + match.value[-2:]
    v = match.value[-11:] if match.kind == MOBILE else match.value
    return v[:3] + "*" * max(4, len(v) - 7) + v[-4:]


# a North American number, written with separators (the English desk's callers)
_NANP_RE = re.compile(
    r"(?<![\w.-])(?:\+?1[\s.-]?)?(?:\((?P<area>[2-9]\d\d)\)\s?|(?P<area2>[2-9]\d\d)[\s.-])"
    r"[2-9]\d\d[\s.-]\d{4}(?![\w-])"
)
_TOLL_FREE = {"400", "800", "833", "844", "855", "866", "877", "888"}

# a file name inside a message: call_13600003333.wav, /inbox/张三_13812345678.json
_FILE_EXT = r"\.(?:wav|mp3|m4a|flac|ogg|opus|amr|aac|wma|json|csv|txt)\b"
_FILE_EXT_RE = re.compile(_FILE_EXT, re.IGNORECASE)
# bounded, so a long text without a file name costs linear time
_FILE_NAME_RE = re.compile(r"[\w\-.+()（）]{1,120}" + _FILE_EXT, re.IGNORECASE)
# ASCII letters, underscores and dots glued to a number in a file name are separators
_NAME_GLUE_RE = re.compile(r"[A-WYZa-wyz_.+]")


def _redact_name(name: str, opts: RedactOptions) -> str:
    """Redact one file or folder name: numbers glued to letters count (call13800138000)."""
    spaced = _NAME_GLUE_RE.sub(" ", name)
    out: list[str] = []
    pos = 0
    for m in find_pii(spaced, opts):
        out.append(name[pos : m.start])
        out.append(_mask(m, opts.style))
        pos = m.end
    out.append(name[pos:])
    return "".join(out)


def redact_path(path: str | os.PathLike[str], options: RedactOptions | None = None) -> str:
    """A path with personal data in any folder or file name masked.

    ``/inbox/13600003333_0815.wav`` → ``/inbox/[手机号]_0815.wav``; numbers glued to
    letters are looked at too (``call13600003333.wav``), unlike in running text.
    """
    text = os.fspath(path)
    opts = options or RedactOptions()
    if not opts.enabled or not text:
        return text
    parts = re.split(r"([/\\])", text)
    return "".join(p if p in ("/", "\\") else _redact_name(p, opts) for p in parts)


#: Hex digits as letters, for pseudonyms that no number recognizer reads as digits.
_HEX_TO_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopabcdef")


def redact_text(text: str, options: RedactOptions | None = None) -> str:
    """Mask every piece of personal data in ``text`` (idempotent).

    Args:
        text: The text to redact.
        options: What to mask and how; defaults to everything, ``label`` style.

    Returns:
        The text with each match replaced, e.g. ``请拨[手机号]`` or ``请拨138****5678``.
    """
    opts = options or RedactOptions()
    if not opts.enabled or not text:
        return text
    out: list[str] = []
    pos = 0
    label = opts.style == "label"
    for m in find_pii(text, opts):
        out.append(text[pos : m.start])
        out.append(LABELS[m.kind] if label else _mask(m, opts.style))
        pos = m.end
    out.append(text[pos:])
    result = "".join(out)
    if _FILE_EXT_RE.search(result):
        result = _FILE_NAME_RE.sub(lambda m: _redact_name(m.group(0), opts), result)
    return result


def redact_value(value: Any, options: RedactOptions | None = None) -> Any:
    """``value`` with every string inside it redacted.

    ``value`` with every string inside it (dicts, lists, tuples) redacted; other
    values unchanged. For JSON columns, run summaries and event payloads.
    """
    if isinstance(value, str):
        return redact_text(value, options)
    if isinstance(value, dict):
        return {k: redact_value(v, options) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(v, options) for v in value)
    return value


class _RedactingFactory:
    """A log record factory that redacts each message as the record is made."""

    def __init__(self, inner: Callable[..., logging.LogRecord], options: RedactOptions) -> None:
        self.inner = inner
        self.options = options

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.inner(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: logging reports it, we must not fail
            return record
        record.msg, record.args = redact_text(message, self.options), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact_text(text, self.options)
        return record


def install_log_redaction(options: RedactOptions | None = None) -> None:
    """Redact every log message of this process when its record is made (idempotent).

    Every handler then sees masked text: the console, log files, and Prefect's API
    handler that stores flow and task logs in Prefect's database.
    """
    opts = options or RedactOptions()
    current = logging.getLogRecordFactory()
    if isinstance(current, _RedactingFactory):
        current.options = opts
        return
    if opts.enabled:
        logging.setLogRecordFactory(_RedactingFactory(current, opts))


def redact_as_logged(text: str) -> str:
    """``text`` masked as log messages are.

    ``text`` masked as the installed log redaction masks log messages (unchanged where
    none is installed): for text a log filter builds after the record was made.
    """
    factory = logging.getLogRecordFactory()
    if isinstance(factory, _RedactingFactory):
        return str(redact_text(text, factory.options))
    return text


def redact_segment(segment: Segment, options: RedactOptions | None = None) -> Segment:
    """A copy of ``segment`` with its text redacted."""
    return replace(segment, text=redact_text(segment.text, options))


_NUMBER_KINDS = (MOBILE, ID_CARD, BANK_CARD, LANDLINE)


def _has_digit(text: str) -> bool:
    return any(digit_at(text, k) is not None for k in range(len(text)))


def _mask_across(texts: list[str], opts: RedactOptions) -> list[str]:
    """Mask numbers that speech-to-text split over neighbouring segments.

    Mask numbers that speech-to-text split over neighbouring segments
    (``我电话是一三八一二三四`` | ``嗯`` | ``五六七八``): each part gets the label.
    """
    out = list(texts)
    for i in range(len(out) - 1):
        if not _has_digit(out[i][-8:]):
            continue
        for size in (2, 3):
            window = out[i : i + size]
            if len(window) < size or not _has_digit(window[-1][:8]):
                continue
            for k, spans in _window_edits(window, opts).items():
                text = window[k]
                for a, b, label in sorted(spans, reverse=True):
                    text = text[:a] + label + text[b:]
                out[i + k] = text
    return out


def _window_edits(window: list[str], opts: RedactOptions) -> dict[int, list[tuple[int, int, str]]]:
    """The masks of numbers that cross a boundary of ``window`` (segment -> spans)."""
    starts, pos = [], 0
    for t in window:
        starts.append(pos)
        pos += len(t) + 1
    joined = "，".join(window)
    edits: dict[int, list[tuple[int, int, str]]] = {}
    for m in find_pii(joined, opts):
        if m.kind not in _NUMBER_KINDS:
            continue
        parts = [
            (k, max(m.start, s0) - s0, min(m.end, s0 + len(window[k])) - s0)
            for k, s0 in enumerate(starts)
            if max(m.start, s0) < min(m.end, s0 + len(window[k]))
        ]
        if len(parts) > 1:  # only what crosses a segment boundary
            for k, a, b in parts:
                if _has_digit(window[k][a:b]):  # a filler turn between stays
                    edits.setdefault(k, []).append((a, b, _mask(m, opts.style)))
    return edits


def _number_masks(text: str, opts: RedactOptions) -> list[tuple[int, int, str]]:
    """The numbers in ``text`` and what replaces each (for :mod:`~qa_pipeline.pii.turns`)."""
    return [
        (m.start, m.end, _mask(m, opts.style))
        for m in find_pii(text, opts)
        if m.kind in _NUMBER_KINDS
    ]


def redact_transcript(transcript: Transcript, options: RedactOptions | None = None) -> Transcript:
    """A copy of ``transcript`` with its personal data masked.

    A copy of ``transcript`` with every segment's text redacted, including numbers
    split over neighbouring segments, and every other string field masked
    (:func:`qa_pipeline.pii.fields.redact_transcript_fields`: speakers, flags, options).
    """
    opts = options or RedactOptions()
    if not opts.enabled:
        return transcript
    texts = [s.text for s in transcript.segments]
    texts = turns.mask_split_numbers(texts, lambda t: _number_masks(t, opts))
    texts = _mask_across(texts, opts)
    if opts.name:
        texts = turns.mask_answered_names(texts, LABELS[NAME] if opts.style == "label" else "**")
    masked = replace(
        transcript,
        segments=tuple(
            replace(seg, text=redact_text(text, opts))
            for seg, text in zip(transcript.segments, texts, strict=True)
        ),
    )
    return redact_transcript_fields(masked, opts)


def redact_token(value: str, options: RedactOptions | None = None) -> str:
    """A structured value (a speaker label, a flag, an option, a manifest cell) masked.

    :func:`~qa_pipeline.pii.redact.redact_text` first, then the bare checks above:
    ``王建国`` → ``[姓名]``, ``zhangwei_1988`` → ``[微信号]``, ``low_level`` unchanged.
    """
    opts = options or RedactOptions()
    if not opts.enabled or not value:
        return value
    return mask_bare(redact_text(value, opts), opts)


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


def _redact_evidence(ev: Evidence, options: RedactOptions | None) -> Evidence:
    return replace(ev, text=redact_text(ev.text, options))


def redact_item(item: ItemResult, options: RedactOptions | None = None) -> ItemResult:
    """A copy of ``item`` with its reason and evidence quotes redacted."""
    return replace(
        item,
        reason=redact_text(item.reason, options),
        evidence=tuple(_redact_evidence(e, options) for e in item.evidence),
    )


def redact_score(score: CallScore, options: RedactOptions | None = None) -> CallScore:
    """A copy of ``score`` with every reason, evidence quote and error message redacted."""
    return replace(
        score,
        items=tuple(redact_item(it, options) for it in score.items),
        errors=tuple(redact_text(e, options) for e in score.errors),
    )
