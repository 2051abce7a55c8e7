"""Calibration (blind scoring by several inspectors) and machine agreement."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, insert, select

from qa_pipeline.review.base import WorkbenchBase, _now
from qa_pipeline.review.errors import (
    InvalidInputError,
    NotFoundError,
)
from qa_pipeline.review.permissions import Permission
from qa_pipeline.review.stats import (
    cohen_kappa,
    consensus,
    dominant,
    fleiss_kappa,
    fleiss_parts,
    percent_agreement,
)
from qa_pipeline.review.users import User
from qa_pipeline.review.verdicts import (
    VERDICTS,
    latest_decisions_query,
)
from qa_pipeline.review.views import (
    AgreementRow,
    Calibration,
    CalibrationItem,
    CalibrationResults,
    CalibrationScore,
    CalibrationSession,
    CallDetail,
    RaterItem,
)
from qa_pipeline.store.schema import (
    call_scores,
    item_results,
)
from qa_pipeline.store.workbench import (
    calibration_calls,
    calibration_scores,
    calibration_sessions,
)

log = logging.getLogger(__name__)

#: A calibration blinds its raters to the calls' verdicts for this long after it starts.
BLIND_DAYS = 30
BLIND_AGE = timedelta(days=BLIND_DAYS)
#: Below this many calls rated by two or more, an item's kappa is not shown.
MIN_KAPPA_CALLS = 10


class CalibrationMixin(WorkbenchBase):
    """Calibration sessions and the machine's agreement with people."""

    # ------------------------------------------------------------------ calibration

    def create_calibration(
        self, user: User, name: str, rubric_id: str, rubric_version: str, call_ids: Sequence[str]
    ) -> int:
        """A calibration session: several inspectors score the same calls blind."""
        user.need(
            Permission.START_CALIBRATION, "only admins, trainers and inspectors start calibrations"
        )
        calls = [c.strip() for c in call_ids if c.strip()]
        if not name.strip() or not calls:
            raise InvalidInputError(
                "a calibration needs a name and at least one call", "calibration_empty"
            )
        with self.store._write("start a calibration") as conn:
            for call_id in calls:
                self._item_row_exists(conn, call_id, rubric_id, rubric_version)
            sid = conn.execute(
                insert(calibration_sessions).returning(calibration_sessions.c.id),
                {
                    "name": name.strip(),
                    "rubric_id": rubric_id,
                    "rubric_version": rubric_version,
                    "created_by": user.id,
                    "created_at": _now(),
                },
            ).scalar_one()
            conn.execute(
                insert(calibration_calls),
                [{"session_id": sid, "call_id": c} for c in dict.fromkeys(calls)],
            )
            return int(sid)

    def calibrations(self) -> list[CalibrationSession]:
        """Calibration sessions, newest first."""
        with self.store._read("list calibrations") as conn:
            return [
                CalibrationSession.from_row(r)
                for r in conn.execute(
                    select(calibration_sessions).order_by(calibration_sessions.c.id.desc())
                )
            ]

    def calibration(self, session_id: int) -> Calibration:
        """A session, its calls and items (names, no machine verdicts: the scoring is blind)."""
        with self.store._read("read a calibration") as conn:
            s = conn.execute(
                select(calibration_sessions).where(calibration_sessions.c.id == session_id)
            ).first()
            if s is None:
                raise NotFoundError(
                    f"no calibration {session_id}", "no_calibration", session=session_id
                )
            calls = [
                r.call_id
                for r in conn.execute(
                    select(calibration_calls.c.call_id)
                    .where(calibration_calls.c.session_id == session_id)
                    .order_by(calibration_calls.c.call_id)
                )
            ]
            items = conn.execute(
                select(item_results.c.item_id, item_results.c.item_name)
                .select_from(item_results.join(call_scores))
                .where(
                    call_scores.c.call_id == calls[0],
                    call_scores.c.rubric_id == s.rubric_id,
                    call_scores.c.rubric_version == s.rubric_version,
                )
                .order_by(item_results.c.id)
            ).all()
            scores = conn.execute(
                select(calibration_scores).where(calibration_scores.c.session_id == session_id)
            ).all()
        return Calibration(
            CalibrationSession.from_row(s),
            tuple(calls),
            tuple((i.item_id, i.item_name or i.item_id) for i in items),
            tuple(CalibrationScore.from_row(r) for r in scores),
        )

    def score_calibration(
        self, user: User, session_id: int, call_id: str, verdicts: Mapping[str, str]
    ) -> None:
        """Record one inspector's blind verdicts on one call of a calibration session.

        A new score replaces the inspector's own earlier one.

        Args:
            user: The inspector or trainer scoring.
            session_id: The calibration session.
            call_id: A call of the session.
            verdicts: Verdict by item id.

        Raises:
            ForbiddenError: not an inspector or trainer.  NotFoundError: an unknown
            session, or a call not in it.  InvalidInputError: an unknown item or a bad
            verdict.
        """
        user.need(Permission.SCORE_CALIBRATION, "only inspectors and trainers score calibrations")
        data = self.calibration(session_id)
        if call_id not in data.calls:
            raise NotFoundError(
                f"call {call_id!r} is not in calibration {session_id}",
                "not_in_calibration",
                call=call_id,
            )
        known = {i for i, _ in data.items}
        for item_id, status in verdicts.items():
            if item_id not in known:
                raise InvalidInputError(
                    f"the rubric has no item {item_id!r}", "no_item", item=item_id
                )
            if status not in VERDICTS:
                raise InvalidInputError(
                    f"verdict must be one of {', '.join(VERDICTS)}", "bad_verdict"
                )
        ins = self.store._insert()(calibration_scores)
        with self.store._write("score a calibration") as conn:
            for item_id, status in verdicts.items():
                stmt = ins.values(
                    session_id=session_id,
                    call_id=call_id,
                    item_id=item_id,
                    user_id=user.id,
                    status=status,
                    scored_at=_now(),
                )
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["session_id", "call_id", "item_id", "user_id"],
                        set_={"status": stmt.excluded.status, "scored_at": stmt.excluded.scored_at},
                    )
                )

    def calibration_results(self, session_id: int) -> CalibrationResults:
        """A session's agreement: per item, and per rater and item.

        Per item: percent agreement, Fleiss' and mean pairwise Cohen's kappa, the
        agreement expected by chance and the commonest verdict. Per rater and item:
        agreement with the other raters' consensus and with the machine. Only for
        pages that may show results (the machine's verdicts are read here).
        """
        data = self.calibration(session_id)
        by_item: dict[str, dict[str, dict[int, str]]] = defaultdict(lambda: defaultdict(dict))
        for sc in data.scores:
            by_item[sc.item_id][sc.call_id][sc.user_id] = sc.status
        raters = tuple(sorted({sc.user_id for sc in data.scores}))
        rows = tuple(
            _item_agreement(item_id, name, by_item.get(item_id, {}), raters)
            for item_id, name in data.items
        )
        machine = self._machine_verdicts(data)
        per_rater = tuple(
            _rater_item(user_id, item_id, by_item.get(item_id, {}), machine)
            for user_id in raters
            for item_id, _ in data.items
        )
        return CalibrationResults(
            data.session, data.calls, data.items, data.scores, raters, rows, per_rater
        )

    def _machine_verdicts(self, data: Calibration) -> dict[tuple[str, str], str]:
        """The machine's stored verdict by (call, item) on the session's calls."""
        s = data.session
        with self.store._read("read machine verdicts of a calibration") as conn:
            return {
                (r.call_id, r.item_id): r.status
                for r in conn.execute(
                    select(call_scores.c.call_id, item_results.c.item_id, item_results.c.status)
                    .select_from(item_results.join(call_scores))
                    .where(
                        call_scores.c.call_id.in_(list(data.calls)),
                        call_scores.c.rubric_id == s.rubric_id,
                        call_scores.c.rubric_version == s.rubric_version,
                    )
                )
            }

    # ------------------------------------------------------------------ blind scoring

    def blind_call(self, user: User, session_id: int, call_id: str) -> CallDetail:
        """A call of a calibration as its raters see it: recording and transcript only.

        The evaluations (the machine's verdicts, people's decisions) are left out, so the
        page cannot show or link them.

        Raises:
            NotFoundError: unknown session, or a call not in it.
        """
        data = self.calibration(session_id)
        if call_id not in data.calls:
            raise NotFoundError(
                f"call {call_id!r} is not in calibration {session_id}",
                "not_in_calibration",
                call=call_id,
            )
        detail = self.call_detail(user, call_id)  # type: ignore[attr-defined]
        return replace(detail, evaluations=())

    def blind_session(self, user: User, call_id: str) -> int | None:
        """A recent calibration in which ``user`` has yet to score ``call_id``, if any.

        While there is one, the rater sees the call only blind (the call page sends them
        to the calibration's view of it). Sessions older than :data:`BLIND_DAYS` no
        longer blind anyone.

        Args:
            user: A user; only raters (``SCORE_CALIBRATION``) are ever blinded.
            call_id: The call.

        Returns:
            The session id, or ``None``.
        """
        if not user.can(Permission.SCORE_CALIBRATION):
            return None
        cs, cc = calibration_sessions, calibration_calls
        q = (
            select(cs.c.id)
            .select_from(cs.join(cc, cc.c.session_id == cs.c.id))
            .where(cc.c.call_id == call_id, cs.c.created_at >= _now() - BLIND_AGE)
            .order_by(cs.c.id)
        )
        with self.store._read("find blind calibrations") as conn:
            sessions = [r.id for r in conn.execute(q)]
        for sid in sessions:
            data = self.calibration(sid)
            mine = {
                sc.item_id for sc in data.scores if sc.user_id == user.id and sc.call_id == call_id
            }
            if any(item_id not in mine for item_id, _ in data.items):
                return sid
        return None

    # ------------------------------------------------------------------ machine agreement

    def machine_agreement(self, rubric_id: str | None = None) -> list[AgreementRow]:
        """Per rubric version and item: how often the machine agrees with people.

        Over items people decided: how often the machine's verdict matches the final
        human one, and the precision of its fails. ``sampled`` counts the decisions on
        randomly sampled items (the unbiased part); items the machine sent to ``review``
        have no machine verdict and are left out.

        Args:
            rubric_id: Only this rubric's versions; ``None`` for all.

        Returns:
            One row per (rubric id, version, item), in that order.
        """
        stats: dict[tuple[str, str, str], dict[str, Any]] = {}
        with self.store._read("measure machine agreement") as conn:
            for r in conn.execute(_agreement_query(rubric_id)):
                if r.machine != "review":
                    _count_agreement(stats, r)
        out = []
        for (rid, ver, item_id), st in sorted(stats.items()):
            out.append(
                AgreementRow(
                    rubric_id=rid,
                    rubric_version=ver,
                    item_id=item_id,
                    **st,
                    agreement=st["agree"] / st["n"] if st["n"] else None,
                    fail_precision=st["fails_ok"] / st["fails"] if st["fails"] else None,
                )
            )
        return out


