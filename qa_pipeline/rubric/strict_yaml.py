"""A strict YAML reader for rubrics: no aliases, no duplicate keys, a size limit.

A rubric is a person's decision written down: what YAML would quietly do with it must
fail loudly instead.

* A **duplicate key** (a second ``grades:`` in one mapping) silently replaces the first
  in plain YAML, dropping a pass mark while ``qa rubric check`` says ok.
* An **alias** (``*name``) lets a 1 KB file expand into billions of values (the "billion
  laughs" bomb); no shipped rubric uses one, so none is accepted.
* A file over :data:`MAX_RUBRIC_BYTES` is not a rubric anyone reviewed.
"""

from __future__ import annotations

from typing import Any

import yaml

#: Largest rubric file read (the shipped rubrics are under 30 KB).
MAX_RUBRIC_BYTES = 1 << 20


class StrictYamlError(ValueError):
    """What is wrong with the YAML, with its line (the caller adds the file)."""


class _StrictLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses aliases and duplicate mapping keys."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise StrictYamlError(
                f"line {event.start_mark.line + 1}: YAML alias *{event.anchor} is not allowed "
                "in a rubric (write the value out)"
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if (
                not isinstance(key_node, yaml.ScalarNode)
                or key_node.tag == "tag:yaml.org,2002:merge"
            ):
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise StrictYamlError(
                    f"line {line}: duplicate key {key!r} (first on line {seen[key]}); "
                    "a second value would silently replace the first"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def strict_load(text: str) -> Any:
    """Parse YAML ``text`` as :func:`yaml.safe_load` does, refusing aliases and duplicate keys.

    Raises:
        StrictYamlError: an alias, or a key twice in one mapping (naming the key and line).
        yaml.YAMLError: the text is not YAML.
    """
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
