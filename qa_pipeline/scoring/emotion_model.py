"""The optional text-emotion classifier that also marks caller turns negative.

The classifier is a transformers sequence-classification model in a local directory
(``ScoringOptions.emotion_model_path``); it is off by default and imported only when
configured, so ``import qa_pipeline.scoring`` never loads torch or transformers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from qa_pipeline.errors import ConfigError
from qa_pipeline.scoring.context import CallContext

log = logging.getLogger(__name__)

Classifier = Callable[[Sequence[str]], list[tuple[str, float]]]


@lru_cache(maxsize=2)
def load_emotion_classifier(path: str) -> Classifier:
    """Load a local transformers text classifier; returns ``texts -> [(label, score)]``.

    Args:
        path: Directory with a saved ``AutoModelForSequenceClassification`` and tokenizer.

    Raises:
        ConfigError: the directory is missing, transformers is not installed, or the
            model cannot be loaded. Nothing is ever downloaded.
    """
    p = Path(path)
    if not p.is_dir():
        raise ConfigError(f"emotion model directory not found: {p}")
    try:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
    except ImportError as exc:
        raise ConfigError(
            "the emotion classifier needs the 'transformers' extra (pip install "
            "'qa-pipeline[transformers]')"
        ) from exc
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(p), local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(str(p), local_files_only=True)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot load emotion model from {p}: {exc}") from exc
    model.eval()
    labels = {int(k): str(v).lower() for k, v in model.config.id2label.items()}

    def classify(texts: Sequence[str]) -> list[tuple[str, float]]:
        if not texts:
            return []
        batch = tokenizer(
            list(texts), padding=True, truncation=True, max_length=128, return_tensors="pt"
        )
        with torch.no_grad():
            probs = model(**batch).logits.softmax(-1)
        best = probs.max(-1)
        return [
            (labels.get(int(i), str(int(i))), float(v))
            for v, i in zip(best.values.tolist(), best.indices.tolist(), strict=True)
        ]

    log.info("loaded emotion classifier from %s (labels %s)", p, sorted(labels.values()))
    return classify


def classifier_negative(
    ctx: CallContext, path: Path, negative_labels: Sequence[str], threshold: float
) -> None:
    """Mark caller turns the classifier calls negative (adds to the wording rules)."""
    classify = load_emotion_classifier(str(path))
    caller = [s for s in ctx.segs if s.speaker == "caller"]
    wanted = {x.lower() for x in negative_labels}
    for s, (label, score) in zip(caller, classify([s.text for s in caller]), strict=True):
        if label in wanted and score >= threshold:
            ctx.negative[s.index] = True
