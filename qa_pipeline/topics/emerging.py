"""Emerging topics: clusters of the period's calls that no taxonomy topic took.

The caller requests left ``unknown`` are turned into character 2–3-gram TF-IDF vectors
(the IDF learnt from all the period's requests, so words every caller says weigh little)
and clustered by average-linkage agglomerative clustering on cosine distance: a group of
at least ``min_calls`` requests about the same thing becomes a cluster, and a lone odd
request stays alone. Each
cluster is named by its most distinctive n-grams, c-TF-IDF style (a cluster's n-gram
frequency against how common the n-gram is across all clusters and a background of the
period's classified calls), and lists example call ids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from qa_pipeline.topics.hotspots import TopicCall


@dataclass(frozen=True, slots=True)
class EmergingOptions:
    """How emerging topics are found.

    Attributes:
        min_calls: Fewest calls that make an emerging topic.
        distance: Largest average cosine distance at which two groups are merged.
        max_calls: Most unknown calls clustered (the latest ones); the rest are counted.
        words: Distinctive n-grams kept as a cluster's name.
        examples: Example call ids shown per cluster (the CSV lists all).
        background: Most classified requests sampled as the background of the names.
    """

    min_calls: int = 10
    distance: float = 0.92
    max_calls: int = 3000
    words: int = 5
    examples: int = 5
    background: int = 2000


@dataclass(frozen=True, slots=True)
class EmergingTopic:
    """A cluster of unplaced calls.

    Attributes:
        words: Its most distinctive n-grams, most distinctive first.
        call_ids: Every call in the cluster.
        examples: A few caller requests of it (redacted as stored).
    """

    words: tuple[str, ...]
    call_ids: tuple[str, ...]
    examples: tuple[str, ...]

    @property
    def name(self) -> str:
        """The words joined: ``充电桩 / 电动车 / 充不上``."""
        return " / ".join(self.words)


def _clusters(texts: Sequence[str], background: Sequence[str], opts: EmergingOptions) -> np.ndarray:
    """Cluster labels of the texts (char 2–3-gram TF-IDF, average linkage, cosine)."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_distances

    tfidf = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True)
    tfidf.fit([*texts, *background])
    distances = cosine_distances(tfidf.transform(texts))
    model = AgglomerativeClustering(
        n_clusters=None,
        metric="precomputed",
        linkage="average",
        distance_threshold=opts.distance,
    )
    return np.asarray(model.fit_predict(distances))


def _drop_overlaps(terms: Sequence[str], keep: int) -> tuple[str, ...]:
    """Best terms first, skipping one that is inside or around a term already kept."""
    out: list[str] = []
    for t in terms:
        if any(t in k or k in t for k in out):
            continue
        out.append(t)
        if len(out) == keep:
            break
    return tuple(out)


def distinctive_words(
    docs: Sequence[str], background: str = "", keep: int = 5
) -> list[tuple[str, ...]]:
    """c-TF-IDF: for each class document, the n-grams most particular to it.

    Args:
        docs: One document per class (its calls' texts joined).
        background: Text of everything else (a class that only dampens common n-grams).
        keep: n-grams kept per class.

    Returns:
        Per class, its best n-grams (2–4 characters), most distinctive first.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    counts = CountVectorizer(analyzer="char", ngram_range=(2, 4)).fit(
        [*docs, background] if background else list(docs)
    )
    matrix = counts.transform([*docs, background] if background else list(docs)).toarray()
    terms = counts.get_feature_names_out()
    tf = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    avg = matrix.sum() / max(1, matrix.shape[0])
    idf = np.log(1 + avg / np.maximum(matrix.sum(axis=0), 1))
    # a longer n-gram says more ("充电桩" over "充电"): weigh by length
    lengths = np.array([len(t) for t in terms], dtype=float)
    scores = tf * idf * lengths
    out: list[tuple[str, ...]] = []
    for row in scores[: len(docs)]:
        order = [str(terms[j]) for j in np.argsort(-row) if row[j] > 0 and terms[j].strip()]
        out.append(_drop_overlaps([t for t in order if not _punct(t)], keep))
    return out


def _punct(term: str) -> bool:
    return any(not (ch.isalnum()) for ch in term)


def emerging_topics(
    calls: Sequence[TopicCall],
    background: Sequence[str] = (),
    options: EmergingOptions | None = None,
) -> list[EmergingTopic]:
    """Cluster the calls no topic took into emerging topics, largest first.

    Args:
        calls: The period's calls whose topic is ``unknown`` (others are ignored).
        background: Texts of the period's classified calls (they make common words
            count less in the clusters' names).
        options: Cluster size, distance, names.

    Returns:
        The emerging topics; empty when the unknown calls form no cluster.
    """
    opts = options or EmergingOptions()
    pool = [c for c in calls if c.topic == "unknown" and c.text.strip()]
    pool = sorted(pool, key=lambda c: c.started_at)[-opts.max_calls :]
    if len(pool) < opts.min_calls:
        return []
    sample = list(background)[:: max(1, math.ceil(len(background) / opts.background))]
    labels = _clusters([c.text for c in pool], sample, opts)
    groups = [np.flatnonzero(labels == k) for k in sorted(set(labels.tolist()))]
    groups = sorted((g for g in groups if len(g) >= opts.min_calls), key=len, reverse=True)
    if not groups:
        return []
    docs = ["\n".join(pool[i].text for i in g) for g in groups]
    names = distinctive_words(docs, "\n".join(sample), opts.words)
    return [
        EmergingTopic(
            words=name,
            call_ids=tuple(pool[i].call_id for i in g),
            examples=tuple(pool[i].text for i in g[: opts.examples]),
        )
        for name, g in zip(names, groups, strict=True)
    ]
