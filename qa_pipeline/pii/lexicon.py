"""The Chinese word tables of the personal-data finders (``zh.yaml``), read once.

Each entry of ``zh.yaml`` has a shape checked on loading: ``chars`` (a string, or a list
of strings joined, whose characters count one by one), ``words`` (a list of strings),
``lines`` (strings of space-separated words) or ``map`` (strings to strings).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from qa_pipeline.lang.datafile import fail, read_mapping, require_keys, string_map, strings

_FILE = Path(__file__).with_name("zh.yaml")

_W, _C, _L, _M = "words", "chars", "lines", "map"
_SHAPES: dict[str, dict[str, str]] = {
    "names": {
        "surnames": _C, "compound_surnames": _W, "stop_chars": _C, "familiar": _W,
        "keywords": _W, "weak_keywords": _W, "keyword_glue": _W, "surname_keywords": _W,
        "surname_glue": _W, "relatives": _W, "i_am": _W, "i_am_next": _C, "place_end": _C,
        "titles": _W, "after_name": _W, "not_name_prefix": _W, "not_names": _L,
    },
    "addresses": {"places": _W, "keywords": _W, "not_house_after": _W},
    "plates": {"provinces": _C},
    "messaging": {"wechat": _W, "qq": _W, "glue": _W},
    "people": {
        "before_name": _W, "after_name": _C, "name_questions": _W, "spellings": _W,
        "address_context": _W, "buildings": _W, "place_end": _C,
    },
    "turns": {"backchannels": _W, "answer_prefixes": _W},
    "spoken": {"joiners": _W, "asides": _W, "group_names": _W},
    "documents": {"permit_keywords": _W, "hk_keywords": _W, "account_keywords": _W, "glue": _W},
    "numbers": {
        "digits": _M, "homophones": _M, "fillers": _W, "not_pii_labels": _W,
        "id_keywords": _W, "card_keywords": _W, "phone_labels": _W, "units": _C,
    },
}  # fmt: skip


def _entry(value: Any, shape: str, where: str) -> Any:
    if shape == _M:
        return string_map(value, _FILE, where)
    if shape == _C and isinstance(value, str):
        return value
    words = strings(value, _FILE, where)
    if shape == _C:
        return "".join(words)
    if shape == _L:
        return tuple(w for line in words for w in line.split())
    return words


@cache
def _tables() -> dict[str, Any]:
    data = read_mapping(_FILE)
    require_keys(data, [*_SHAPES, "labels"], _FILE)
    out: dict[str, Any] = {"labels": string_map(data["labels"], _FILE, "labels")}
    for section, shapes in _SHAPES.items():
        entries = data[section]
        if not isinstance(entries, dict):
            raise fail(_FILE, section, "must be a mapping")
        missing, unknown = sorted(set(shapes) - set(entries)), sorted(set(entries) - set(shapes))
        if missing or unknown:
            raise fail(_FILE, section, f"missing {missing}, unknown {unknown}")
        out[section] = {
            key: _entry(entries[key], shape, f"{section}.{key}") for key, shape in shapes.items()
        }
    return out


def chars(section: str, key: str) -> str:
    """A ``chars`` entry: its characters, as one string."""
    value: str = _tables()[section][key]
    return value


def words(section: str, key: str) -> tuple[str, ...]:
    """A ``words`` or ``lines`` entry, in file order."""
    value: tuple[str, ...] = _tables()[section][key]
    return value


def alternatives(section: str, key: str) -> str:
    """A ``words`` entry as regex alternatives joined with ``|`` (file order)."""
    return "|".join(words(section, key))


def mapping(section: str, key: str) -> dict[str, str]:
    """A ``map`` entry."""
    value: dict[str, str] = _tables()[section][key]
    return value


def labels() -> dict[str, str]:
    """The label written in place of each kind of personal data."""
    value: dict[str, str] = _tables()["labels"]
    return value
