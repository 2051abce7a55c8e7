"""Find a rubric by name or path, the same way for every command.

``qa run``, ``qa report`` and the flows all resolve rubrics here.
"""

from __future__ import annotations

from pathlib import Path

from qa_pipeline.errors import ConfigError

#: The project's own rubrics (next to the package in a checkout or editable install).
REPO_RUBRICS = Path(__file__).resolve().parents[2] / "rubrics"
#: The rubric used when none is named.
DEFAULT_RUBRIC = "hotline_12345"


def resolve_rubric(name: str = DEFAULT_RUBRIC) -> str:
    """A rubric path from a path, or a name in ``./rubrics`` or the project's ``rubrics/``.

    Raises:
        ConfigError: no such rubric.
    """
    candidates = [Path(name)]
    stem = name if name.endswith((".yaml", ".yml")) else f"{name}.yaml"
    candidates += [Path.cwd() / "rubrics" / stem, REPO_RUBRICS / stem]
    for c in candidates:
        if c.is_file():
            return str(c.resolve())
    raise ConfigError(f"rubric {name!r} not found (tried {', '.join(map(str, candidates))})")
