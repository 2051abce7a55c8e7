"""``ScoringOptions``: every threshold of the scoring engine, in one place.

Defaults here; a rubric may set any of them under ``scoring:`` (tuned to its standard);
the deployment may set any of them with ``QA_SCORING`` (JSON), which wins over the rubric.
A wrong name or type stops with a message naming the source and the field.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from qa_pipeline.errors import ConfigError

#: The verdict-confidence model shipped with the package (``qa eval calibrate`` writes it).
DEFAULT_MODEL = Path(__file__).parent / "data" / "confidence.json"


@dataclass(frozen=True, slots=True)
class ScoringOptions:
    """Knobs of the scoring engine.

    Attributes:
        low_confidence: A ``fail`` that hinges on a segment transcribed below this
            confidence becomes ``review`` (when those words could change the verdict).
        arousal_db: A caller turn this many dB louder than the caller's median turn (with
            above-median pitch movement) counts as agitated; ``None`` turns it off.
        emotion_model_path: Optional local transformers text-classification model that
            also marks caller turns negative; off (``None``) by default.
        emotion_negative_labels: Classifier labels that mean negative emotion.
        emotion_threshold: Minimum classifier probability for those labels.
        hangup_window_s: The caller "hung up upset" when their last turn comes within
            this many seconds of an upset caller turn (the standard's 20 s).
        chars_per_s: Speaking rate that estimates times for transcripts without them.
        fuzzy_min_len: Phrases this long or longer also match approximately (a dropped
            or extra character) in positive checks.
        fuzzy_cutoff: Similarity (0–100) that approximate matching needs.
        negation_window: Characters before a required material searched for 不用/不需要.
        subject_lookback: Characters before forbidden wording searched for its subject.
        reported_lookback: Characters before forbidden wording searched for a
            reported-speech cue (你是说 …).
        sound_alike_min_len: A missing phrase this long may be "heard" in a
            low-confidence segment with one syllable wrong (shorter: exact pinyin).
        topic_corroboration: Knowledge words that must back a misheard topic word.
        min_gap_s: A hold for ``applies_when.silent_gap`` when the item's check has no
            ``min_gap_s`` of its own.
        exact_sound_min_len: On a critical item, a turn whose fuzzy pinyin holds
            forbidden wording this long (other characters, same sounds) is ``review``
            at any confidence (``scoring/misheard.py``); 0 turns this off.
        two_wrong_len: Forbidden wording this long may be heard with two syllables wrong
            in a low-confidence turn (shorter, from ``sound_alike_min_len``: one).
        confidence_model: JSON file of the verdict-confidence model
            (``scoring/confidence.py``; default: the one shipped in the package);
            ``None``: no confidence on verdicts.
        confidence_gate: A decided verdict whose confidence is under its item's
            threshold goes to ``review``; false: the confidence is only reported.
        min_precision: Share of an item's decided verdicts that must be right, for
            items without their own ``min_precision``; sets the item's threshold.
        confirm_critical: A critical fail (一票否决) the machine finds is a proposal: it
            goes to ``review`` for a person to confirm, whatever its confidence. ``False``
            lets the machine decide it like any other verdict.
        unheard_chars_per_s: A recognised segment of at least ``unheard_min_s`` whose
            text has fewer characters a second than this lost most of its words
            (conversational Mandarin runs at 3–5 a second): a critical item that
            asserts an absence (no hostility, no forbidden phrase) cannot pass over it
            and goes to ``review``. ``0`` turns the rule off.
        unheard_min_s: The shortest segment the rule above looks at.
        unheard_min_lost: ...and only when at least this many characters are missing
            against a slow pace of 3 a second (room for a short hostile phrase; a slow
            「您好……请讲」 over three seconds is not lost speech).
        gap_margin_s: A silence measured on the audio counts as longer than a hold
            threshold (``min_gap_s``, ``long_gap_s``) only by more than this: the energy
            measure misses the quiet edges of speech and reads silences long.
    """

    low_confidence: float = 0.6
    arousal_db: float | None = 6.0
    emotion_model_path: Path | None = None
    emotion_negative_labels: tuple[str, ...] = ("negative", "anger", "angry", "sad", "fear")
    emotion_threshold: float = 0.7
    hangup_window_s: float = 20.0
    chars_per_s: float = 4.3
    fuzzy_min_len: int = 5
    fuzzy_cutoff: float = 88.0
    negation_window: int = 4
    subject_lookback: int = 5
    reported_lookback: int = 16
    sound_alike_min_len: int = 4
    topic_corroboration: int = 2
    min_gap_s: float = 10.0
    exact_sound_min_len: int = 3
    two_wrong_len: int = 7
    confidence_model: Path | None = DEFAULT_MODEL
    confidence_gate: bool = True
    min_precision: float = 0.97
    confirm_critical: bool = True
    unheard_chars_per_s: float = 1.5
    unheard_min_s: float = 3.0
    unheard_min_lost: int = 6
    gap_margin_s: float = 0.5
    explicit: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

    def updated(self, values: Mapping[str, Any], source: str, *, explicit: bool) -> ScoringOptions:
        """A copy with ``values`` applied (validated; ``source`` names them in errors).

        Args:
            values: Field name → value (from a rubric's ``scoring:`` or ``QA_SCORING``).
            source: E.g. ``rubrics/x.yaml: scoring`` or ``QA_SCORING``.
            explicit: These values win over a rubric's (the deployment's settings).

        Raises:
            ConfigError: an unknown name or a value of the wrong type.
        """
        changes = {k: _coerce(k, v, source) for k, v in values.items()}
        if explicit:
            changes["explicit"] = self.explicit | frozenset(changes)
        return dataclasses.replace(self, **changes)

    def with_rubric(self, values: Mapping[str, Any], source: str) -> ScoringOptions:
        """The rubric's ``scoring:`` values, except where the deployment set its own."""
        return self.updated(
            {k: v for k, v in values.items() if k not in self.explicit}, source, explicit=False
        )

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], source: str = "QA_SCORING") -> ScoringOptions:
        """Options from a mapping (the deployment's settings); they win over rubrics."""
        return cls().updated(values, source, explicit=True)


def for_rubric(rubric: Any, options: ScoringOptions | None = None) -> ScoringOptions:
    """``options`` (the defaults when ``None``) with ``rubric``'s ``scoring:`` values applied."""
    opts = options or ScoringOptions()
    if rubric.scoring:
        opts = opts.with_rubric(rubric.scoring, f"{rubric.source}: scoring")
    return opts


_HINTS: dict[str, Any] = {}


def _coerce(name: str, value: Any, source: str) -> Any:
    """``value`` checked against the field's type (ints accepted for floats)."""
    if not _HINTS:
        _HINTS.update(typing.get_type_hints(ScoringOptions))
    known = [f.name for f in fields(ScoringOptions) if f.name != "explicit"]
    if name not in known:
        raise ConfigError(
            f"{source}.{name}: unknown scoring option (known: {', '.join(sorted(known))})"
        )
    hint = _HINTS[name]
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    for t in options:
        if t is type(None) and value is None:
            return None
        if t is bool and isinstance(value, bool):
            return value
        if t is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if t is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if t is Path and isinstance(value, str | Path):
            return Path(value)
        if (
            typing.get_origin(t) is tuple
            and isinstance(value, list | tuple)
            and all(isinstance(v, str) for v in value)
        ):
            return tuple(value)
    wanted = " or ".join(getattr(t, "__name__", str(t)) for t in options)
    raise ConfigError(f"{source}.{name}: must be {wanted}, got {value!r}")
