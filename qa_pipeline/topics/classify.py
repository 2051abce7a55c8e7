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
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa_pipeline.errors import ConfigError
from qa_pipeline.models import CALLER
from qa_pipeline.topics.taxonomy import UNKNOWN, Taxonomy, load_taxonomy

#: The shipped labelled caller requests (id, topic, text), one JSON object per line:
#: the first set, written with the first classifier.
DEFAULT_TRAINING = Path(__file__).parent / "data" / "topic_calls.jsonl"
#: The second set, written before the classifier was improved and split at once: its
#: training half tunes, its held-out half measures (:func:`shipped_sets`).
SECOND_SET = Path(__file__).parent / "data" / "topic_calls_fresh.jsonl"


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
        sound_weight: What a word heard only by its sound counts (``社宝卡`` for
            ``社保卡``: speech-to-text writes a homophone) against a word written
            exactly (1); 0 reads the written words only.
        sound_ngrams: Add character n-grams of the text's toneless pinyin (one symbol
            per syllable) to the model, so homophone slips share features.
        balanced: Weigh the topics of the labelled calls equally in the model.
    """

    threshold: float = 0.4
    rule_weight: float = 0.6
    sharpen: float = 3.0
    rule_saturation: float = 3.0
    max_chars: int = 400
    c: float = 20.0
    sound_weight: float = 0.5
    sound_ngrams: bool = False
    balanced: bool = True


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


_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@lru_cache(maxsize=1)
def _sound_table() -> dict[int, str]:
    """Codepoint → one private-use character per toneless syllable (first reading)."""
    from pypinyin.pinyin_dict import pinyin_dict

    ids: dict[str, int] = {}
    table: dict[int, str] = {}
    for cp, raw in pinyin_dict.items():
        syllable = raw.split(",")[0].translate(_TONES)
        table[cp] = chr(0xE000 + ids.setdefault(syllable, len(ids)))
    return table


def sounds(text: str) -> str:
    """``text`` with each Chinese character replaced by a symbol of its toneless syllable.

    Homophones become equal (社保 and 社宝 both read ``she bao``): what speech-to-text
    slips keep. Other characters stay as they are.
    """
    return text.translate(_sound_table())


def _word_hits(owners: Mapping[str, list[int]], texts: Sequence[str]) -> np.ndarray:
    """Per text and leaf: characters of the leaf's words found in the text.

    One scan per text finds every word (a lookahead, so overlapping words count, the
    longest at each position), with the words as a trie-shaped pattern (fast).
    """
    size = 1 + max((j for js in owners.values() for j in js), default=-1)
    out = np.zeros((len(texts), size))
    if not owners:
        return out
    pattern = _trie_pattern(tuple(sorted(owners)))
    for i, text in enumerate(texts):
        for word in set(pattern.findall(text)):
            for j in owners[word]:
                out[i, j] += len(word)
    return out


@lru_cache(maxsize=8)
def _trie_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A lookahead pattern matching the longest of ``words`` at each position."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = True
    return re.compile("(?=(" + _trie_regex(trie) + "))")


def _trie_regex(node: Mapping[str, Any]) -> str:
    """The regex of a trie node: its branches, optional where a word ends here."""
    branches = [re.escape(ch) + _trie_regex(child) for ch, child in node.items() if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" not in node:
        return body
    return (body if len(branches) > 1 else "(?:" + body + ")") + "?"


def _leaf_docs(taxonomy: Taxonomy) -> list[str]:
    """Each leaf's name and words: one more example of it, so every topic has one."""
    return [" ".join([t.name, *t.words]) for t in taxonomy.leaves]


class _Features:
    """Character 1–3-grams of the text, plus those of its sounds (:func:`sounds`)."""

    def __init__(self, with_sounds: bool) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        def make() -> Any:
            return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)

        self.chars = make()
        self.sounds = make() if with_sounds else None

    def fit_transform(self, docs: Sequence[str]) -> Any:
        """Fit the vocabularies on ``docs``; their feature matrix."""
        x = self.chars.fit_transform(docs)
        if self.sounds is None:
            return x
        return _hstack(x, self.sounds.fit_transform([sounds(d) for d in docs]))

    def transform(self, docs: Sequence[str]) -> Any:
        """The feature matrix of ``docs``."""
        x = self.chars.transform(docs)
        if self.sounds is None:
            return x
        return _hstack(x, self.sounds.transform([sounds(d) for d in docs]))


