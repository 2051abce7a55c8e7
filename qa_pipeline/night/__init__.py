"""The night's logic as a library: screen, pseudonymise, transcribe, score, store, report.

No Prefect here: ``flows/`` wraps these functions in tasks. Each stage takes paths, ids
and small value objects (:class:`~qa_pipeline.night.config.StageConfig`) and returns
small results, so the flows pass nothing heavy between tasks.
"""
