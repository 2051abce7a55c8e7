"""Text clean-up after Whisper: Simplified Chinese and a hallucination guard.

Whisper invents text: stock phrases from subtitled video (「请不吝点赞 订阅 转发 打赏」,
「字幕由…提供」, "Thanks for watching"), repetition loops, text over silence, and echoes of
the initial prompt or the hotwords hint. The guard drops such segments (the transcript is
flagged, nothing is dropped silently) and collapses repetition loops inside a segment.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from qa_pipeline.asr.correct import correct_terms as restore_terms
from qa_pipeline.asr.vocabulary import leaks_hotwords
from qa_pipeline.lang import to_simplified  # the package's one copy
from qa_pipeline.lang.simplified import yao_to_me

#: Flags the guard sets on transcripts and segments.
FLAG_DROPPED = "hallucination_dropped"
FLAG_REPETITION = "repetition_collapsed"
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAG_TERMS_RESTORED = "terms_restored"
_STOCK_PATTERNS = (
    r"请不吝点赞",
    r"点赞.{0,3}订阅.{0,3}转发",
    r"订阅.{0,4}(频道|我的)",
    r"字幕.{0,12}(提供|制作|校对|翻译)",
    r"(由|by).{0,10}(字幕组|amara)",
    r"中文字幕",
    r"感谢.{0,4}(观看|收看|收听)",
    r"谢谢.{0,4}(观看|收看|收听)",
    r"明镜与点点",
    r"本节目",
    r"thanks? (you )?for watching",
    r"please subscribe",
    r"subtitles? by",
    r"like and subscribe",
)
_STOCK = re.compile("|".join(_STOCK_PATTERNS), re.IGNORECASE)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_REPEAT = re.compile(r"(.{1,12}?)\1{3,}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class GuardOptions:
    """Thresholds of the hallucination guard.

    Attributes:
        silence_dbfs: A segment whose channel is quieter than this (RMS) is text over
            silence.
        no_speech_prob: Drop when the model's no-speech probability is above this and the
            average log-probability below ``min_avg_logprob`` (Whisper's own rule)...
        min_avg_logprob: ...see above.
        certain_no_speech: ...or when no-speech probability alone is above this.
        low_confidence: Segments under this confidence get a ``low_confidence`` flag.
    """

    silence_dbfs: float = -55.0
    no_speech_prob: float = 0.6
    min_avg_logprob: float = -1.0
    certain_no_speech: float = 0.9
    low_confidence: float = 0.35


def collapse_repetitions(text: str) -> tuple[str, bool]:
    """Collapse a unit repeated 4+ times in a row to one (Whisper's loops)."""
    new = _REPEAT.sub(r"\1", text)
    return new, new != text


def is_stock_phrase(text: str) -> bool:
    """Whether ``text`` contains a phrase Whisper invents from subtitled video."""
    return bool(_STOCK.search(text))


def leaks_prompt(text: str, prompt: str | None, min_chars: int = 4) -> bool:
    """Whether ``text`` echoes the initial prompt (a run of ``min_chars`` of it, or all)."""
    if not prompt:
        return False
    t, p = _PUNCT.sub("", text), _PUNCT.sub("", prompt)
    if not t or not p:
        return False
    if t in p:
        return True
    n = min(min_chars, len(p))
    return any(p[i : i + n] in t for i in range(len(p) - n + 1))


def confidence(
    avg_logprob: float, no_speech_prob: float, word_probability: float | None = None
) -> float:
    """Segment confidence 0..1: token probability times the speech probability.

    The token probability is the mean probability of the segment's own words when word
    timings are available (a turn in a packed window gets its own figure), else
    ``exp(avg_logprob)`` of the whole decoded window.
    """
    token_p = word_probability if word_probability is not None else math.exp(min(0.0, avg_logprob))
    value = token_p * (1.0 - min(max(no_speech_prob, 0.0), 1.0))
    return max(0.0, min(1.0, value))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the guard decided for one segment: ``text`` is ``None`` when dropped."""

    text: str | None
    reason: str | None
    flags: tuple[str, ...]
    confidence: float


def check_segment(
    text: str,
    *,
    avg_logprob: float,
    no_speech_prob: float,
    level_dbfs: float,
    language: str | None,
    prompt: str | None,
    options: GuardOptions | None = None,
    word_probability: float | None = None,
    hotwords: str | None = None,
    correct_terms: str | None = None,
) -> Verdict:
    """Clean one segment's text and decide whether it is real speech.

    Args:
        text: Decoded text.
        avg_logprob: Whisper's average token log-probability.
        no_speech_prob: Whisper's no-speech probability of the window.
        level_dbfs: RMS level of the speaker's channel under the segment.
        language: Language of the call (``zh`` gets OpenCC tw2s).
        prompt: The initial prompt the decoder saw, if any.
        options: Guard thresholds.
        word_probability: Mean probability of the segment's words, when known.
        hotwords: The hotwords hint the decoder saw, if any (a copy of it is dropped).
        correct_terms: Domain terms (joined with 、) to restore where the text sounds like
            them (:mod:`qa_pipeline.asr.correct`); the segment is flagged.

    Returns:
        The verdict: cleaned text or ``None`` with the reason.
    """
    opts = options or GuardOptions()
    conf = confidence(avg_logprob, no_speech_prob, word_probability)
    clean = text.strip()
    if language is None or language.startswith("zh"):
        # Whisper writes 什幺 at times itself, also where nothing is Traditional
        clean = yao_to_me(to_simplified(clean, taiwan=True))
    flags: list[str] = []
    clean, repeated = collapse_repetitions(clean)
    if repeated:
        flags.append(FLAG_REPETITION)
    if not _PUNCT.sub("", clean):
        return Verdict(None, "empty", (), conf)
    if level_dbfs < opts.silence_dbfs:
        return Verdict(None, "text over silence", (), conf)
    if no_speech_prob > opts.certain_no_speech or (
        no_speech_prob > opts.no_speech_prob and avg_logprob < opts.min_avg_logprob
    ):
        return Verdict(None, "no speech", (), conf)
    if is_stock_phrase(clean):
        return Verdict(None, "stock phrase", (), conf)
    if leaks_prompt(clean, prompt):
        return Verdict(None, "initial prompt leak", (), conf)
    if leaks_hotwords(clean, hotwords):
        return Verdict(None, "hotwords leak", (), conf)
    if correct_terms:
        clean, restored = restore_terms(clean, correct_terms)
        if restored:
            flags.append(FLAG_TERMS_RESTORED)
    if conf < opts.low_confidence:
        flags.append(FLAG_LOW_CONFIDENCE)
    return Verdict(clean, None, tuple(flags), conf)
