"""Parse (pure) and load (I/O) rubrics, with errors naming the file, the item and the field."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Union

from pydantic import BaseModel, Field, ValidationError, create_model

from qa_pipeline.errors import ConfigError, RubricError
from qa_pipeline.lang import load_pack
from qa_pipeline.rubric.schema import Conditions, Item, MaterialsList, RateTable, RubricModel

_TOLERANCE = 1e-6


def _where(data: Mapping[str, Any], loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    items = data.get("items") if isinstance(data, Mapping) else None
    for i, key in enumerate(loc):
        if isinstance(key, int):
            label = f"[{key}]"
            if i == 1 and loc[0] == "items" and isinstance(items, list) and key < len(items):
                item = items[key]
                if isinstance(item, Mapping) and item.get("id"):
                    label += f" (item {item['id']!r})"
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(key))
    return "".join(parts) or "<rubric>"


def _fail(source: str, where: str, msg: str) -> RubricError:
    return RubricError(f"{source}: {where}: {msg}")


@dataclass(frozen=True, slots=True)
class KindSet:
    """What an engine can run, handed to :func:`parse_rubric` by its caller.

    The rubric package knows no check kind: the scoring engine builds this from its
    registry (:func:`qa_pipeline.scoring.registry.kind_set`).

    Attributes:
        params: The parameter model of every check kind (each with a ``kind`` literal).
        check_scoring: Validates a rubric's ``scoring:`` block (``ConfigError`` on a bad
            field); ``None`` accepts any block.
    """

    params: tuple[type[BaseModel], ...]
    check_scoring: Callable[[Mapping[str, Any], str], None] | None = None


@lru_cache(maxsize=8)
def rubric_model(params: tuple[type[BaseModel], ...]) -> type[RubricModel]:
    """A :class:`RubricModel` whose items' ``check`` is the union of ``params``."""
    if not params:
        raise ConfigError("no check kinds given to the rubric parser")
    union: Any = params[0] if len(params) == 1 else Union[params]  # noqa: UP007
    check: Any = Annotated[union, Field(discriminator="kind")] if len(params) > 1 else union
    item: Any = create_model("Item", __base__=Item, check=(check, ...))
    items: Any = list[item]  # type: ignore[valid-type]
    return create_model("RubricModel", __base__=RubricModel, items=(items, Field(min_length=1)))


def _cross_check(rubric: RubricModel, source: str, kinds: KindSet) -> None:
    """Checks across fields: pack, scoring block, ids, references and point sums."""
    try:
        load_pack(rubric.language, rubric.language_pack, source, domain=rubric.domain)
        if kinds.check_scoring is not None:
            kinds.check_scoring(rubric.scoring, f"{source}: scoring")
    except ConfigError as exc:
        raise RubricError(str(exc)) from None
    _check_ids(rubric, source)
    _check_items(rubric, source)
    _check_tables(rubric, source)
    _check_points(rubric, source)


def _check_ids(rubric: RubricModel, source: str) -> None:
    dupes = [k for k, n in Counter(it.id for it in rubric.items).items() if n > 1]
    if dupes:
        raise _fail(source, "items", f"duplicate item id(s): {', '.join(sorted(dupes))}")
    for d, n in Counter(d.id for d in rubric.dimensions).items():
        if n > 1:
            raise _fail(source, "dimensions", f"duplicate dimension id {d!r}")


def _check_items(rubric: RubricModel, source: str) -> None:
    dims = {d.id for d in rubric.dimensions}
    know = rubric.knowledge
    for it in rubric.items:
        where = f"item {it.id!r}"
        if it.dimension not in dims:
            raise _fail(source, f"{where}.dimension", f"unknown dimension {it.dimension!r}")
        for topic in it.applies_when.topics:
            if topic not in know.topics:
                raise _fail(
                    source,
                    f"{where}.applies_when.topics",
                    f"topic {topic!r} not in knowledge.topics",
                )
        # a kind checks its own references into the rubric (knowledge tables …)
        problems = getattr(it.check, "rubric_problems", None)
        for field, msg in problems(rubric) if problems else ():
            raise _fail(source, f"{where}.check.{field}", msg)


def _check_tables(rubric: RubricModel, source: str) -> None:
    know = rubric.knowledge
    tables: dict[str, MaterialsList | RateTable | Conditions] = {
        **know.materials,
        **know.rates,
        **know.conditions,
    }
    for key, table in tables.items():
        if table.topic not in know.topics:
            raise _fail(source, f"knowledge.{key}.topic", f"unknown topic {table.topic!r}")


def _check_points(rubric: RubricModel, source: str) -> None:
    for dim in rubric.dimensions:
        total = sum(it.points for it in rubric.items if it.dimension == dim.id)
        if abs(total - dim.points) > _TOLERANCE:
            raise _fail(
                source,
                f"dimension {dim.id!r}.points",
                f"items sum to {total:g}, dimension declares {dim.points:g}",
            )
    dim_total = sum(d.points for d in rubric.dimensions)
    if abs(dim_total - rubric.total_points) > _TOLERANCE:
        raise _fail(
            source,
            "total_points",
            f"dimensions sum to {dim_total:g}, rubric declares {rubric.total_points:g}",
        )


def parse_rubric(
    mapping: Mapping[str, Any], source: str = "<mapping>", *, kinds: KindSet
) -> RubricModel:
    """Validate a rubric given as a mapping (pure; no I/O).

    Args:
        mapping: The parsed YAML/JSON document.
        source: Name used in error messages (usually the file path).
        kinds: The check kinds the caller's engine runs (and its options check).

    Returns:
        The validated rubric; ``sha256`` is the hash of its canonical JSON.

    Raises:
        RubricError: naming the source, the item and the field at fault.
    """
    if not isinstance(mapping, Mapping):
        raise RubricError(f"{source}: a rubric must be a mapping, got {type(mapping).__name__}")
    try:
        rubric = rubric_model(kinds.params).model_validate(dict(mapping))
    except ValidationError as exc:
        problems = "; ".join(
            f"{_where(mapping, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise RubricError(f"{source}: {problems}") from None
    _cross_check(rubric, source, kinds)
    for it in rubric.items:
        it._language = rubric.language
    canonical = json.dumps(mapping, sort_keys=True, ensure_ascii=False, default=str)
    rubric._sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    rubric._source = source
    return rubric


def load_rubric(path: str | Path, *, kinds: KindSet) -> RubricModel:
    """Load and validate a rubric YAML (or JSON) file; ``sha256`` is of the file's bytes.

    Args:
        path: The rubric file.
        kinds: The check kinds the caller's engine runs (see :func:`parse_rubric`).

    Raises:
        RubricError: the file is missing, over 1 MB, not YAML, holds a YAML alias or a
            key twice in one mapping (naming the key and line), or is not a valid rubric.
    """
    import yaml

    from qa_pipeline.rubric.strict_yaml import MAX_RUBRIC_BYTES, StrictYamlError, strict_load

    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_RUBRIC_BYTES:
            raise RubricError(
                f"{p}: rubric file is {size:,} bytes; the limit is {MAX_RUBRIC_BYTES:,}"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise RubricError(f"{p}: cannot read rubric: {exc.strerror or exc}") from exc
    try:
        data = strict_load(raw.decode("utf-8"))
    except StrictYamlError as exc:
        raise RubricError(f"{p}: {exc}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RubricError(f"{p}: not valid YAML: {exc}") from exc
    rubric = parse_rubric(data, source=str(p), kinds=kinds)
    rubric._sha256 = hashlib.sha256(raw).hexdigest()
    return rubric
