"""The check-kind registry: every kind is one module of :mod:`qa_pipeline.scoring.kinds`.

A kind module defines its parameter model (a pydantic model with a ``kind`` literal and
``describe(lang)``) and its function, registered with :func:`check_kind`. The rubric
parser gets the union of kinds from :func:`kind_set` (the rubric package imports nothing
from scoring); the engine looks kinds up in :data:`CHECKS` and imports none of them.
Adding a kind is one file in ``kinds/`` and its tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel

from qa_pipeline.rubric.loader import KindSet
from qa_pipeline.scoring.options import ScoringOptions

CheckFn = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True, slots=True)
class CheckKind:
    """One registered kind: its name, parameter model and function."""

    name: str
    params: type[BaseModel]
    fn: CheckFn


KINDS: dict[str, CheckKind] = {}
CHECKS: dict[str, CheckFn] = {}  # name -> function (what the engine calls)


def kind_name(params: type[BaseModel]) -> str:
    """The ``kind`` literal of a parameter model."""
    field = params.model_fields.get("kind")
    values = get_args(field.annotation) if field is not None else ()
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{params.__name__} needs a field kind: Literal['<name>']")
    return values[0]


def check_kind(params: type[BaseModel]) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the check of ``params``' kind.

    Raises:
        TypeError: ``params`` has no ``kind`` literal or no ``describe`` method, or the
            name is already taken by another function.
    """
    name = kind_name(params)
    if not callable(getattr(params, "describe", None)):
        raise TypeError(f"{params.__name__} needs describe(lang) for reports")

    def register(fn: CheckFn) -> CheckFn:
        old = KINDS.get(name)
        if old is not None and old.fn.__qualname__ != fn.__qualname__:
            raise TypeError(f"check kind {name!r} registered twice ({old.fn} and {fn})")
        KINDS[name] = CheckKind(name, params, fn)
        CHECKS[name] = fn
        return fn

    return register


def load_kinds() -> dict[str, CheckKind]:
    """Import every module of :mod:`qa_pipeline.scoring.kinds` (once) and return the kinds."""
    from qa_pipeline.scoring import kinds

    for mod in pkgutil.iter_modules(kinds.__path__):
        importlib.import_module(f"{kinds.__name__}.{mod.name}")
    return KINDS


def _check_scoring(values: Mapping[str, Any], source: str) -> None:
    ScoringOptions().updated(values, source, explicit=False)


def kind_set() -> KindSet:
    """Every registered kind and the ``scoring:`` block check, for the rubric parser."""
    return KindSet(tuple(k.params for k in load_kinds().values()), _check_scoring)
