"""The topic taxonomy (派单目录): a tree of topics with the words callers use for them.

A taxonomy is YAML: ``id``, ``version``, ``name`` and ``topics``, a flat list where each
topic has an ``id``, a ``name``, an optional ``parent`` (the id of its category) and
optional ``words``. It is validated at load: a duplicate id, an unknown parent, a parent
chain that loops back (a cycle) or a topic without an id stops with a
:class:`~qa_pipeline.errors.ConfigError` that names the file and the topic.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qa_pipeline.errors import ConfigError

#: The taxonomy shipped with the package (a 12345 two-level 派单目录).
DEFAULT_TAXONOMY = Path(__file__).with_name("taxonomy_12345.yaml")
#: The topic of a call the rules and the classifier could not place with confidence.
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Topic:
    """One node of the taxonomy.

    Attributes:
        id: Stable id (``housing.property``); reports and stored topics use it.
        name: Display name (物业管理).
        parent: Id of the category above, ``None`` for a top category.
        words: Words a caller uses for the topic (the rules count them).
    """

    id: str
    name: str
    parent: str | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Taxonomy:
    """A validated topic tree.

    Attributes:
        id: Taxonomy id.
        version: Version text.
        name: Display name.
        topics: Every topic, in file order.
        source: Where it was read from (named in errors).
    """

    id: str
    version: str
    name: str
    topics: tuple[Topic, ...]
    source: str = "<data>"

    def get(self, topic_id: str) -> Topic | None:
        """The topic with this id, or ``None``."""
        return self._by_id().get(topic_id)

    def _by_id(self) -> dict[str, Topic]:
        return {t.id: t for t in self.topics}

    @property
    def leaves(self) -> tuple[Topic, ...]:
        """Topics without children: what a call is classified into."""
        parents = {t.parent for t in self.topics if t.parent}
        return tuple(t for t in self.topics if t.id not in parents)

    def category(self, topic_id: str) -> str:
        """The top category's id above ``topic_id`` (itself for a top one; ``unknown`` kept)."""
        by_id = self._by_id()
        node = by_id.get(topic_id)
        while node is not None and node.parent:
            node = by_id.get(node.parent)
        return node.id if node is not None else topic_id

    def label(self, topic_id: str) -> str:
        """``住房保障/物业管理``-style display path; ``未识别`` for ``unknown``."""
        if topic_id == UNKNOWN:
            return "未识别"
        by_id = self._by_id()
        names: list[str] = []
        node = by_id.get(topic_id)
        while node is not None:
            names.append(node.name)
            node = by_id.get(node.parent) if node.parent else None
        return "/".join(reversed(names)) if names else topic_id


def _fail(source: str, message: str) -> ConfigError:
    return ConfigError(f"taxonomy {source}: {message}")


def _words(raw: Any, source: str, topic_id: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(w, str) and w.strip() for w in raw):
        raise _fail(source, f"topic {topic_id!r}: words must be a list of non-empty strings")
    return tuple(w.strip() for w in raw)


def _topic(raw: Any, index: int, source: str) -> Topic:
    if not isinstance(raw, Mapping):
        raise _fail(source, f"topic #{index + 1} must be a mapping")
    topic_id = str(raw.get("id") or "").strip()
    if not topic_id:
        raise _fail(source, f"topic #{index + 1} has no id")
    if topic_id == UNKNOWN:
        raise _fail(source, f"topic id {UNKNOWN!r} is reserved")
    parent = raw.get("parent")
    return Topic(
        id=topic_id,
        name=str(raw.get("name") or topic_id),
        parent=str(parent).strip() if parent else None,
        words=_words(raw.get("words"), source, topic_id),
    )


def _check_tree(topics: Iterable[Topic], source: str) -> None:
    """Duplicate ids, unknown parents and cycles, each named."""
    by_id: dict[str, Topic] = {}
    for t in topics:
        if t.id in by_id:
            raise _fail(source, f"duplicate topic id {t.id!r}")
        by_id[t.id] = t
    for t in by_id.values():
        if t.parent and t.parent not in by_id:
            raise _fail(source, f"topic {t.id!r}: unknown parent {t.parent!r}")
    for t in by_id.values():
        seen = [t.id]
        node = t
        while node.parent:
            if node.parent in seen:
                loop = " → ".join([*seen, node.parent])
                raise _fail(source, f"cycle in topic parents: {loop}")
            seen.append(node.parent)
            node = by_id[node.parent]


def parse_taxonomy(data: Any, source: str = "<data>") -> Taxonomy:
    """Validate a taxonomy's parsed YAML.

    Args:
        data: The parsed YAML (a mapping with ``topics``).
        source: Name used in error messages (the file).

    Returns:
        The taxonomy.

    Raises:
        ConfigError: not a mapping, no topics, a topic without id, a duplicate id, an
            unknown parent or a cycle.
    """
    if not isinstance(data, Mapping):
        raise _fail(source, "must be a mapping with 'topics'")
    raw = data.get("topics")
    if not isinstance(raw, list) or not raw:
        raise _fail(source, "'topics' must be a non-empty list")
    topics = tuple(_topic(r, i, source) for i, r in enumerate(raw))
    _check_tree(topics, source)
    return Taxonomy(
        id=str(data.get("id") or Path(source).stem),
        version=str(data.get("version") or ""),
        name=str(data.get("name") or data.get("id") or ""),
        topics=topics,
        source=source,
    )


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate a taxonomy file (default: the shipped 12345 taxonomy).

    Raises:
        ConfigError: the file is missing, is not YAML, or fails :func:`parse_taxonomy`.
    """
    p = Path(path) if path is not None else DEFAULT_TAXONOMY
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(str(p), f"cannot be read ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _fail(str(p), f"is not valid YAML ({exc})") from None
    return parse_taxonomy(data, str(p))
