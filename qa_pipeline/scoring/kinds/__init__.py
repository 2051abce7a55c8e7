"""Check kinds, one module each (parameter model + ``describe`` + function).

Kind modules import only light modules at import time (pydantic, the rubric's shared
parameter pieces, :mod:`qa_pipeline.scoring.base`, the registry): the rubric schema loads
them while it is being defined. Scoring helpers are imported inside the functions.
"""
