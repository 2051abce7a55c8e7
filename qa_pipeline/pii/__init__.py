"""Personal data: find and mask it wherever text leaves memory.

* :mod:`~qa_pipeline.pii.redact` — the engine: options, matches, masking of text,
  transcripts, scores, paths, manifest fields and log records;
* :mod:`~qa_pipeline.pii.numbers` — phone, ID, card numbers, written or spoken;
* :mod:`~qa_pipeline.pii.words` — names, addresses, plates, messaging ids.
"""
