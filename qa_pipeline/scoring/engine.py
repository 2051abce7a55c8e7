"""``score_call``: apply a rubric to one transcript, with evidence and the standard's arithmetic."""

from __future__ import annotations

import logging

from qa_pipeline.models import (
    AGENT,
    CALLER,
    UNKNOWN,
    CallScore,
    Evidence,
    ItemResult,
    Status,
    Transcript,
)
from qa_pipeline.rubric.schema import AppliesWhen, Item, RubricModel
from qa_pipeline.scoring.base import Outcome, review
from qa_pipeline.scoring.confidence import (
    ConfidenceModel,
    features,
    is_decided,
    item_threshold,
    load_model,
)
from qa_pipeline.scoring.context import CallContext, build_context
from qa_pipeline.scoring.options import ScoringOptions, for_rubric
from qa_pipeline.scoring.registry import CHECKS
from qa_pipeline.scoring.search import could_say
from qa_pipeline.scoring.timing import holds

log = logging.getLogger(__name__)


def _hung_up(ctx: CallContext) -> bool:
    """Whether the caller hung up upset.

    Caller ended the call upset: last turn is the caller's, not a goodbye, within
    ``hangup_window_s`` of a caller turn showing negative emotion, no agent turn after it.
    """
    if not ctx.segs or ctx.segs[-1].speaker != CALLER:
        return False
    last = ctx.segs[-1]
    bye = ctx.cr.phrases(ctx.cr.rubric.knowledge.emotion.goodbye)
    if any(b in last.norm for b in bye):
        return False
    return any(
        neg and s.speaker == CALLER and last.start - s.end <= ctx.opts.hangup_window_s
        for s, neg in zip(ctx.segs, ctx.negative, strict=True)
    )


def applies(ctx: CallContext, item: Item) -> tuple[bool | None, str]:
    """Whether ``item`` applies to the call (``None``: cannot tell), and why not."""
    a = item.applies_when
    reason = _call_excludes(ctx, a)
    if reason is None:
        reason = _caller_excludes(ctx, a)
    if reason is not None:
        return False, reason
    if a.silent_gap is not None:
        if not ctx.has_times:
            return None, ctx.msg("no_times_hold")
        gap = float(getattr(item.check, "min_gap_s", ctx.opts.min_gap_s))
        if bool(holds(ctx, gap)) != a.silent_gap:
            return False, ctx.msg("no_gap" if a.silent_gap else "gap_present")
    return True, ""


def _call_excludes(ctx: CallContext, a: AppliesWhen) -> str | None:
    """Why the call's topics, type or silent caller rule ``a`` out (``None``: they don't)."""
    t = ctx.transcript
    if a.topics and not ctx.topics.intersection(a.topics):
        names = [ctx.cr.rubric.knowledge.topics[k].name for k in a.topics]
        return ctx.msg("not_about", topic="/".join(names))
    if a.call_types and t.call_type and t.call_type not in a.call_types:
        return ctx.msg("call_type", t=t.call_type)
    if a.not_call_types and t.call_type in a.not_call_types:
        return ctx.msg("call_type", t=t.call_type)
    if a.needs_caller_speech and not any(s.speaker == CALLER for s in ctx.segs):
        return ctx.msg("caller_silent")
    return None


def _caller_excludes(ctx: CallContext, a: AppliesWhen) -> str | None:
    """Why what the caller says, the call's length or the caller's mood rule ``a`` out."""
    if a.not_if_caller_says:
        hit = ctx.mentions(ctx.cr.phrases(a.not_if_caller_says), CALLER)
        if hit is not None:
            return ctx.msg("caller_says", where=ctx.where(hit), quote=hit.text.strip()[:30])
    if a.min_call_s is not None and ctx.has_times and ctx.call_end < a.min_call_s:
        return ctx.msg("short_call", s=f"{a.min_call_s:g}")
    if a.caller_emotion == "negative" and ctx.first_negative() is None:
        return ctx.msg("no_negative")
    if a.not_if_caller_hung_up and _hung_up(ctx):
        return ctx.msg("hung_up")
    return None


