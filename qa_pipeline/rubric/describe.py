"""The phrase templates of rubric descriptions (``describe.yaml``), read once.

``zh`` templates serve rubrics whose language starts with ``zh``; every other language
reads the ``en`` ones (as :meth:`RubricModel.describe` always has).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qa_pipeline.lang.datafile import fail, read_mapping, require_keys, string_map

_FILE = Path(__file__).with_name("describe.yaml")


@cache
def _tables() -> dict[str, dict[str, str]]:
    data = read_mapping(_FILE)
    require_keys(data, ("zh", "en"), _FILE)
    tables = {lang: string_map(data[lang], _FILE, lang) for lang in ("zh", "en")}
    if set(tables["zh"]) != set(tables["en"]):
        raise fail(_FILE, "zh/en", f"keys differ: {sorted(set(tables['zh']) ^ set(tables['en']))}")
    return tables


def phrases(lang: str) -> dict[str, str]:
    """The templates for a rubric language (``zh…`` → Chinese, anything else → English)."""
    return _tables()["zh" if lang.startswith("zh") else "en"]


def phrase(lang: str, key: str, **kw: object) -> str:
    """The template ``key`` of ``lang`` filled with ``kw``.

    Raises:
        KeyError: ``describe.yaml`` has no such template (a programming error).
    """
    return phrases(lang)[key].format(**kw)