def _hstack(a: Any, b: Any) -> Any:
    from scipy.sparse import hstack

    return hstack([a, b], format="csr") / np.sqrt(2.0)


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

        Calls labelled ``unknown`` (requests no topic fits) are accepted and left out of
        the model: they only matter for choosing the threshold (:func:`cv_threshold`).

        Raises:
            ConfigError: a labelled call names a topic the taxonomy lacks.
        """
        from sklearn.linear_model import LogisticRegression

        self = cls(taxonomy, options or TopicOptions())
        self._leaves = tuple(t.id for t in taxonomy.leaves)
        known = {*self._leaves, UNKNOWN}
        bad = sorted({c.topic for c in calls if c.topic not in known})
        if bad:
            raise ConfigError(f"labelled calls name topics not in {taxonomy.source}: {bad}")
        docs = [*(c.text for c in calls if c.topic != UNKNOWN), *_leaf_docs(taxonomy)]
        labels = [*(c.topic for c in calls if c.topic != UNKNOWN), *self._leaves]
        self._vectorizer = _Features(self.options.sound_ngrams)
        x = self._vectorizer.fit_transform(docs)
        # newton-cg: the same multinomial optimum as lbfgs, reached in a few steps
        self._model = LogisticRegression(
            C=self.options.c,
            max_iter=2000,
            solver="newton-cg",
            class_weight="balanced" if self.options.balanced else None,
        )
        self._model.fit(x, labels)
        index = {t: i for i, t in enumerate(self._leaves)}
        self._columns = np.array([index[str(c)] for c in self._model.classes_], dtype=int)
        return self

    def _model_probs(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(self._leaves)))
        if texts:
            x = self._vectorizer.transform(texts)
            out[:, self._columns] = self._model.predict_proba(x)
        out **= self.options.sharpen
        return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)

    def _rule_strength(self, texts: Sequence[str]) -> np.ndarray:
        """Per text and leaf: matched word characters, saturating at 1.

        A word written exactly counts its characters; a word heard only by its sound
        (a homophone slip, two characters or more) counts them times
        :attr:`TopicOptions.sound_weight`.
        """
        out = _word_hits(self._word_owners(), texts)
        sw = self.options.sound_weight
        if sw > 0:
            heard = _word_hits(self._sound_owners(), [sounds(t) for t in texts])
            out += sw * np.maximum(0.0, heard - out)
        return np.minimum(1.0, out / self.options.rule_saturation)

    def _word_owners(self) -> dict[str, list[int]]:
        owners: dict[str, list[int]] = {}
        for j, leaf_id in enumerate(self._leaves):
            leaf = self.taxonomy.get(leaf_id)
            for word in leaf.words if leaf is not None else ():
                owners.setdefault(word, []).append(j)
        return owners

    def _sound_owners(self) -> dict[str, list[int]]:
        owners: dict[str, list[int]] = {}
        for word, js in self._word_owners().items():
            if len(word) >= 2:
                owners.setdefault(sounds(word), []).extend(js)
        return owners

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


@dataclass(frozen=True, slots=True)
class ShippedSets:
    """The shipped labelled requests, in the parts they play.

    Attributes:
        tuning: What the shipped classifier is trained and tuned on: the first set
            (both of its halves) and the training half of the second set.
        held_out: The second set's held-out half: never trained or tuned on.
        first_held_out: The first set's held-out half (looked at while tuning the first
            classifier, so no longer a clean measure; reported apart).
    """

    tuning: tuple[LabelledCall, ...]
    held_out: tuple[LabelledCall, ...]
    first_held_out: tuple[LabelledCall, ...]


def shipped_sets() -> ShippedSets:
    """The shipped labelled requests split into tuning and held-out parts (:func:`split_of`)."""
    first = load_labelled(DEFAULT_TRAINING)
    second = load_labelled(SECOND_SET)
    tune = [c for c in second if split_of(c.id) == "train"]
    return ShippedSets(
        tuning=(*first, *tune),
        held_out=tuple(c for c in second if split_of(c.id) == "heldout"),
        first_held_out=tuple(c for c in first if split_of(c.id) == "heldout"),
    )


@lru_cache(maxsize=4)
def default_classifier(
    taxonomy_path: str | None = None, training_path: str | None = None
) -> TopicClassifier:
    """The classifier from a taxonomy and labelled calls (default: the shipped ones).

    With the shipped requests it is trained on :attr:`ShippedSets.tuning`; with a
    site's own file, on its training half (:func:`split_of`). Either way a held-out half
    keeps measuring it honestly. Cached per process.
    """
    taxonomy = load_taxonomy(taxonomy_path)
    if training_path is None:
        calls = list(shipped_sets().tuning)
    else:
        calls = [c for c in load_labelled(training_path) if split_of(c.id) == "train"]
    return TopicClassifier.train(taxonomy, calls)


def cv_threshold(
    taxonomy: Taxonomy,
    calls: Sequence[LabelledCall],
    options: TopicOptions | None = None,
    folds: int = 5,
) -> tuple[float, dict[float, float]]:
    """The threshold chosen by k-fold cross-validation on ``calls``.

    Folds are fixed by a hash of each id; calls labelled ``unknown`` count as right
    when left ``unknown``. Candidates run from 0.10 to 0.60 in steps of 0.025. The choice
    is the highest candidate whose accuracy is within one standard error of the best
    (the one-standard-error rule): where the labelled calls cannot tell thresholds
    apart, the classifier abstains rather than guesses, and the requests it cannot
    place are what the emerging topics are found in.

    Returns:
        The chosen threshold and the cross-validated accuracy at every candidate.
    """
    opts = options or TopicOptions()
    found: list[tuple[str, str, float]] = []
    for k in range(folds):
        test = [c for c in calls if _fold(c.id, folds) == k]
        train = [c for c in calls if _fold(c.id, folds) != k]
        clf = TopicClassifier.train(taxonomy, train, replace(opts, threshold=0.0))
        guesses = clf.classify([c.text for c in test])
        found += [(c.topic, g.best, g.confidence) for c, g in zip(test, guesses, strict=True)]
    curve: dict[float, float] = {}
    for step in range(21):
        th = round(0.1 + 0.025 * step, 3)
        right = sum((best if conf >= th else UNKNOWN) == t for t, best, conf in found)
        curve[th] = right / max(1, len(found))
    best = max(curve.values())
    se = math.sqrt(best * (1 - best) / max(1, len(found)))
    return max(th for th, acc in curve.items() if acc >= best - se - 1e-9), curve


def _fold(call_id: str, folds: int) -> int:
    return hashlib.sha256(("cv:" + call_id).encode("utf-8")).digest()[1] % folds


def accuracy(classifier: TopicClassifier, calls: Sequence[LabelledCall]) -> float:
    """Share of ``calls`` whose assigned topic is the labelled one (``unknown`` is wrong)."""
    if not calls:
        return float("nan")
    guesses = classifier.classify([c.text for c in calls])
    return sum(g.topic == c.topic for g, c in zip(guesses, calls, strict=True)) / len(calls)