def _finalise(ctx: CallContext, item: Item, out: Outcome, threshold: float) -> Outcome:
    if out.status is not Status.FAIL:
        return out
    low = [s for s in out.hinge if s.conf is not None and s.conf < threshold]
    if out.absent is None:  # something was said: one clearly heard hit is enough
        low = low if len(low) == len(out.hinge) else []
    elif out.absent:  # something is missing: only a segment that could be it misheard
        low = [s for s in low if could_say(s.norm, out.absent, ctx.opts.sound_alike_min_len)]
    if low:
        worst = min(s.conf for s in low if s.conf is not None)
        return Outcome(
            Status.REVIEW,
            ctx.msg("low_conf", reason=out.reason, c=f"{worst:.2f}"),
            out.evidence,
        )
    if "non_utf8" in ctx.transcript.flags:
        return Outcome(Status.REVIEW, ctx.msg("non_utf8", reason=out.reason), out.evidence)
    if ctx.has_unknown and not out.evidence and item.speaker != "any":
        return Outcome(Status.REVIEW, ctx.msg("unattributed", reason=out.reason), ())
    return out


#: check kinds whose ``pass`` asserts that something was never said
ABSENCE_KINDS = frozenset({"hostility", "phrase_absent"})
#: a slow conversational pace, characters a second (the count of lost characters)
SLOW_PACE = 3.0


def _unheard(ctx: CallContext, item: Item, out: Outcome, options: ScoringOptions) -> Outcome:
    """A critical absence that passes over agent speech recognition lost → ``review``.

    "No hostile word was said" holds only for the words that were transcribed: a
    recognised segment with far fewer characters than its length (a decoder that lost
    the thread, 「走了,走了」 over five seconds) may have held one.
    """
    rate = options.unheard_chars_per_s
    if not (item.critical and out.status is Status.PASS and rate > 0 and ctx.has_times):
        return out
    if item.check.kind not in ABSENCE_KINDS:
        return out
    for s in ctx.segs:
        dur = s.end - s.start
        if s.speaker != item.speaker or s.conf is None or dur < options.unheard_min_s:
            continue
        chars = sum(1 for c in s.text if c.isalnum())
        if chars < rate * dur and SLOW_PACE * dur - chars >= options.unheard_min_lost:
            text = ctx.msg("unheard", reason=out.reason, where=ctx.where(s), s=f"{dur:.1f}")
            return Outcome(Status.REVIEW, text, (s,))
    return out


def _evidence(ctx: CallContext, out: Outcome) -> tuple[Evidence, ...]:
    return tuple(
        Evidence(
            speaker=s.speaker,
            start=s.start if ctx.has_times else None,
            end=s.end if ctx.has_times else None,
            text=s.text,
            segment_index=s.index,
        )
        for s in dict.fromkeys(out.evidence)
    )


def _decide(ctx: CallContext, item: Item, options: ScoringOptions) -> tuple[Outcome, str | None]:
    """The item's outcome after the engine's rules; a check that raises → review + error."""
    try:
        ok, why = applies(ctx, item)
        if not ctx.segs:
            return review(ctx.msg("no_segments")), None
        if all(s.speaker == UNKNOWN for s in ctx.segs):
            return review(ctx.msg("no_speakers")), None
        if ok is False:
            return Outcome(Status.NA, why), None
        if ok is None:
            return review(why), None
        out = CHECKS[item.check.kind](ctx, item, item.check)
        out = _unheard(ctx, item, out, options)
        return _finalise(ctx, item, out, options.low_confidence), None
    except Exception as exc:  # one failing check must not lose the call
        log.exception("check %s failed on call %s", item.id, ctx.transcript.call_id)
        return review(ctx.msg("check_error", err=exc)), f"{item.id}: {type(exc).__name__}: {exc}"


def _confident(
    ctx: CallContext, item: Item, out: Outcome, options: ScoringOptions
) -> tuple[Outcome, float | None]:
    """The verdict's confidence; under the item's threshold (gate on) the verdict → review."""
    model = ctx.cache.get("confidence.model")
    if not isinstance(model, ConfidenceModel) or not is_decided(out.status):
        return out, None
    p = model.probability(features(ctx, item, out))
    threshold, _ = item_threshold(model, item, options.min_precision)
    if options.confidence_gate and p < threshold:
        text = ctx.msg("verdict_conf", reason=out.reason, c=f"{p:.2f}", t=f"{threshold:.2f}")
        return Outcome(Status.REVIEW, text, out.evidence), p
    return out, p


