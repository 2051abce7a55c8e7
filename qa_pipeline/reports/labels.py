"""The one label table of the reports: Chinese for zh rubrics, English otherwise.

The labels live in ``labels.yaml`` beside this module, keyed by language; both languages
must carry the same keys.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qa_pipeline.lang.datafile import fail, read_mapping, require_keys, string_map

_FILE = Path(__file__).with_name("labels.yaml")


@cache
def _tables() -> dict[str, dict[str, str]]:
    data = read_mapping(_FILE)
    require_keys(data, ("zh", "en"), _FILE)
    zh = string_map(data["zh"], _FILE, "zh")
    en = string_map(data["en"], _FILE, "en")
    if set(zh) != set(en):
        raise fail(_FILE, "zh/en", f"keys differ: {sorted(set(zh) ^ set(en))}")
    return {"zh": zh, "en": en}


def labels(language: str) -> dict[str, str]:
    """The label table for a rubric language (``zh…`` → Chinese, anything else → English)."""
    return _tables()["zh" if language.lower().startswith("zh") else "en"]
