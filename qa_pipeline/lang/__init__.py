"""Language packs: the words scoring relies on that belong to a language, not to a rubric.

Each language has one data file here (``zh.yaml``, ``en.yaml``): negations, person
pronouns, reported-speech cues, synonyms, fillers, polite-question patterns and the
reason templates used in verdicts. A rubric may override any list with
``language_pack: {name: value}``; an unknown name, a value of the wrong type or a regex
that does not compile stops loading with a message naming the file and the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

from qa_pipeline.errors import ConfigError
from qa_pipeline.lang.patterns import compile_regex
from qa_pipeline.lang.simplified import to_simplified

_DIR = Path(__file__).parent
_DOMAINS = _DIR / "domains"
_DOMAIN_NAME = re.compile(r"[a-z][a-z0-9_]*")
_LIST_FIELDS = (
    "negations",
    "second_person",
    "subject_phrases",
    "first_person",
    "third_person",
    "reported_speech",
    "fillers",
    "stop_chars",
    "denials",
    "calm",
    "emotion_negations",
    "question_words",
    "vocabulary",
)
_REGEX_FIELDS = ("polite", "reported_patterns", "distress", "soothing")


@dataclass(frozen=True, slots=True)
class LangPack:
    """One language's words (see the module docstring and ``zh.yaml``).

    Attributes:
        language: ``zh`` or ``en`` (a rubric's ``language`` picks the pack by prefix).
        negations: A material mentioned right after one of these is not told.
        second_person: Pronouns that make the caller the subject (你不知道 …).
        subject_phrases: Phrases (of knowing, being able) whose subject may be the
            caller or others; other forbidden phrases are the agent's whoever precedes.
        first_person: Pronouns that make the agent the subject.
        third_person: Other people as the subject (很多人都不知道).
        reported_speech: Cues of the agent restating the caller's words.
        synonyms: Groups of interchangeable spellings (不知道 ~ 不晓得).
        fillers: Words allowed inside a forbidden phrase (我不太清楚).
        max_inserted: How many filler characters near-exact matching allows.
        polite: Regexes of polite, caller-directed uses of forbidden words.
        reported_patterns: Regexes of reported-speech cues (他……说).
        stop_chars: Characters that carry no content (echo matching skips bigrams with them).
        denials: Words that deny what follows or precedes (社保不是必须的).
        distress: Regexes of a caller's distress in plain words (睡不着, 跑了四趟, 可真高啊).
        calm: A caller turn with one of these is not upset (其实我们倒不急).
        soothing: Regexes of what an agent says only to an upset caller (理解您的心情,
            您先别着急, 消消气): the caller's turn before it counts as upset even when
            its words were not heard.
        emotion_negations: An emotion word right after one of these does not count (不生气).
        question_words: A caller turn with one of these is a question (an answer that
            repeats its words is not a read-back of the caller's facts).
        vocabulary: Words repaired from homophones in every rubric of the language.
        facts: How numbers are said, for fact checks: rate and duration regexes,
            comparison, unit, denial and "yours" words (see ``zh.yaml``).
        numerals: Numeral characters and their values (digits, units, 万, 点, 百分之, 两,
            folds such as 您 → 你), used by normalisation.
        messages: Reason templates, ``key -> str.format template``.
        source: The file the pack came from (for error messages).
    """

    language: str
    negations: tuple[str, ...] = ()
    second_person: tuple[str, ...] = ()
    subject_phrases: tuple[str, ...] = ()
    first_person: tuple[str, ...] = ()
    third_person: tuple[str, ...] = ()
    reported_speech: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = ()
    fillers: tuple[str, ...] = ()
    max_inserted: int = 0
    polite: tuple[str, ...] = ()
    stop_chars: tuple[str, ...] = ()
    denials: tuple[str, ...] = ()
    distress: tuple[str, ...] = ()
    calm: tuple[str, ...] = ()
    soothing: tuple[str, ...] = ()
    emotion_negations: tuple[str, ...] = ()
    question_words: tuple[str, ...] = ()
    vocabulary: tuple[str, ...] = ()
    reported_patterns: tuple[str, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)
    numerals: Mapping[str, Any] = field(default_factory=dict)
    messages: Mapping[str, str] = field(default_factory=dict)
    source: str = ""

    def msg(self, key: str, **kw: object) -> str:
        """The reason template ``key`` filled with ``kw`` (the key itself if missing)."""
        template = self.messages.get(key)
        if template is None:
            return key + (": " + ", ".join(f"{k}={v}" for k, v in kw.items()) if kw else "")
        return template.format(**kw)


def _fail(source: str, where: str, msg: str) -> ConfigError:
    return ConfigError(f"{source}: {where}: {msg}")


def _strings(value: Any, source: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(source, where, f"must be a list of strings, got {value!r}")
    return tuple(value)


def _compiles(pats: tuple[str, ...], source: str, where: str) -> None:
    for p in pats:
        try:
            compile_regex(p)
        except re.error as exc:
            raise _fail(source, where, f"regex {p!r} does not compile: {exc}") from None


def _mapping(value: Any, source: str, where: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise _fail(source, where, "must be a mapping")
    return value


# each setter: (base, key, value, source, where) -> None; checks value, stores it in base
_Setter = Callable[[dict[str, Any], str, Any, str, str], None]


def _set_list(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    base[key] = _strings(value, source, where)


def _set_regexes(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    pats = _strings(value, source, where)
    _compiles(pats, source, where)
    base[key] = pats


def _set_synonyms(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    if not isinstance(value, list):
        raise _fail(source, where, f"must be a list of word lists, got {value!r}")
    base[key] = tuple(_strings(v, source, f"{where}[{i}]") for i, v in enumerate(value))


def _set_count(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(source, where, f"must be a non-negative integer, got {value!r}")
    base[key] = value


def _set_facts(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    merged = dict(base.get("facts", {}))
    for fk, fv in _mapping(value, source, where).items():
        merged[fk] = _fact(fk, fv, source, f"{where}.{fk}")
    base[key] = merged


def _set_numerals(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    base[key] = {**base.get("numerals", {}), **_mapping(value, source, where)}


def _set_messages(base: dict[str, Any], key: str, value: Any, source: str, where: str) -> None:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise _fail(source, where, "must map message keys to template strings")
    merged = dict(base.get("messages", {}))
    merged.update(value)
    base[key] = merged


_SETTERS: dict[str, _Setter] = {
    **dict.fromkeys(_LIST_FIELDS, _set_list),
    **dict.fromkeys(_REGEX_FIELDS, _set_regexes),
    "synonyms": _set_synonyms,
    "max_inserted": _set_count,
    "facts": _set_facts,
    "numerals": _set_numerals,
    "messages": _set_messages,
}


def _apply(data: Mapping[str, Any], base: dict[str, Any], source: str, prefix: str) -> None:
    known = {f.name for f in fields(LangPack)} - {"source", "language"}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in known:
            raise _fail(
                source,
                where,
                f"unknown language-pack list {key!r} (known: {', '.join(sorted(known))})",
            )
        _SETTERS[key](base, key, value, source, where)


_FACT_REGEX = {"rate_patterns", "duration_pattern"}
_FACT_STR = {"measure", "duration_pattern"}
_FACT_KEYS = {
    "rate_patterns", "rate_cues", "greater", "less_equal", "not_words", "not_verbs", "approx",
    "measure", "unit_words", "rate_denials", "rate_rejections", "case_negations", "yours",
    "duration_pattern", "duration_required", "duration_units", "other_subjects",
    "subject_window", "duration_facts", "carry_window",
}  # fmt: skip


def _fact_window(value: Any, source: str, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise _fail(source, where, f"must be a positive integer, got {value!r}")
    return value


def _fact_units(value: Any, source: str, where: str) -> dict[str, float]:
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()
    ):
        raise _fail(source, where, "must map unit words to months (numbers)")
    return {str(k): float(v) for k, v in value.items()}


def _fact(key: str, value: Any, source: str, where: str) -> Any:
    if key not in _FACT_KEYS:
        raise _fail(source, where, f"unknown facts entry (known: {', '.join(sorted(_FACT_KEYS))})")
    if key in ("subject_window", "carry_window"):
        return _fact_window(value, source, where)
    if key == "duration_units":
        return _fact_units(value, source, where)
    if key in _FACT_STR:
        if not isinstance(value, str):
            raise _fail(source, where, f"must be a string, got {value!r}")
        values: tuple[str, ...] = (value,)
    else:
        values = _strings(value, source, where)
    if key in _FACT_REGEX:
        _compiles(values, source, where)
    return value if key in _FACT_STR else values


def _read(p: Path, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{p}: cannot read {what}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: a {what} must be a mapping")
    return dict(data)


def domains() -> list[str]:
    """The names of the shipped domain files (``lang/domains/<name>.yaml``)."""
    return sorted(p.stem for p in _DOMAINS.glob("*.yaml"))


@cache
def _domain_file(name: str) -> dict[str, Any]:
    p = _DOMAINS / f"{name}.yaml"
    if not _DOMAIN_NAME.fullmatch(name) or not p.is_file():
        raise ConfigError(f"unknown domain {name!r} (known: {', '.join(domains())})")
    data = _read(p, "domain file")
    for code, section in data.items():
        if not isinstance(section, dict):
            raise _fail(str(p), str(code), "must be a mapping of language-pack lists")
    return data


def _add_domain(base: dict[str, Any], name: str, code: str) -> None:
    """Merge the ``code`` section of domain ``name`` into ``base`` (lists replace)."""
    data = _domain_file(name)
    p = str(_DOMAINS / f"{name}.yaml")
    if code not in data:
        raise _fail(p, code, f"domain {name!r} has no words for language {code!r}")
    _apply(data[code], base, p, f"{code}.")


@lru_cache(maxsize=8)
def _base(language: str, path: str, domain: str | None = None) -> dict[str, Any]:
    p = Path(path)
    data = _read(p, "language pack")
    code = str(data.pop("language", p.stem))
    default = data.pop("default_domain", None)
    if default is not None and not isinstance(default, str):
        raise _fail(str(p), "default_domain", f"must be a domain name, got {default!r}")
    base: dict[str, Any] = {"language": language}
    _apply(data, base, str(p), "")
    if domain or default:
        _add_domain(base, domain or str(default), code)
    return base


def pack_path(language: str) -> Path:
    """The data file of ``language`` (``zh-CN`` → ``zh.yaml``; unknown → ``en.yaml``)."""
    code = language.split("-")[0].split("_")[0].lower()
    p = _DIR / f"{code}.yaml"
    return p if p.is_file() else _DIR / "en.yaml"


def load_pack(
    language: str,
    overrides: Mapping[str, Any] | None = None,
    source: str = "<rubric>",
    path: Path | None = None,
    domain: str | None = None,
) -> LangPack:
    """The language pack for ``language``, with a rubric's overrides applied.

    Args:
        language: The rubric's language (``zh``, ``en`` …).
        overrides: The rubric's ``language_pack`` mapping (replaces whole lists;
            ``messages`` entries are merged).
        source: Named in error messages (the rubric file).
        path: Another pack file instead of the shipped one (tests, custom languages).
        domain: The rubric's ``domain`` (``lang/domains/<domain>.yaml``) whose words join
            the language's; ``None`` takes the pack file's ``default_domain`` (none if it
            names none).

    Raises:
        ConfigError: the pack or an override is invalid (names the file and the field).
    """
    p = path or pack_path(language)
    base = dict(_base(language, str(p), domain))
    if overrides:
        _apply(overrides, base, source, "language_pack.")
    return LangPack(source=str(p), **base)


__all__ = ["LangPack", "domains", "load_pack", "pack_path", "to_simplified"]
