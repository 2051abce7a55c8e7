"""Evaluation against labelled data: scoring, speech-to-text and the whole chain.

The one part of the library that may import every stage: it runs them on labelled
calls and recordings and reports agreement, CER and review rates.

* :mod:`~qa_pipeline.evaluation.scoring` — golden examples and labelled text corpora;
* :mod:`~qa_pipeline.evaluation.asr` — CER against reference transcripts;
* :mod:`~qa_pipeline.evaluation.e2e` — recordings → speech-to-text → verdicts vs labels.
"""