def score_item(
    ctx: CallContext, item: Item, options: ScoringOptions
) -> tuple[ItemResult, str | None]:
    """Decide one item; a check that raises becomes ``review`` with the error returned."""
    out, error = _decide(ctx, item, options)
    out, confidence = _confident(ctx, item, out, options)
    critical = _zeroes(item, out)
    if options.confirm_critical and critical:
        # a proposal: in review, still marked critical (the queue puts it first), and
        # the call is not zeroed until a person confirms it
        out = Outcome(Status.REVIEW, ctx.msg("confirm_critical", reason=out.reason), out.evidence)
    result = ItemResult(
        item_id=item.id,
        status=out.status,
        points=item.points,
        reason=out.reason,
        evidence=_evidence(ctx, out),
        critical_failed=critical,
        name=item.name,
        dimension=item.dimension,
        confidence=confidence,
    )
    return result, error


def _zeroes(item: Item, out: Outcome) -> bool:
    """Whether ``out`` is a critical fail of ``item`` (一票否决)."""
    return (
        out.status is Status.FAIL
        and item.critical
        and (out.critical if out.critical is not None else True)
    )


def _prepare(
    transcript: Transcript, rubric: RubricModel, options: ScoringOptions | None
) -> tuple[CallContext, ScoringOptions]:
    """The call's context and the options with the rubric's ``scoring:`` applied."""
    opts = for_rubric(rubric, options)
    ctx = build_context(transcript, rubric, opts)
    ctx.cache["confidence.model"] = load_model(opts.confidence_model)
    if opts.emotion_model_path is not None:
        from qa_pipeline.scoring.emotion_model import classifier_negative

        classifier_negative(
            ctx, opts.emotion_model_path, opts.emotion_negative_labels, opts.emotion_threshold
        )
    return ctx, opts


def raw_verdicts(
    transcript: Transcript, rubric: RubricModel, options: ScoringOptions | None = None
) -> list[tuple[Item, Status, bool, list[float]]]:
    """Each item's verdict before the confidence gate, with its confidence features.

    What ``qa eval calibrate`` fits the confidence model on: ``(item, status, critical
    fail, features)`` per item.
    """
    ctx, opts = _prepare(transcript, rubric, options)
    out = []
    for item in rubric.items:
        outcome, _ = _decide(ctx, item, opts)
        out.append((item, outcome.status, _zeroes(item, outcome), features(ctx, item, outcome)))
    return out


def score_call(
    transcript: Transcript, rubric: RubricModel, options: ScoringOptions | None = None
) -> CallScore:
    """Score one call against a rubric.

    Args:
        transcript: The call (segments may lack timestamps, speakers or confidence).
        rubric: A validated rubric (:func:`qa_pipeline.rubric.load_rubric`).
        options: Engine knobs; defaults when ``None``.

    Returns:
        A :class:`CallScore` with one :class:`ItemResult` per rubric item, in rubric
        order. ``score`` = 100 × pass points / (pass + fail points), 0 on any critical
        fail, ``None`` when nothing was decided. Never raises on a bad transcript.
    """
    errors: list[str] = []
    ctx, opts = _prepare(transcript, rubric, options)
    results = []
    for item in rubric.items:
        res, err = score_item(ctx, item, opts)
        results.append(res)
        if err:
            errors.append(err)
    earned = sum(r.points for r in results if r.status is Status.PASS)
    decided = earned + sum(r.points for r in results if r.status is Status.FAIL)
    critical = any(r.critical_failed and r.status is Status.FAIL for r in results)
    score: float | None = None
    if decided > 0:
        score = 0.0 if critical else 100.0 * earned / decided
    elif critical:
        score = 0.0
    return CallScore(
        call_id=transcript.call_id,
        rubric_id=rubric.id,
        rubric_version=rubric.version,
        rubric_sha256=rubric.sha256,
        score=score,
        grade=None if score is None else rubric.grade(score),
        critical_failed=critical,
        items=tuple(results),
        agent_id=transcript.agent_id,
        team=transcript.team,
        started_at=transcript.started_at,
        call_type=transcript.call_type,
        asr_model=transcript.asr_model,
        errors=tuple(errors),
    )


__all__ = ["AGENT", "ScoringOptions", "applies", "raw_verdicts", "score_call", "score_item"]
