"""Rubric schema (pydantic v2, ``extra="forbid"``): dimensions, items, knowledge, examples."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from qa_pipeline.rubric.checks import compile_patterns
from qa_pipeline.rubric.describe import phrases

Speaker = Literal["agent", "caller", "any"]
StatusName = Literal["pass", "fail", "na"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(_Strict):
    """Where a policy fact comes from and from when it is in force."""

    source: str = Field(min_length=1)
    effective: dt.date


class Topic(_Strict):
    """How to recognise that a call is about a topic (robust to ASR via the lexicon)."""

    name: str
    any: list[str] = Field(min_length=1)
    with_any: list[str] = Field(default_factory=list, description="also needs one of these")
    weak: list[str] = Field(
        default_factory=list,
        description="generic words (税率) that make the topic only with its knowledge words",
    )


class MaterialVariant(_Strict):
    """Alternative wording required when the call mentions one of ``when_mentioned``."""

    when_mentioned: list[str] = Field(min_length=1)
    by: Speaker = "caller"
    any: list[str] = Field(min_length=1)


class Material(_Strict):
    """One required material: its name, the words that mention it, its variants."""

    name: str
    any: list[str] = Field(min_length=1)
    variants: list[MaterialVariant] = Field(default_factory=list)


class MaterialsList(Fact):
    """Required materials for a topic (一次性告知)."""

    topic: str
    items: list[Material] = Field(min_length=1)


class Rate(_Strict):
    """One rate of a rate table: the case it applies to and its area bounds."""

    case: str
    rate: float
    area_max: float | None = None
    area_min: float | None = None


class RateTable(Fact):
    """Rates by case and area; ``threshold`` must be stated by the agent."""

    topic: str
    unit_words: list[str] = Field(
        default_factory=list, description="area units; empty: the language pack's facts.unit_words"
    )
    threshold: float
    cases: dict[str, list[str]] = Field(min_length=1)
    rates: list[Rate] = Field(min_length=1)

    @model_validator(mode="after")
    def _cases_known(self) -> RateTable:
        for r in self.rates:
            if r.case not in self.cases:
                raise ValueError(f"rate for unknown case {r.case!r} (cases: {sorted(self.cases)})")
        return self


class Conditions(Fact):
    """A duration requirement plus alternative conditions (居住证申领条件)."""

    topic: str
    duration_months: float
    duration_context: list[str] = Field(default_factory=lambda: ["居住", "住"])
    conditions: dict[str, list[str]] = Field(min_length=1)
    not_required: list[str] = Field(
        default_factory=list, description="regexes of invented conditions"
    )

    @field_validator("not_required")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        return compile_patterns(v)


class EmotionLexicon(_Strict):
    """Wording that shows caller negative emotion, and caller goodbyes (for hang-ups)."""

    negative: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    goodbye: list[str] = Field(default_factory=list)

    @field_validator("patterns")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        return compile_patterns(v)


class Knowledge(_Strict):
    """The rubric's knowledge: emotion words, topics, materials, rates and conditions."""

    emotion: EmotionLexicon = Field(default_factory=EmotionLexicon)
    topics: dict[str, Topic] = Field(default_factory=dict)
    materials: dict[str, MaterialsList] = Field(default_factory=dict)
    rates: dict[str, RateTable] = Field(default_factory=dict)
    conditions: dict[str, Conditions] = Field(default_factory=dict)

    def describe(self, t: dict[str, str]) -> list[str]:
        """The knowledge tables' lines of a rubric description, from the templates ``t``."""
        lines = [
            t["rates"].format(key=key, source=table.source, effective=table.effective)
            for key, table in self.rates.items()
        ]
        lines += [
            t["conditions"].format(key=key, source=cond.source, effective=cond.effective)
            for key, cond in self.conditions.items()
        ]
        for key, mats in self.materials.items():
            names = t["names_sep"].join(m.name for m in mats.items)
            lines.append(t["materials"].format(key=key, names=names, source=mats.source))
        return lines


class Window(_Strict):
    """Which part of the call a check looks at."""

    turn: Literal["opening", "all"] = "all"
    start_within_s: float | None = None
    first_s: float | None = None
    last_s: float | None = None

    def describe(self, t: dict[str, str]) -> list[str]:
        """The window's parts of an item description, from the templates ``t``."""
        parts = [t["opening"]] if self.turn == "opening" else []
        if self.start_within_s is not None:
            parts.append(t["start_within"].format(s=self.start_within_s))
        if self.last_s is not None:
            parts.append(t["last_s"].format(s=self.last_s))
        if self.first_s is not None:
            parts.append(t["first_s"].format(s=self.first_s))
        return parts


