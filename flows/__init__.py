"""Prefect flows: the nightly QA run, the report flows, schedules and task runners.

Only this package imports Prefect; the stages it wires live in :mod:`qa_pipeline`.
Import :mod:`flows.env` and call ``configure_prefect_env`` before importing the flow
modules when Prefect's home must follow ``QA_DATA_DIR``.
"""
