"""Reading the word and phrase tables shipped as YAML beside the code.

Each table is read once by its own loader (``functools.cache``) through these helpers,
which check its shape and raise :class:`~qa_pipeline.errors.ConfigError` naming the file
and the entry that is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from qa_pipeline.errors import ConfigError


def fail(source: str | Path, where: str, msg: str) -> ConfigError:
    """A configuration error naming the file and the entry."""
    return ConfigError(f"{source}: {where}: {msg}")


def read_mapping(path: Path) -> dict[str, Any]:
    """The top-level mapping of the YAML file ``path``.

    Raises:
        ConfigError: the file cannot be read, is not YAML or is not a mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read data file: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a data file must be a mapping")
    return data


def require_keys(data: Mapping[str, Any], keys: Iterable[str], source: str | Path) -> None:
    """Check that ``data`` has exactly ``keys`` (names the missing and the unknown ones)."""
    want = set(keys)
    missing = sorted(want - set(data))
    unknown = sorted(set(data) - want)
    if missing or unknown:
        raise fail(source, "top level", f"missing {missing}, unknown {unknown}")


def text(value: Any, source: str | Path, where: str) -> str:
    """``value`` if it is a non-empty string."""
    if not isinstance(value, str) or not value:
        raise fail(source, where, f"must be a non-empty string, got {value!r}")
    return value


def strings(value: Any, source: str | Path, where: str) -> tuple[str, ...]:
    """``value`` as a tuple if it is a list of strings."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(source, where, f"must be a list of strings, got {value!r}")
    return tuple(value)


def string_map(value: Any, source: str | Path, where: str) -> dict[str, str]:
    """``value`` if it maps strings to strings."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise fail(source, where, f"must map strings to strings, got {value!r}")
    return dict(value)
