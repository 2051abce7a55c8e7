"""Topics: what citizens call about (taxonomy, topic per call, hotspots, repeat calls).

* :mod:`.taxonomy`: the 派单目录 tree in YAML, validated at load;
* :mod:`.classify`: topic per call from the caller's turns (words + char n-gram model);
* :mod:`.hotspots`: topics ranked per period with a significance test, emerging topics;
* :mod:`.callers`: caller keys (HMAC of the number) and repeat calls (重复来电).

Imports only ``models``, ``errors`` and ``lang`` (and scikit-learn, inside functions).
"""

from __future__ import annotations

from qa_pipeline.topics.taxonomy import UNKNOWN, Taxonomy, Topic, load_taxonomy, parse_taxonomy

__all__ = ["UNKNOWN", "Taxonomy", "Topic", "load_taxonomy", "parse_taxonomy"]
