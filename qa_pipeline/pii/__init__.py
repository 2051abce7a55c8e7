"""Personal data: find and mask it wherever text leaves memory.

* :mod:`~qa_pipeline.pii.redact` — the engine: options, matches, masking of text,
  transcripts, scores, paths, manifest fields and log records;
* :mod:`~qa_pipeline.pii.numbers` — phone, ID, card numbers, written or spoken;
* :mod:`~qa_pipeline.pii.words` — names, addresses, plates, messaging ids;
* :mod:`~qa_pipeline.pii.spoken` — spoken numbers rewritten once for the number
  recognizers (洞/两/拐, 杠, asides, group names), with a map back to the text;
* :mod:`~qa_pipeline.pii.registry` — recognizers of data as people say it (documents,
  accounts, e-mail read aloud, reversed mobiles, area codes, plates with a pause), each
  a unit with its words and check; :mod:`~qa_pipeline.pii.people` — names and
  addresses among them;
* :mod:`~qa_pipeline.pii.turns` — numbers and names spread over a transcript's turns.
"""
