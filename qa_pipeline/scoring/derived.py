"""Derived facts of a call, computed once before the checks: topics, upset caller turns.

Topics: a topic word said (after homophone repair), or heard wrong (契税 → 七岁) and
backed by the topic's own knowledge words. Upset turns: the rubric's stock words and
patterns, the language pack's plain-word distress, negation and calm statements, and
loud agitated turns from the audio metrics.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qa_pipeline.models import AGENT, CALLER, Transcript
from qa_pipeline.rubric.schema import Conditions, MaterialsList, RateTable, RubricModel
from qa_pipeline.scoring.text import fuzzy_key

if TYPE_CHECKING:
    from qa_pipeline.scoring.context import CallContext, Seg


def derive(ctx: CallContext) -> None:
    """Fill ``ctx.topics`` and ``ctx.negative``."""
    cr = ctx.cr
    for key, topic in cr.rubric.knowledge.topics.items():
        with_ok = not topic.with_any or ctx.mentions(cr.phrases(topic.with_any))
        if with_ok and (_said(ctx, cr.phrases(topic.any)) or _heard_topic(ctx, key)):
            ctx.topics.add(key)
    arousal = ctx.opts.arousal_db
    loud = _loud_caller_turns(ctx.transcript, ctx.segs, arousal) if ctx.has_times else set()
    ctx.negative = [False] * len(ctx.segs)
    for i in _upset_caller_turns(ctx) | loud | _soothed_caller_turns(ctx):
        ctx.negative[i] = True


def _corroborating(rubric: RubricModel, topic: str) -> list[str]:
    """The words that make a topic on their own.

    Words of the topic (its ``with_any`` words, its knowledge tables' words) that no
    other topic's tables use; its ``weak`` words never back themselves.
    """
    know = rubric.knowledge
    t = know.topics[topic]
    mine: list[str] = list(t.with_any)
    others: set[str] = set()
    tables: list[RateTable | MaterialsList | Conditions] = [
        *know.rates.values(),
        *know.materials.values(),
        *know.conditions.values(),
    ]
    for table in tables:
        words: list[str] = []
        if isinstance(table, RateTable):
            words = [w for ws in table.cases.values() for w in ws]
        elif isinstance(table, MaterialsList):
            words = [w for m in table.items for w in m.any]
        elif isinstance(table, Conditions):
            words = [w for ws in table.conditions.values() for w in ws]
        if table.topic == topic:
            mine.extend(words)
        else:
            others.update(words)
    return [w for w in dict.fromkeys(mine) if w not in others and w not in t.weak]


def _said(ctx: CallContext, phrases: tuple[str, ...]) -> bool:
    """Whether a topic word is said as written.

    A topic word as said: somewhere it reads so without homophone repair (汽水 repaired
    to 契税 is only heard, and needs the topic's knowledge words like a misheard word).
    """
    if not phrases or ctx.mentions(phrases) is None:
        return False
    rx = _alternation(ctx.cr, phrases)
    for s in ctx.segs:
        for m in rx.finditer(s.norm):
            if not s.sound_alike(*m.span()):
                return True
    return False


def _heard_topic(ctx: CallContext, topic: str) -> bool:
    """Whether a topic is heard but not said, and backed by its knowledge words.

    A topic heard but not said: a sound-alike or a generic word (税率) of the topic,
    backed by at least ``topic_corroboration`` of the topic's own knowledge words.
    """
    cr = ctx.cr
    t = cr.rubric.knowledge.topics[topic]
    weak = ctx.mentions(cr.phrases(t.weak)) if t.weak else None
    sound = ctx.mentions(cr.phrases(t.any))  # present only as repaired sound-alikes
    if weak is None and sound is None:
        return _misheard_topic(ctx, topic)
    return _corroborated(ctx, topic)


def _corroborated(ctx: CallContext, topic: str) -> bool:
    cr = ctx.cr
    key = ("corroborate", topic)
    words = cr._specs.get(key)
    if words is None:
        words = cr._specs[key] = cr.phrases(_corroborating(cr.rubric, topic))
    joined, _ = ctx.joined("any")
    return sum(1 for w in words if w in joined) >= ctx.opts.topic_corroboration


def topic_evidence(ctx: CallContext, topic: str) -> tuple[int, int, bool]:
    """How much of ``topic`` the call holds, whether or not it made the topic.

    Returns:
        ``(topic words found, the topic's own knowledge words found, a topic word's fuzzy
        pinyin occurs)`` — the evidence strength a verdict's confidence reads
        (``scoring/confidence.py``). Cached per call.
    """
    key = "topic_evidence." + topic
    hit = ctx.cache.get(key)
    if hit is None:
        cr = ctx.cr
        joined, _ = ctx.joined("any")
        # distinct words found, one regex pass each (leftmost-longest matches)
        words = cr.phrases(cr.rubric.knowledge.topics[topic].any)
        said = len(set(_alternation(cr, words).findall(joined))) if words else 0
        ck = ("corroborate", topic)
        own = cr._specs.get(ck)
        if own is None:
            own = cr._specs[ck] = cr.phrases(_corroborating(cr.rubric, topic))
        known = len(set(_alternation(cr, own).findall(joined))) if own else 0
        hit = ctx.cache[key] = (said, known, said > 0 or _sounds_like_topic(ctx, topic))
    return hit  # type: ignore[return-value]


def _sounds_like_topic(ctx: CallContext, topic: str) -> bool:
    """Whether a topic word's fuzzy pinyin occurs in the call (zh only)."""
    cr = ctx.cr
    if not cr.language.startswith("zh"):
        return False
    text = ctx.cache.get("fuzzy_key")
    if text is None:
        text = ctx.cache["fuzzy_key"] = fuzzy_key(ctx.joined("any")[0])
    tkey = ("topic_keys", topic)
    keys = cr._specs.get(tkey)
    if keys is None:
        terms = cr.phrases(cr.rubric.knowledge.topics[topic].any)
        keys = cr._specs[tkey] = tuple(fuzzy_key(t) for t in terms if len(t) >= 2)
    return any(k in text for k in keys)  # type: ignore[operator, union-attr]


def _misheard_topic(ctx: CallContext, topic: str) -> bool:
    """Whether a topic word is heard wrong and backed by its knowledge words.

    A topic word heard wrong (契税 → 七岁): its fuzzy pinyin occurs in the call and at
    least ``topic_corroboration`` (an option) words of the topic's own knowledge tables (首套,
    购房合同, 半年 …) are said, so one stray sound-alike never makes a topic.
    """
    cr = ctx.cr
    if not cr.language.startswith("zh"):
        return False
    joined, _ = ctx.joined("any")
    text = ctx.cache.get("fuzzy_key")
    if text is None:
        text = ctx.cache["fuzzy_key"] = fuzzy_key(joined)
    tkey = ("topic_keys", topic)
    keys = cr._specs.get(tkey)
    if keys is None:
        terms = cr.phrases(cr.rubric.knowledge.topics[topic].any)
        keys = cr._specs[tkey] = tuple(fuzzy_key(t) for t in terms if len(t) >= 2)
    if not any(k in text for k in keys):  # type: ignore[operator]
        return False
    return _corroborated(ctx, topic)


def _alternation(cr: Any, phrases: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a phrase list (longest first; cached per rubric)."""
    key = ("alternation", phrases)
    rx = cr._specs.get(key)
    if rx is None:
        words = sorted(set(phrases), key=len, reverse=True)
        rx = cr._specs[key] = re.compile("|".join(map(re.escape, words)) or "(?!)")
    return rx  # type: ignore[no-any-return]


def _upset_caller_turns(ctx: CallContext) -> set[int]:
    """Caller segments that show negative emotion in words.

    The rubric's stock words and patterns, and the language pack's plain-word distress
    (睡不着, 跑了四趟, 可真高啊 …); an emotion word right after a negation (我倒也不生气)
    does not count, and a turn that says the caller is calm (其实我们俩倒不急) is not upset.
    """
    cr = ctx.cr
    know = cr.rubric.knowledge.emotion
    pack = cr.pack
    phrases = cr.phrases(know.negative)
    rx = [cr.regex(p) for p in know.patterns] + [cr.regex(p) for p in pack.distress]
    words_rx = _alternation(cr, phrases)
    calm = cr.phrases(list(pack.calm))
    negs = pack.emotion_negations
    out: set[int] = set()
    for s in ctx.candidates(ctx.of(CALLER), phrases, rx):
        text = s.norm
        if any(c in text for c in calm):
            continue
        starts = (m.start() for r in (words_rx, *rx) for m in r.finditer(text))
        if any(not any(text[max(0, a - 2) : a].endswith(n) for n in negs) for a in starts):
            out.add(s.index)
    return out


def soothes(ctx: CallContext, seg: Seg) -> bool:
    """Whether ``seg`` says one of the language pack's ``soothing`` wordings."""
    return any(ctx.cr.regex(p).search(seg.norm) for p in ctx.cr.pack.soothing)


def _soothed_caller_turns(ctx: CallContext) -> set[int]:
    """Caller segments the agent answers as upset (理解您的心情, 您先别着急).

    When recognition garbles the caller's words, the agent's reply is what is left of
    their distress: the caller's last segment before an agent segment with one of the
    language pack's ``soothing`` wordings counts as upset.
    """
    if not ctx.cr.pack.soothing:
        return set()
    out: set[int] = set()
    last_caller: int | None = None
    for s in ctx.segs:
        if s.speaker == CALLER:
            last_caller = s.index
        elif s.speaker == AGENT and last_caller is not None and soothes(ctx, s):
            out.add(last_caller)
    return out


def _loud_caller_turns(
    transcript: Transcript, segs: list[Seg], arousal_db: float | None
) -> set[int]:
    """Caller segments spoken much louder and with more pitch movement than the caller's norm."""
    m = transcript.metrics
    if m is None or not m.turns or arousal_db is None:
        return set()
    turns = [t for t in m.turns if t.speaker == CALLER]
    if len(turns) < 3:
        return set()
    levels = sorted(t.rms_db for t in turns)
    median = levels[len(levels) // 2]
    stds = sorted(t.pitch_hz_std for t in turns if t.pitch_hz_std is not None)
    pitch_median = stds[len(stds) // 2] if stds else None
    out: set[int] = set()
    for t in turns:
        if t.rms_db < median + arousal_db:
            continue
        if (
            pitch_median is not None
            and t.pitch_hz_std is not None
            and t.pitch_hz_std < pitch_median
        ):
            continue
        for s in segs:
            if s.speaker == CALLER and min(s.end, t.end) - max(s.start, t.start) > 0.5 * (
                t.end - t.start
            ):
                out.add(s.index)
    return out