class AppliesWhen(_Strict):
    """When an item applies; otherwise it is ``na``."""

    topics: list[str] = Field(default_factory=list, description="any of these topics detected")
    caller_emotion: Literal["negative"] | None = None
    call_types: list[str] = Field(default_factory=list)
    not_call_types: list[str] = Field(default_factory=list)
    silent_gap: bool | None = None
    not_if_caller_says: list[str] = Field(default_factory=list)
    min_call_s: float | None = None
    not_if_caller_hung_up: bool = False
    needs_caller_speech: bool = False

    def describe(self, t: dict[str, str]) -> list[str]:
        """The conditions' parts of an item description, from the templates ``t``."""
        parts = (
            [t["topics"].format(topics=t["topics_sep"].join(self.topics))] if self.topics else []
        )
        if self.caller_emotion:
            parts.append(t["caller_emotion"])
        if self.silent_gap:
            parts.append(t["silent_gap"])
        return parts


class Example(_Strict):
    """A golden example: a short call and the verdict this item must give on it."""

    expect: StatusName
    segments: list[list[Any]] = Field(min_length=0)
    call_type: str | None = None
    note: str = ""


class Item(_Strict):
    """One scored item: its points, speaker, window, conditions and check."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    dimension: str
    points: float = Field(gt=0)
    critical: bool = False
    #: share of this item's decided verdicts that must be right; verdicts below the
    #: confidence that reaches it go to review (``None``: the ``scoring:`` default)
    min_precision: float | None = Field(default=None, gt=0, le=1)
    speaker: Speaker = "agent"
    window: Window = Field(default_factory=Window)
    applies_when: AppliesWhen = Field(default_factory=AppliesWhen)
    #: a check kind's parameter model; :func:`~qa_pipeline.rubric.loader.parse_rubric`
    #: narrows it to the union of the kinds its caller hands over
    check: Any
    coaching: str = ""
    examples: list[Example] = Field(default_factory=list)
    _language: str = PrivateAttr(default="zh")

    def describe(self) -> str:
        """The item in plain language (Chinese for zh rubrics, English otherwise)."""
        lang = self._language
        t = phrases(lang)
        critical = t["critical"] if self.critical else ""
        parts = [t["head"].format(name=self.name, points=self.points, critical=critical)]
        who = t["speaker_" + self.speaker]
        parts.append(t["who_check"].format(who=who, check=self.check.describe(lang)))
        parts += self.window.describe(t) + self.applies_when.describe(t)
        return t["item_sep"].join(parts)


class Dimension(_Strict):
    """A dimension of the rubric; its items' points sum to its own."""

    id: str
    name: str
    points: float = Field(gt=0)


class RubricModel(_Strict):
    """A validated rubric. ``sha256`` is the hash of the source bytes (or canonical JSON)."""

    # a name, not a path: it names report folders (no "../x", no "/")
    id: str = Field(min_length=1, max_length=128, pattern=r"^\w[\w.-]*$")
    version: str = Field(min_length=1)
    language: str = "zh"
    domain: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="line of business whose words join the language pack "
        "(qa_pipeline/lang/domains/<domain>.yaml); default: the pack's default_domain",
    )
    name: str
    total_points: float = 100.0
    grades: list[tuple[str, float]] = Field(
        default_factory=lambda: [("优秀", 90.0), ("合格", 80.0), ("不合格", 0.0)]
    )
    dimensions: list[Dimension] = Field(min_length=1)
    items: list[Item] = Field(min_length=1)
    knowledge: Knowledge = Field(default_factory=Knowledge)
    scoring: dict[str, Any] = Field(
        default_factory=dict,
        description="thresholds of the scoring engine for this rubric (ScoringOptions fields)",
    )
    language_pack: dict[str, Any] = Field(
        default_factory=dict,
        description="overrides of the language pack's lists (qa_pipeline/lang/<language>.yaml)",
    )
    vocabulary: list[str] = Field(
        default_factory=list, description="extra words for homophone correction (e.g. 工号)"
    )
    _sha256: str = PrivateAttr(default="")
    _source: str = PrivateAttr(default="<mapping>")

    @property
    def sha256(self) -> str:
        """The hash of the rubric's source bytes (or canonical JSON)."""
        return self._sha256

    @property
    def source(self) -> str:
        """The file the rubric came from (``<mapping>`` when parsed from a mapping)."""
        return self._source

    def item(self, item_id: str) -> Item:
        """The item with this id (``KeyError`` if none)."""
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    def grade(self, score: float) -> str:
        """Grade for a 0–100 score (highest threshold met)."""
        for name, threshold in sorted(self.grades, key=lambda g: -g[1]):
            if score >= threshold:
                return name
        return self.grades[-1][0]

    def describe(self) -> str:
        """The whole rubric in plain language, dimension by dimension."""
        t = phrases(self.language)
        head = t["rubric"].format(
            name=self.name, id=self.id, version=self.version, points=self.total_points
        )
        lines = [head]
        for dim in self.dimensions:
            lines.append(t["dimension"].format(name=dim.name, points=dim.points))
            for it in self.items:
                if it.dimension == dim.id:
                    lines.append(t["item_line"].format(id=it.id, text=it.describe()))
                    if it.coaching:
                        lines.append(t["coaching"].format(text=it.coaching))
        return "\n".join(lines + self.knowledge.describe(t))


Rubric = RubricModel
