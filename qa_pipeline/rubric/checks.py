"""Parameters of every check kind, each able to describe itself in plain language.

The scoring engine keeps the matching ``name -> function`` registry
(:data:`qa_pipeline.scoring.registry.CHECKS`); a test asserts the two agree. A new kind is
one parameter model here (with ``kind`` and ``describe``), one function and one registry
line in scoring, and one test.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _quote(phrases: list[str] | tuple[str, ...], lang: str, limit: int = 4) -> str:
    shown = list(phrases[:limit])
    more = len(phrases) - len(shown)
    if lang.startswith("zh"):
        text = "、".join(f"「{p}」" for p in shown)
        return text + (f"等{len(phrases)}种说法" if more > 0 else "")
    text = ", ".join(f'"{p}"' for p in shown)
    return text + (f" (or {more} more)" if more > 0 else "")


def compile_patterns(patterns: list[str]) -> list[str]:
    """Return ``patterns`` unchanged, raising ``ValueError`` on one that does not compile."""
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise ValueError(f"regex {p!r} does not compile: {exc}") from None
    return patterns


class Echo(_Strict):
    """A turn ending in a tag question that repeats the caller's own words counts."""

    tags: list[str] = Field(min_length=1, description="tag questions: 是吧, 对吧, 对吗 …")
    min_shared: int = Field(4, ge=1, description="distinct content bigrams shared with the caller")
    tail: int = Field(8, ge=1, description="the tag must sit in the turn's last N characters")
    repeat_ratio: float = Field(
        0.6,
        gt=0,
        le=1,
        description="without a tag: share of the caller's last turn read back (an address)",
    )


class PhraseGroup(_Strict):
    """Alternatives that count as the same thing (any one of them will do)."""

    name: str = ""
    any: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(
        default_factory=list, description="regexes: a hit inside one of these does not count"
    )
    echo: Echo | None = None
    fuzzy: bool = True

    _check_patterns = field_validator("patterns", "exclude")(
        classmethod(lambda cls, v: compile_patterns(v))
    )

    def label(self, lang: str) -> str:
        return self.name or _quote(self.any or self.patterns, lang, 3)


class PhrasePresent(_Strict):
    """The speaker says something from every group (``all``) or from one (``any``)."""

    kind: Literal["phrase_present"]
    groups: list[PhraseGroup] = Field(min_length=1)
    mode: Literal["all", "any"] = "all"

    def describe(self, lang: str) -> str:
        labels = [g.label(lang) for g in self.groups]
        if lang.startswith("zh"):
            joint = "全部包含" if self.mode == "all" else "至少包含其一"
            return f"{joint}：" + "；".join(labels)
        joint = "all of" if self.mode == "all" else "at least one of"
        return f"says {joint}: " + "; ".join(labels)


class PhraseAbsent(_Strict):
    """The speaker never says a listed phrase; ``allowed`` look-alikes do not count."""

    kind: Literal["phrase_absent"]
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    allowed: list[str] = Field(default_factory=list, description="regexes of polite look-alikes")

    _check = field_validator("patterns", "allowed")(classmethod(lambda cls, v: compile_patterns(v)))

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            out = f"不得出现：{_quote(self.phrases, lang, 6)}"
            return out + ("（礼貌的相似说法除外）" if self.allowed else "")
        out = f"never says: {_quote(self.phrases, lang, 6)}"
        return out + (" (polite look-alikes excepted)" if self.allowed else "")


class RegexCheck(_Strict):
    """A regular expression must (``expect: present``) or must not match, with exclusions."""

    kind: Literal["regex"]
    pattern: str
    exclude: list[str] = Field(default_factory=list)
    expect: Literal["present", "absent"] = "present"

    _check = field_validator("exclude")(classmethod(lambda cls, v: compile_patterns(v)))

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str) -> str:
        return compile_patterns([v])[0]

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return (
                "须出现" if self.expect == "present" else "不得出现"
            ) + f"符合 /{self.pattern}/ 的话"
        verb = "says" if self.expect == "present" else "never says"
        return f"{verb} something matching /{self.pattern}/"


