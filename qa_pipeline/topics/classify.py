"""Topic per call: the taxonomy's words plus a character n-gram classifier.

Only the caller's turns are read (what the citizen asks for, not the agent's script).
Two signals are joined:

* **rules**: the taxonomy's words found in the text, longer words weighing more;
* **model**: ``TfidfVectorizer(analyzer="char", ngram_range=(1, 3))`` and a
  ``LogisticRegression`` trained from labelled calls (the shipped
  ``data/topic_calls.jsonl``'s training half, or a site's own).

The joined confidence is ``(1 - rule_weight) * p_model + rule_weight * rule_strength``;
below :attr:`TopicOptions.threshold` the call's topic is ``unknown``: low confidence says
so rather than guessing, and the emerging-topics section clusters exactly those calls.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa_pipeline.errors import ConfigError
from qa_pipeline.models import CALLER
from qa_pipeline.topics.taxonomy import UNKNOWN, Taxonomy, load_taxonomy

#: The shipped labelled caller requests (id, topic, text), one JSON object per line.
DEFAULT_TRAINING = Path(__file__).parent / "data" / "topic_calls.jsonl"


@dataclass(frozen=True, slots=True)
class TopicOptions:
    """How topics are assigned.

    Attributes:
        threshold: Lowest joined confidence that names a topic; below it ``unknown``.
        rule_weight: Share of the confidence that comes from the taxonomy's words.
        sharpen: Power the model's probabilities are raised to (then renormalised): with
            few examples per topic a logistic regression spreads its probability thin,
            and the ranking, not the level, is what it knows.
        rule_saturation: Matched characters at which the words count fully (a two
            character word alone counts for ``2 / rule_saturation``).
        max_chars: Caller text read per call (the request comes first).
        c: Inverse regularisation of the logistic regression.
    """

    threshold: float = 0.35
    rule_weight: float = 0.6
    sharpen: float = 3.0
    rule_saturation: float = 3.0
    max_chars: int = 400
    c: float = 20.0


@dataclass(frozen=True, slots=True)
class LabelledCall:
    """A caller request with its known topic (training and measuring)."""

    id: str
    topic: str
    text: str


@dataclass(frozen=True, slots=True)
class TopicGuess:
    """A call's topic.

    Attributes:
        topic: A leaf topic id, or ``unknown``.
        confidence: The joined confidence (0..1) of the best topic.
        best: The best topic even when below the threshold (for review).
    """

    topic: str
    confidence: float
    best: str


def split_of(call_id: str) -> str:
    """``train`` or ``heldout``: a fixed split by a hash of the id (made before tuning)."""
    return "heldout" if hashlib.sha256(call_id.encode("utf-8")).digest()[0] % 2 else "train"


def load_labelled(path: Path | str | None = None) -> list[LabelledCall]:
    """Read labelled calls (JSON lines with ``id``, ``topic``, ``text``).

    Raises:
        ConfigError: the file is missing or a line is not such an object.
    """
    p = Path(path) if path is not None else DEFAULT_TRAINING
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"labelled calls {p}: cannot be read ({exc.strerror})") from None
    out: list[LabelledCall] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            out.append(LabelledCall(str(row["id"]), str(row["topic"]), str(row["text"])))
        except (ValueError, KeyError, TypeError):
            raise ConfigError(f"labelled calls {p}: line {n} is not {{id, topic, text}}") from None
    return out


def caller_text(segments: Iterable[Any], max_chars: int = 400) -> str:
    """The caller's turns of a transcript, joined (segments or their JSON dicts)."""
    parts: list[str] = []
    size = 0
    for seg in segments:
        speaker = seg.get("speaker") if isinstance(seg, Mapping) else getattr(seg, "speaker", "")
        if speaker != CALLER:
            continue
        text = seg.get("text") if isinstance(seg, Mapping) else getattr(seg, "text", "")
        text = str(text or "").strip()
        if text:
            parts.append(text)
            size += len(text)
        if size >= max_chars:
            break
    return "，".join(parts)[:max_chars]


