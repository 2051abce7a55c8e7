"""The results store: runs, recordings, transcripts, scores, errors and reviews.

SQLite by default (a file under the data dir) and PostgreSQL by URL. Every write is one
transaction: scoring a call again with the same rubric id and version replaces its score
and item results atomically, a new rubric version is kept beside the old one, and a
process killed mid-call leaves no partial rows. Text is PII-redacted
(:mod:`qa_pipeline.pii.redact`) before it is written. Database passwords never appear in
messages or logs (:func:`mask_url`).

Typical use (the flows)::

    store = Store.open(settings.resolved_database_url, redact=settings.redact_pii)
    run_id = store.start_run("nightly", {"inbox": "/data/inbox"})
    store.upsert_recording(recording, run_id)
    store.save_transcript(transcript, recording.content_hash, run_id)
    store.save_score(call_score, run_id)
    store.finish_run(run_id, "completed", {"scored": 812})
    store.close()
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from qa_pipeline.errors import StoreError
from qa_pipeline.models import CallScore, Recording, Status, Transcript
from qa_pipeline.pii.fields import redact_field
from qa_pipeline.pii.redact import (
    RedactOptions,
    redact_path,
    redact_score,
    redact_text,
    redact_transcript,
    redact_value,
)
from qa_pipeline.store import migrations
from qa_pipeline.store.queries import QueryMixin
from qa_pipeline.store.schema import (
    TABLES,
    call_errors,
    call_scores,
    item_results,
    make_engine,
    mask_url,
    recordings,
    review_decisions,
    runs,
    scrub,
    transcripts,
    write_lock,
)
from qa_pipeline.store.search import replace_turns
from qa_pipeline.topics.callers import split_caller_number

__all__ = ["Store", "StoreStatus", "mask_url"]

log = logging.getLogger(__name__)

_PG_MIGRATION_LOCK = 7_240_311  # pg_advisory_xact_lock key: one migrator at a time
_META_FIELDS = ("agent_id", "team", "started_at", "call_type", "duration_s")


def _now() -> datetime:
    return datetime.now(UTC)


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (paths, datetimes and enums become strings)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


class StoreStatus(dict[str, Any]):
    """What ``qa db status`` prints: ``url`` (masked), ``current``, ``head``, ``counts``."""


class Store(QueryMixin):
    """A results database. Build with :meth:`open`; safe to share between threads."""

    def __init__(self, engine: Engine, url: str, redact: RedactOptions) -> None:
        self.engine = engine
        self._url = url
        self.redact_options = redact
        self._pid = os.getpid()

    def mask(self, text: str) -> str:
        """``text`` as this store writes it, personal data masked.

        The door for notes and reasons that the review layer writes into its tables.
        """
        return str(redact_text(text, self.redact_options))

    def _connect(self) -> Connection:
        # a forked worker (dask, multiprocessing) must not reuse the parent's sockets
        if os.getpid() != self._pid:
            self.engine.dispose(close=False)
            self._pid = os.getpid()
        return self.engine.connect()

    # ------------------------------------------------------------------ lifecycle

    @classmethod
    def open(
        cls,
        url: str,
        *,
        upgrade: bool = True,
        redact: bool = True,
        redact_options: RedactOptions | None = None,
    ) -> Store:
        """Connect to the database at ``url``, creating or upgrading its schema.

        Args:
            url: SQLAlchemy URL (``sqlite:///…`` or ``postgresql+psycopg://…``).
            upgrade: Run the migrations to head first (safe when several processes start
                together: one migrates, the others wait and find it done).
            redact: Mask PII before writing (``Settings.redact_pii``).
            redact_options: Finer control of what is masked; ``redact=False`` wins.

        Raises:
            StoreError: The URL is invalid or the database cannot be reached (the message
                never contains the password).
        """
        opts = redact_options or RedactOptions()
        if not redact:
            opts = RedactOptions(enabled=False)
        store = cls(make_engine(url), url, opts)
        try:
            if upgrade:
                store.upgrade()
            else:
                store._check_connection()
        except BaseException:
            store.close()
            raise
        log.info("results store open at %s", mask_url(url))
        return store

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self._url)

    def _error(self, action: str, exc: BaseException) -> StoreError:
        orig = getattr(exc, "orig", None) or exc
        detail = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
        error = StoreError(scrub(f"cannot {action} ({self.url}): {detail}", self._url))
        error.transient = isinstance(exc, (OperationalError, InterfaceError)) or bool(
            getattr(exc, "connection_invalidated", False)
        )
        return error

    def _check_connection(self) -> None:
        try:
            with self._connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError as exc:
            raise self._error("connect to the results database", exc) from None

    @contextmanager
    def _write(self, action: str) -> Iterator[Connection]:
        """One write transaction; SQLite writers queue on a lock and ``BEGIN IMMEDIATE``."""
        lock = write_lock(self.engine)
        try:
            if lock is not None:
                lock.acquire()
            with self._connect() as conn:
                conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise self._error(action, exc) from None
        finally:
            if lock is not None:
                lock.release()

    @contextmanager
    def _read(self, action: str) -> Iterator[Connection]:
        try:
            with self._connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self._error(action, exc) from None

    def _insert(self) -> Any:
        return postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert

    # ------------------------------------------------------------------ migrations

    def upgrade(self, revision: str = "head") -> None:
        """Migrate the schema to ``revision`` (default the newest) in one transaction."""
        with self._write("upgrade the results database") as conn:
            if conn.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
            current = migrations.current_revision(conn)
            if revision == "head" and current == migrations.head_revision():
                return
            try:
                migrations.upgrade(conn, revision)
            except migrations.MigrationError as exc:
                raise StoreError(
                    f"cannot upgrade the results database ({self.url}) from schema "
                    f"{current or '(empty)'} to {revision}: {exc} — is it from a newer "
                    "qa-pipeline?"
                ) from None
            log.info("results database at %s upgraded to %s", self.url, revision)

    def head_revision(self) -> str | None:
        """The newest migration shipped with this version of qa-pipeline."""
        return migrations.head_revision()

    def current_revision(self) -> str | None:
        """The migration the database is at (``None`` for an empty database)."""
        with self._read("read the schema revision") as conn:
            return migrations.current_revision(conn)

    def status(self) -> StoreStatus:
        """Masked URL, current and head revision, and the row count of every table."""
        current = self.current_revision()
        counts: dict[str, int | None] = {t.name: None for t in TABLES}
        if current is not None:
            with self._read("count rows") as conn:
                for table in TABLES:
                    counts[table.name] = int(
                        conn.execute(select(func.count()).select_from(table)).scalar_one()
                    )
        return StoreStatus(url=self.url, current=current, head=self.head_revision(), counts=counts)

    # ------------------------------------------------------------------ runs

    def start_run(self, kind: str, params: Mapping[str, Any]) -> int:
        """Record the start of a run (``nightly``, ``backtest`` …); returns its id."""
        with self._write("start a run") as conn:
            result = conn.execute(
                insert(runs).returning(runs.c.id),
                {
                    "kind": kind,
                    "status": "running",
                    "params": self._redact_json(params),
                    "started_at": _now(),
                },
            )
            return int(result.scalar_one())

    def note_run(self, run_id: int, summary: Mapping[str, Any]) -> None:
        """Record what a running run knows so far (e.g. the calls a night received)."""
        with self._write("note a run") as conn:
            conn.execute(
                update(runs).where(runs.c.id == run_id).values(summary=self._redact_json(summary))
            )

    def finish_run(self, run_id: int, status: str, summary: Mapping[str, Any]) -> None:
        """Mark a run finished with ``status`` (``completed``, ``failed`` …) and a summary."""
        with self._write("finish a run") as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(status=status, summary=self._redact_json(summary), finished_at=_now())
            )

    def _redact_json(self, data: Mapping[str, Any]) -> Any:
        """A run's params or summary as plain JSON, every string in it redacted.

        Error messages and paths inside a summary carry what the calls carried.
        """
        return redact_value(_jsonable(dict(data)), self.redact_options)

    def running_runs(self, kind: str) -> list[dict[str, Any]]:
        """Runs of ``kind`` still marked ``running`` (to find those whose process died).

        Each has ``id``, ``params``, ``summary`` and ``started_at``.
        """
        query = select(runs.c.id, runs.c.params, runs.c.summary, runs.c.started_at).where(
            runs.c.kind == kind, runs.c.status == "running"
        )
        with self._read("list running runs") as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    # ------------------------------------------------------------------ recordings

    def recording_identity(self, call_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """What the store holds on these calls, by call id (absent ids are left out).

        Each has ``content_hash``, ``agent_id``, ``started_at`` and ``path``.
        """
        ids = list(dict.fromkeys(call_ids))
        cols = (
            recordings.c.call_id,
            recordings.c.content_hash,
            recordings.c.agent_id,
            recordings.c.started_at,
            recordings.c.path,
        )
        out: dict[str, dict[str, Any]] = {}
        with self._read("look up recordings") as conn:
            for i in range(0, len(ids), 500):
                query = select(*cols).where(recordings.c.call_id.in_(ids[i : i + 500]))
                for r in conn.execute(query):
                    out[str(r.call_id)] = dict(r._mapping)
        return out

    def _touch_recording(
        self, conn: Connection, call_id: str, meta: Mapping[str, Any], run_id: int | None
    ) -> None:
        """Make sure a recordings row exists; fill only its missing metadata."""
        ins = self._insert()(recordings).values(
            call_id=call_id, is_transcript=False, run_id=run_id, updated_at=_now(), **meta
        )
        fill = {k: func.coalesce(recordings.c[k], ins.excluded[k]) for k in meta}
        conn.execute(
            ins.on_conflict_do_update(index_elements=["call_id"], set_=fill)
            if fill
            else ins.on_conflict_do_nothing(index_elements=["call_id"])
        )

    def upsert_recording(self, recording: Recording, run_id: int | None) -> None:
        """Insert or update the recording row of a call (keyed by ``call_id``).

        New metadata wins; fields the new manifest leaves empty keep their stored value.
        """
        with self._write(f"store recording {recording.call_id}") as conn:
            self._upsert_recording(conn, recording, run_id)

    def _upsert_recording(self, conn: Connection, recording: Recording, run_id: int | None) -> None:
        m = recording.meta
        opts = self.redact_options
        # the caller's number never rests here, redaction on or off: only its key does
        _number, kept = split_caller_number(m.extra)
        extra = {k: redact_field(k, str(v), opts) for k, v in kept} if kept else None
        values = {
            # a file name can be a caller's number (13600003333_0815.wav): masked
            "path": redact_path(recording.path, opts),
            "content_hash": recording.content_hash,
            "is_transcript": recording.is_transcript,
            "agent_id": m.agent_id,
            "team": m.team,
            "started_at": m.started_at,
            "call_type": m.call_type,
            "duration_s": m.duration_s,
            "satisfaction": m.satisfaction,
            "topic": redact_field("topic", m.topic, opts) if m.topic else m.topic,
            "extra": extra,
            "caller_key": m.caller_key,
            "run_id": run_id,
        }
        ins = self._insert()(recordings).values(call_id=m.call_id, updated_at=_now(), **values)
        set_ = {k: func.coalesce(ins.excluded[k], recordings.c[k]) for k in values}
        set_["is_transcript"] = ins.excluded.is_transcript
        set_["updated_at"] = ins.excluded.updated_at
        conn.execute(ins.on_conflict_do_update(index_elements=["call_id"], set_=set_))

    def save_call(
        self,
        recording: Recording,
        transcript: Transcript | None,
        score: CallScore | None,
        run_id: int | None,
        content_hash: str | None = None,
    ) -> int | None:
        """Store a call's recording row, transcript and score together, in one transaction.

        The all-or-nothing alternative to :meth:`upsert_recording`, :meth:`save_transcript`
        and :meth:`save_score`: a process killed half-way leaves none of them.

        Returns:
            The ``call_scores`` row id, or ``None`` when ``score`` is ``None``.
        """
        with self._write(f"store call {recording.call_id}") as conn:
            self._upsert_recording(conn, recording, run_id)
            if transcript is not None:
                self._save_transcript(
                    conn, transcript, content_hash or recording.content_hash, run_id
                )
            return None if score is None else self._save_score(conn, score, run_id)

    def save_calls(
        self,
        calls: Iterable[tuple[Recording, Transcript | None, CallScore | None]],
        run_id: int | None,
    ) -> int:
        """Store many calls (as :meth:`save_call` each) in one transaction.

        For bulk loads (the demo month, benchmarks): one commit instead of one per call.

        Returns:
            The number of calls stored.
        """
        n = 0
        with self._write("store calls") as conn:
            for recording, transcript, score in calls:
                self._upsert_recording(conn, recording, run_id)
                if transcript is not None:
                    self._save_transcript(conn, transcript, recording.content_hash, run_id)
                if score is not None:
                    self._save_score(conn, score, run_id)
                n += 1
        return n

    # ------------------------------------------------------------------ transcripts

    def save_transcript(
        self, transcript: Transcript, content_hash: str | None, run_id: int | None
    ) -> int:
        """Store a call's transcript (redacted), replacing the one from the same model.

        Returns:
            The transcript row id.
        """
        with self._write(f"store transcript {transcript.call_id}") as conn:
            return self._save_transcript(conn, transcript, content_hash, run_id)

    def _save_transcript(
        self, conn: Connection, transcript: Transcript, content_hash: str | None, run_id: int | None
    ) -> int:
        t = redact_transcript(transcript, self.redact_options)
        meta = {k: getattr(t, k) for k in _META_FIELDS if getattr(t, k) is not None}
        values = {
            "call_id": t.call_id,
            "model": t.asr_model or "",
            "options": dict(t.asr_options),
            "content_hash": content_hash,
            "language": t.language,
            "duration_s": t.duration_s,
            "segments": [s.to_dict() for s in t.segments],
            "metrics": t.metrics.to_dict() if t.metrics else None,
            "flags": list(t.flags),
            "run_id": run_id,
            "created_at": _now(),
        }
        ins = self._insert()(transcripts).values(**values)
        stmt = ins.on_conflict_do_update(
            index_elements=["call_id", "model"],
            set_={k: ins.excluded[k] for k in values if k not in ("call_id", "model")},
        ).returning(transcripts.c.id)
        self._touch_recording(conn, t.call_id, meta, run_id)
        tid = int(conn.execute(stmt).scalar_one())
        # the newest transcript is the one the call page shows: the search follows it
        replace_turns(conn, t.call_id, [s.to_dict() for s in t.segments])
        return tid

    def load_transcript_segments(self, call_id: str, model: str | None = None) -> list[dict]:
        """The stored (redacted) segments of a call, newest model first when ``model`` is None."""
        query = select(transcripts.c.segments).where(transcripts.c.call_id == call_id)
        if model is not None:
            query = query.where(transcripts.c.model == model)
        with self._read("read a transcript") as conn:
            row = conn.execute(query.order_by(transcripts.c.created_at.desc())).first()
        return list(row[0]) if row else []

    def stored_transcripts(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> Iterator[Transcript]:
        """Each stored call's newest transcript (redacted) with its recording's metadata.

        Only calls that started in ``[since, until)`` (by ``recordings.started_at``).
        """
        query = (
            select(
                transcripts,
                recordings.c.agent_id,
                recordings.c.team,
                recordings.c.started_at,
                recordings.c.call_type,
            )
            .join(recordings, recordings.c.call_id == transcripts.c.call_id)
            .order_by(transcripts.c.call_id, transcripts.c.created_at.desc())
        )
        if since is not None:
            query = query.where(recordings.c.started_at >= since)
        if until is not None:
            query = query.where(recordings.c.started_at < until)
        with self._read("read stored transcripts") as conn:
            rows = conn.execute(query).mappings().all()
        seen: set[str] = set()
        for r in rows:
            if r["call_id"] in seen:
                continue
            seen.add(r["call_id"])
            yield Transcript.from_dict(
                {
                    "call_id": r["call_id"],
                    "segments": r["segments"],
                    "language": r["language"],
                    "duration_s": r["duration_s"],
                    "agent_id": r["agent_id"],
                    "team": r["team"],
                    "started_at": r["started_at"],
                    "call_type": r["call_type"],
                    "asr": {"model": r["model"] or None, "options": r["options"]},
                    "metrics": r["metrics"],
                    "flags": r["flags"],
                }
            )

    # ------------------------------------------------------------------ scores

    def save_score(self, score: CallScore, run_id: int | None) -> int:
        """Store a call's score and item results (redacted) in one transaction.

        Scoring the same call again with the same rubric id and version replaces the old
        result; another version is kept beside it.

        Returns:
            The ``call_scores`` row id.
        """
        with self._write(f"store the score of {score.call_id}") as conn:
            return self._save_score(conn, score, run_id)

    def _save_score(self, conn: Connection, score: CallScore, run_id: int | None) -> int:
        s = redact_score(score, self.redact_options)
        meta = {k: getattr(s, k) for k in _META_FIELDS[:4] if getattr(s, k) is not None}
        values = {
            "call_id": s.call_id,
            "rubric_id": s.rubric_id,
            "rubric_version": s.rubric_version,
            "rubric_sha256": s.rubric_sha256,
            "asr_model": s.asr_model,
            "score": s.score,
            "grade": s.grade,
            "critical_failed": s.critical_failed,
            "errors": list(s.errors),
            "run_id": run_id,
            "scored_at": _now(),
        }
        ins = self._insert()(call_scores).values(**values)
        upsert = ins.on_conflict_do_update(
            index_elements=["call_id", "rubric_id", "rubric_version"],
            set_={k: ins.excluded[k] for k in values if k not in ("call_id", "rubric_id")},
        ).returning(call_scores.c.id)
        self._touch_recording(conn, s.call_id, meta, run_id)
        score_id = int(conn.execute(upsert).scalar_one())
        conn.execute(delete(item_results).where(item_results.c.score_id == score_id))
        if s.items:
            conn.execute(
                insert(item_results),
                [
                    {
                        "score_id": score_id,
                        "item_id": it.item_id,
                        "item_name": it.name,
                        "dimension": it.dimension,
                        "status": str(it.status),
                        "points": float(it.points),
                        "awarded": it.awarded,
                        "critical_failed": it.critical_failed,
                        "reason": it.reason,
                        "evidence": [e.to_dict() for e in it.evidence],
                        "confidence": it.confidence,
                    }
                    for it in s.items
                ],
            )
        return score_id

    def has_score(self, call_id: str, rubric_id: str, rubric_version: str) -> bool:
        """Whether the call is already scored with this rubric id and version."""
        query = select(call_scores.c.id).where(
            call_scores.c.call_id == call_id,
            call_scores.c.rubric_id == rubric_id,
            call_scores.c.rubric_version == rubric_version,
        )
        with self._read("look up a score") as conn:
            return conn.execute(query).first() is not None

    # ------------------------------------------------------------------ errors, reviews

    def record_error(
        self, run_id: int | None, call_id: str | None, stage: str, kind: str, message: str
    ) -> None:
        """Record one failure of one call in one stage (the batch goes on)."""
        text = scrub(redact_text(message, self.redact_options), self._url)
        what = f"record the {stage}/{kind} failure of {call_id or 'the night'}"
        with self._write(what) as conn:
            conn.execute(
                insert(call_errors),
                {
                    "run_id": run_id,
                    "call_id": call_id,
                    "stage": stage,
                    "kind": kind,
                    "message": text,
                    "created_at": _now(),
                },
            )

    def save_review(
        self,
        call_id: str,
        rubric_id: str,
        rubric_version: str,
        item_id: str,
        reviewer: str,
        new_status: Status | str,
        note: str = "",
        decided_at: datetime | None = None,
    ) -> int:
        """Record a human reviewer's decision on one item of one scored call.

        Raises:
            StoreError: ``new_status`` is not one of pass / fail / na / review.
        """
        try:
            status = Status(str(new_status))
        except ValueError:
            raise StoreError(
                f"review of {call_id}/{item_id}: unknown status {new_status!r} "
                f"(use {', '.join(s.value for s in Status)})"
            ) from None
        with self._write("record a review") as conn:
            result = conn.execute(
                insert(review_decisions).returning(review_decisions.c.id),
                {
                    "call_id": call_id,
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "item_id": item_id,
                    "reviewer": reviewer,
                    "new_status": str(status),
                    "note": redact_text(note, self.redact_options),
                    "decided_at": decided_at or _now(),
                },
            )
            return int(result.scalar_one())
