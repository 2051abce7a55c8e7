"""qa-pipeline: quality inspection (质检) of call-centre recordings.

The library is layered (see ``DESIGN.md`` in the shared folder): ``models`` holds the
value objects, ``audio``/``asr`` turn recordings into transcripts, ``rubric``/``scoring``
turn transcripts into scores, ``store`` keeps them, ``aggregate``/``reports`` explain
them. Prefect lives only in the top-level ``flows`` package.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