@dataclass
class TopicClassifier:
    """Rules from a taxonomy plus a trained character n-gram model.

    Build with :meth:`train`; :meth:`classify` then names a topic per text.
    """

    taxonomy: Taxonomy
    options: TopicOptions = field(default_factory=TopicOptions)
    _leaves: tuple[str, ...] = ()
    _model: Any = None
    _vectorizer: Any = None
    _columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @classmethod
    def train(
        cls,
        taxonomy: Taxonomy,
        calls: Sequence[LabelledCall],
        options: TopicOptions | None = None,
    ) -> TopicClassifier:
        """Fit the model on ``calls`` whose topic is a leaf of ``taxonomy``.

        Raises:
            ConfigError: a labelled call names a topic the taxonomy lacks.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self = cls(taxonomy, options or TopicOptions())
        self._leaves = tuple(t.id for t in taxonomy.leaves)
        known = set(self._leaves)
        bad = sorted({c.topic for c in calls if c.topic not in known})
        if bad:
            raise ConfigError(f"labelled calls name topics not in {taxonomy.source}: {bad}")
        self._vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        # each leaf's name and words are one more example of it: every topic has one
        docs = [*(c.text for c in calls), *(" ".join([t.name, *t.words]) for t in taxonomy.leaves)]
        labels = [*(c.topic for c in calls), *self._leaves]
        x = self._vectorizer.fit_transform(docs)
        # newton-cg: the same multinomial optimum as lbfgs, reached in a few steps
        self._model = LogisticRegression(C=self.options.c, max_iter=2000, solver="newton-cg")
        self._model.fit(x, labels)
        index = {t: i for i, t in enumerate(self._leaves)}
        self._columns = np.array([index[str(c)] for c in self._model.classes_], dtype=int)
        return self

    def _model_probs(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self._leaves)))
        if texts:
            out[:, self._columns] = self._model.predict_proba(self._vectorizer.transform(texts))
        out **= self.options.sharpen
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)

    def _rule_strength(self, texts: Sequence[str]) -> np.ndarray:
        """Per text and leaf: matched word characters, saturating at 1.

        One scan per text finds every word (a lookahead, so overlapping words count,
        the longest at each position).
        """
        owners: dict[str, list[int]] = {}
        for j, leaf_id in enumerate(self._leaves):
            leaf = self.taxonomy.get(leaf_id)
            for word in leaf.words if leaf is not None else ():
                owners.setdefault(word, []).append(j)
        out = np.zeros((len(texts), len(self._leaves)))
        if not owners:
            return out
        words = sorted(owners, key=len, reverse=True)
        pattern = re.compile("(?=(" + "|".join(re.escape(w) for w in words) + "))")
        for i, text in enumerate(texts):
            for word in set(pattern.findall(text)):
                for j in owners[word]:
                    out[i, j] += len(word)
        return np.minimum(1.0, out / self.options.rule_saturation)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Joined confidences, one row per text and one column per leaf topic."""
        w = self.options.rule_weight
        return (1 - w) * self._model_probs(texts) + w * self._rule_strength(texts)

    def classify(self, texts: Sequence[str]) -> list[TopicGuess]:
        """A topic per text; ``unknown`` below the threshold or for an empty text."""
        # each distinct text once (empty requests and repeated wordings are common)
        unique = list(dict.fromkeys(t[: self.options.max_chars] for t in texts))
        joined = self.scores(unique)
        found: dict[str, TopicGuess] = {}
        for text, row in zip(unique, joined, strict=True):
            j = int(np.argmax(row)) if len(row) else 0
            best = self._leaves[j] if len(row) else UNKNOWN
            conf = float(row[j]) if len(row) and text.strip() else 0.0
            topic = best if conf >= self.options.threshold else UNKNOWN
            found[text] = TopicGuess(topic, round(conf, 4), best)
        return [found[t[: self.options.max_chars]] for t in texts]

    @property
    def leaves(self) -> tuple[str, ...]:
        """The leaf topic ids the classifier can name."""
        return self._leaves


@lru_cache(maxsize=4)
def default_classifier(
    taxonomy_path: str | None = None, training_path: str | None = None
) -> TopicClassifier:
    """The classifier from a taxonomy and labelled calls (default: the shipped ones).

    Only the training half (:func:`split_of`) of the labelled calls is used, so the
    held-out half keeps measuring it honestly. Cached per process.
    """
    taxonomy = load_taxonomy(taxonomy_path)
    calls = [c for c in load_labelled(training_path) if split_of(c.id) == "train"]
    return TopicClassifier.train(taxonomy, calls)


def accuracy(classifier: TopicClassifier, calls: Sequence[LabelledCall]) -> float:
    """Share of ``calls`` whose assigned topic is the labelled one (``unknown`` is wrong)."""
    if not calls:
        return float("nan")
    guesses = classifier.classify([c.text for c in calls])
    return sum(g.topic == c.topic for g, c in zip(guesses, calls, strict=True)) / len(calls)
