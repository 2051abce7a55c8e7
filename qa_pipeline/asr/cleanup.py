"""Text clean-up after Whisper: Simplified Chinese and a hallucination guard.

Whisper invents text: stock phrases from subtitled video (「请不吝点赞 订阅 转发 打赏」,
「字幕由…提供」, "Thanks for watching"), repetition loops, text over silence, and echoes of
the initial prompt or the hotwords hint. The guard drops such segments (the transcript is
flagged, nothing is dropped silently) and collapses repetition loops inside a segment.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from pathlib import Path

from qa_pipeline.asr.correct import correct_terms as restore_terms
from qa_pipeline.asr.vocabulary import leaks_hotwords
from qa_pipeline.errors import ConfigError
from qa_pipeline.lang import to_simplified  # the package's one copy
from qa_pipeline.lang.simplified import yao_to_me

#: Flags the guard sets on transcripts and segments.
FLAG_DROPPED = "hallucination_dropped"
FLAG_REPETITION = "repetition_collapsed"
FLAG_LOW_CONFIDENCE = "low_confidence"
FLAG_TERMS_RESTORED = "terms_restored"
_CLEANUP_FILE = Path(__file__).with_name("cleanup_zh.yaml")


@functools.cache
def stock_patterns() -> tuple[str, ...]:
    """The stock-phrase regexes of ``cleanup_zh.yaml``, read and checked once.

    Returns:
        The ``stock_patterns`` list, as written in the file.

    Raises:
        ConfigError: The file is missing, not YAML, ``stock_patterns`` is not a list of
            non-empty strings, or one of them does not compile; the message names the file.
    """
    import yaml

    path = _CLEANUP_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read clean-up patterns: {exc}") from exc
    value = data.get("stock_patterns") if isinstance(data, dict) else None
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{path}: 'stock_patterns' must be a list of non-empty strings")
    for pattern in value:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{path}: stock_patterns: {pattern!r} is not a regex: {exc}") from exc
    return tuple(value)


_STOCK_PATTERNS = stock_patterns()
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
    reason = _drop_reason(clean, avg_logprob, no_speech_prob, level_dbfs, opts)
    if reason is None:
        reason = _leak_reason(clean, prompt, hotwords)
    if reason is not None:
        return Verdict(None, reason, (), conf)
    if correct_terms:
        clean, restored = restore_terms(clean, correct_terms)
        if restored:
            flags.append(FLAG_TERMS_RESTORED)
    if conf < opts.low_confidence:
        flags.append(FLAG_LOW_CONFIDENCE)
    return Verdict(clean, None, tuple(flags), conf)


def _drop_reason(
    clean: str,
    avg_logprob: float,
    no_speech_prob: float,
    level_dbfs: float,
    opts: GuardOptions,
) -> str | None:
    """Why a segment is not speech (empty, over silence, no speech), or ``None``."""
    if not _PUNCT.sub("", clean):
        return "empty"
    if level_dbfs < opts.silence_dbfs:
        return "text over silence"
    if no_speech_prob > opts.certain_no_speech or (
        no_speech_prob > opts.no_speech_prob and avg_logprob < opts.min_avg_logprob
    ):
        return "no speech"
    return None


def _leak_reason(clean: str, prompt: str | None, hotwords: str | None) -> str | None:
    """Why a segment is invented text (stock phrase, prompt or hotwords echo), or ``None``."""
    if is_stock_phrase(clean):
        return "stock phrase"
    if leaks_prompt(clean, prompt):
        return "initial prompt leak"
    if leaks_hotwords(clean, hotwords):
        return "hotwords leak"
    return None
