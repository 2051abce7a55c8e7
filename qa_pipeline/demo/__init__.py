"""The demo: a synthetic call centre for ``qa demo`` and a seeded workbench for tests.

A face of the library (like :mod:`qa_pipeline.commands`): it may use every part.
"""
