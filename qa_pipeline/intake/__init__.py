"""Intake: what a night delivers and which rubric applies (see DESIGN.md).

The manifest reader and sampling plans still live in :mod:`qa_pipeline.intake.manifest` and
:mod:`qa_pipeline.intake.sampling`; rubric lookup is here, shared by every command.
"""

from qa_pipeline.intake.rubrics import DEFAULT_RUBRIC, REPO_RUBRICS, resolve_rubric

__all__ = ["DEFAULT_RUBRIC", "REPO_RUBRICS", "resolve_rubric"]
