"""The Jinja2 environment of the pages and its filters."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from qa_pipeline.review.permissions import Permission

TEMPLATES = Path(__file__).resolve().parent / "templates"


def clock(seconds: Any) -> str:
    """``mm:ss`` of a number of seconds (``–`` for none).

    Args:
        seconds: Seconds, a number or numeric text, or ``None``.

    Returns:
        The time as minutes and seconds.
    """
    if seconds is None:
        return "–"
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(value):  # a NaN time stored before intake refused them
        return "–"
    s = max(0, int(value))
    return f"{s // 60:02d}:{s % 60:02d}"


def page_env(timezone: str) -> Environment:
    """The environment: autoescaped templates, the filters, ``P`` (:class:`Permission`).

    Args:
        timezone: Where the ``local`` filter shows times.

    Returns:
        The environment.
    """
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    zone = ZoneInfo(timezone)

    def local(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
        return "–" if dt is None else dt.astimezone(zone).strftime(fmt)

    env.filters["clock"] = clock
    env.filters["local"] = local
    env.filters["pct"] = lambda x: "–" if x is None else f"{100 * x:.0f}%"
    env.filters["num"] = lambda x, d=2: "–" if x is None else f"{x:.{d}f}"
    env.filters["score"] = lambda x: "–" if x is None else f"{x:.1f}"
    env.globals["P"] = Permission
    return env
