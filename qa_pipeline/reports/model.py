"""What a report is made of: rubric facts, links, tables, sections, a document."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True, slots=True)
class ItemInfo:
    """One rubric item as the reports need it."""

    id: str
    name: str
    dimension: str
    points: float
    critical: bool = False
    coaching: str = ""


@dataclass(frozen=True, slots=True)
class RubricInfo:
    """The rubric facts the reports need (no dependency on the rubric module).

    Attributes:
        id: Rubric id; reports keep only its rows (latest version per call).
        version: Version shown on the report.
        language: ``zh…`` → Chinese labels, else English.
        name: Display name.
        items: The items in rubric order.
        pass_mark: Lowest score that passes (the lowest non-zero grade threshold).
        grades: ``(grade, threshold)`` from best to worst.
        dimensions: Dimension id → display name.
        policy_dimension: Dimension whose items are policy answers (accuracy by topic).
        policy_target: Target accuracy for policy items.
    """

    id: str
    version: str
    language: str
    name: str
    items: tuple[ItemInfo, ...]
    pass_mark: float = 80.0
    grades: tuple[tuple[str, float], ...] = ()
    dimensions: Mapping[str, str] = field(default_factory=dict)
    policy_dimension: str = "policy"
    policy_target: float = 0.95

    def item(self, item_id: str) -> ItemInfo | None:
        """The item with this id, or ``None``."""
        return next((i for i in self.items if i.id == item_id), None)


def rubric_info(rubric: Any, *, policy_target: float = 0.95) -> RubricInfo:
    """Adapt a loaded rubric (``qa_pipeline.rubric.load_rubric``) to :class:`RubricInfo`."""
    grades = tuple((str(g), float(t)) for g, t in getattr(rubric, "grades", ()) or ())
    marks = [t for _, t in grades if t > 0]
    return RubricInfo(
        id=str(rubric.id),
        version=str(rubric.version),
        language=str(getattr(rubric, "language", "zh")),
        name=str(rubric.name),
        items=tuple(
            ItemInfo(
                i.id,
                i.name,
                i.dimension,
                float(i.points),
                bool(i.critical),
                str(getattr(i, "coaching", "") or ""),
            )
            for i in rubric.items
        ),
        pass_mark=min(marks) if marks else 60.0,
        grades=grades,
        dimensions={d.id: d.name for d in getattr(rubric, "dimensions", ())},
        policy_target=policy_target,
    )


@dataclass(frozen=True, slots=True)
class Link:
    """A table cell that links somewhere (a recording at a second)."""

    text: str
    href: str


def recording_link(recording_path: str | None, second: float, base: Path | str | None) -> str:
    """A link to ``recording_path`` at ``second`` (``…#t=SECONDS``).

    Relative to ``base`` (the report's folder) when given and possible, so the report can
    be moved together with the recordings; ``file://`` URI otherwise. The night stores
    each recording's path under its call id (:mod:`qa_pipeline.store.listen`), so no link
    names the original file; a vendor transcript (``.json``) has no audio and no link.

    Args:
        recording_path: The recording's path, or a workbench URL (kept as it is).
        second: Where to start playing.
        base: The report's folder, or ``None``.

    Returns:
        The link, or ``""`` when there is nothing to hear.
    """
    if not recording_path:
        return ""
    if recording_path.startswith(("http://", "https://")):  # the workbench's call page
        return f"{recording_path}#t={max(0.0, float(second)):.0f}"
    path = Path(recording_path)
    if path.suffix.lower() == ".json":
        return ""
    frag = f"#t={max(0.0, float(second)):.0f}"
    # percent-encoded: a file name such as "javascript:alert(1)" must stay a path
    if base is not None and path.is_absolute():
        try:
            rel = os.path.relpath(path, Path(base).resolve())
            return quote(Path(rel).as_posix()) + frag
        except ValueError:
            pass
    if path.is_absolute():
        return path.as_uri() + frag
    return quote(path.as_posix()) + frag


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of cells (str, number or :class:`Link`) under column headers.

    ``name`` names its CSV file; ``flags`` marks rows to show muted (thin samples);
    ``trace`` gives each row's call ids, written as a last ``call_ids`` column of the CSV
    only (every number can be traced to its calls without bloating the page).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    name: str = ""
    flags: tuple[bool, ...] = ()
    trace: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    """A titled part of a report: paragraphs, a chart (inline SVG), tables."""

    title: str
    paragraphs: tuple[str, ...] = ()
    svg: str = ""
    tables: tuple[Table, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class Kpi:
    """A headline figure, with the previous period's when there is one."""

    label: str
    value: str
    previous: str = ""
    change: str = ""
    tone: str = ""  # "good", "bad" or ""


@dataclass(frozen=True, slots=True)
class Document:
    """A whole report, ready for the HTML/Markdown/CSV writers."""

    kind: str
    title: str
    subtitle: str
    language: str
    stem: str
    kpis: tuple[Kpi, ...] = ()
    sections: tuple[Section, ...] = ()


def fmt_pct(x: Any, digits: int = 0) -> str:
    """``0.625`` → ``62.5%``-style text; ``–`` for NaN or None."""
    if x is None or x != x:
        return "–"
    return f"{100 * float(x):.{digits}f}%"


def fmt_num(x: Any, digits: int = 1) -> str:
    """A number with ``digits`` decimals; ``–`` for NaN or None."""
    if x is None or x != x:
        return "–"
    return f"{float(x):.{digits}f}"


def rows(records: Sequence[Sequence[Any]]) -> tuple[tuple[Any, ...], ...]:
    """Rows as tuples."""
    return tuple(tuple(r) for r in records)