def _agreement_query(rubric_id: str | None) -> Select[Any]:
    """Latest human decisions joined to the machine's verdicts on the same items."""
    latest = latest_decisions_query(rubric_id).subquery()
    return select(
        latest.c.rubric_id,
        latest.c.rubric_version,
        latest.c.item_id,
        latest.c.kind,
        item_results.c.item_name,
        item_results.c.status.label("machine"),
        latest.c.new_status.label("human"),
    ).select_from(
        latest.join(
            call_scores,
            and_(
                call_scores.c.call_id == latest.c.call_id,
                call_scores.c.rubric_id == latest.c.rubric_id,
                call_scores.c.rubric_version == latest.c.rubric_version,
            ),
        ).join(
            item_results,
            and_(
                item_results.c.score_id == call_scores.c.id,
                item_results.c.item_id == latest.c.item_id,
            ),
        )
    )


def _count_agreement(stats: dict[tuple[str, str, str], dict[str, Any]], r: Any) -> None:
    """Add one decided item (a row of :func:`_agreement_query`) to ``stats``."""
    st = stats.setdefault(
        (r.rubric_id, r.rubric_version, r.item_id),
        {
            "name": r.item_name or r.item_id,
            "n": 0,
            "agree": 0,
            "fails": 0,
            "fails_ok": 0,
            "sampled": 0,
        },
    )
    st["n"] += 1
    st["agree"] += int(r.machine == r.human)
    st["sampled"] += int(r.kind == "sample")
    if r.machine == "fail":
        st["fails"] += 1
        st["fails_ok"] += int(r.human == "fail")