class Sequence(_Strict):
    """After the first anchor turn (``then`` speaker), B follows within N turns."""

    kind: Literal["sequence"]
    anchor: PhraseGroup
    anchor_speaker: Literal["agent", "caller", "any"] = "caller"
    then: PhraseGroup
    within_turns: int = Field(2, ge=1)

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return (
                f"对方说出{self.anchor.label(lang)}后，"
                f"{self.within_turns}个回合内说出{self.then.label(lang)}"
            )
        return (
            f"after {self.anchor.label(lang)}, says {self.then.label(lang)} "
            f"within {self.within_turns} turns"
        )


class Coverage(_Strict):
    """Every required item of a knowledge materials list is mentioned (一次性告知)."""

    kind: Literal["coverage"]
    materials: list[str] = Field(min_length=1, description="keys of knowledge.materials")

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return "一次性告知所涉事项的全部所需材料（" + "、".join(self.materials) + "）"
        return "mentions every required item for the topic (" + ", ".join(self.materials) + ")"


class FactCheck(_Strict):
    """What the agent states is compared with a knowledge table (rates or conditions)."""

    kind: Literal["fact_check"]
    table: str = Field(description="key of knowledge.rates or knowledge.conditions")
    critical_on: Literal["wrong_fact", "any_fail"] = "wrong_fact"

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return f"所述政策须与知识库「{self.table}」一致（说错即一票否决）"
        return f"every stated fact agrees with the knowledge table '{self.table}'"


class OverlapCount(_Strict):
    """Counts interruptions: ``by`` starts while ``over`` talks, overlapping > min_overlap_s."""

    kind: Literal["overlap_count"]
    min_overlap_s: float = 1.0
    max_allowed: int = 1
    by: str = "agent"
    over: str = "caller"

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return (
                f"抢话（对方未说完即开口且重叠超过{self.min_overlap_s:g}秒）"
                f"不超过{self.max_allowed}次"
            )
        return (
            f"talks over the other party (overlap > {self.min_overlap_s:g} s) "
            f"at most {self.max_allowed} time(s)"
        )


class GapEtiquette(_Strict):
    """Holds: announce before a silence > min_gap_s, thank after one > long_gap_s."""

    kind: Literal["gap_etiquette"]
    min_gap_s: float = 10.0
    long_gap_s: float = 30.0
    before: PhraseGroup
    after: PhraseGroup

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return (
                f"静音超过{self.min_gap_s:g}秒前须说{self.before.label(lang)}；"
                f"超过{self.long_gap_s:g}秒后须说{self.after.label(lang)}"
            )
        return (
            f"before a hold over {self.min_gap_s:g} s says {self.before.label(lang)}; "
            f"after one over {self.long_gap_s:g} s says {self.after.label(lang)}"
        )


class EmotionTrigger(_Strict):
    """After the caller's first negative turn, the agent responds within N agent turns."""

    kind: Literal["emotion_trigger"]
    respond: PhraseGroup
    within_turns: int = Field(2, ge=1)

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return (
                f"在来电人首次出现负面情绪后的{self.within_turns}个回合内"
                f"安抚或致歉（{self.respond.label(lang)}）"
            )
        return (
            f"after the caller's first negative turn, the agent acknowledges it within "
            f"{self.within_turns} turns ({self.respond.label(lang)})"
        )


class Hostility(_Strict):
    """The speaker never answers with hostility, mockery, blame or insults."""

    kind: Literal["hostility"]
    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    allowed: list[str] = Field(default_factory=list)

    _check = field_validator("patterns", "allowed")(classmethod(lambda cls, v: compile_patterns(v)))

    def describe(self, lang: str) -> str:
        if lang.startswith("zh"):
            return f"不得出现敌意、嘲讽、指责或辱骂，如{_quote(self.phrases, lang, 3)}"
        return f"no hostility, mockery, blame or insults, e.g. {_quote(self.phrases, lang, 3)}"


CheckSpec = Annotated[
    PhrasePresent
    | PhraseAbsent
    | RegexCheck
    | Sequence
    | Coverage
    | FactCheck
    | OverlapCount
    | GapEtiquette
    | EmotionTrigger
    | Hostility,
    Field(discriminator="kind"),
]

CHECK_KINDS: tuple[str, ...] = (
    "phrase_present",
    "phrase_absent",
    "regex",
    "sequence",
    "coverage",
    "fact_check",
    "overlap_count",
    "gap_etiquette",
    "emotion_trigger",
    "hostility",
)