def _item_agreement(
    item_id: str, name: str, calls: Mapping[str, Mapping[int, str]], raters: Sequence[int]
) -> CalibrationItem:
    """One item's agreement: percent, Fleiss' and mean pairwise Cohen's kappa, chance."""
    ratings = [list(v.values()) for v in calls.values()]
    pairs = []
    for i, a in enumerate(raters):
        for b in raters[i + 1 :]:
            both = [(v[a], v[b]) for v in calls.values() if a in v and b in v]
            k = cohen_kappa([x for x, _ in both], [y for _, y in both]) if both else None
            if k is not None:
                pairs.append(k)
    parts = fleiss_parts(ratings)
    top = dominant([r for r in ratings if len(r) >= 2])
    return CalibrationItem(
        item_id=item_id,
        name=name,
        calls=sum(1 for r in ratings if len(r) >= 2),
        agreement=percent_agreement(ratings),
        fleiss=fleiss_kappa(ratings),
        cohen=sum(pairs) / len(pairs) if pairs else None,
        chance=parts[1] if parts else None,
        top=top[0] if top else None,
        top_share=top[1] if top else None,
    )


def _rater_item(
    user_id: int,
    item_id: str,
    calls: Mapping[str, Mapping[int, str]],
    machine: Mapping[tuple[str, str], str],
) -> RaterItem:
    """One rater on one item: agreement with the other raters' majority and the machine."""
    c_n = c_ok = m_n = m_ok = 0
    for call_id, verdicts in calls.items():
        mine = verdicts.get(user_id)
        if mine is None:
            continue
        others = consensus([v for u, v in verdicts.items() if u != user_id])
        if others is not None:
            c_n += 1
            c_ok += int(mine == others)
        m = machine.get((call_id, item_id))
        if m is not None and m != "review":
            m_n += 1
            m_ok += int(mine == m)
    return RaterItem(user_id, item_id, c_n, c_ok, m_n, m_ok)
