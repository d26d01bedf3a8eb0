"""The reads behind the daily routine and the county's follow-up queue; every one scoped."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import AuditLog, DuesCodePeriod, FollowUp, Membership, Person, db
from models.scope import Scope
from rules.lifecycle import PENSION_AGE, PUPIL_AGE_LIMIT
from web.pages import page_bounds

DAILY_RUN = "routine_daily"  # the audit log's entity for a run of the daily routine


def disabled_reaching_pension_age(day: date) -> list[tuple[Membership, DuesCodePeriod, date]]:
    """Active memberships with the open code U whose member may have turned 67 in a month ended by `day`.

    A superset (born before the first of `day`'s month, 67 years back); rules.lifecycle decides."""
    born_before = date(day.year - PENSION_AGE, day.month, 1)
    return db.session.execute(
        sa.select(Membership, DuesCodePeriod, Person.birth_date)
        .join(Membership.person)
        .join(DuesCodePeriod, sa.and_(DuesCodePeriod.membership_id == Membership.id, DuesCodePeriod.to_date.is_(None)))
        .where(Membership.end_date.is_(None), DuesCodePeriod.code == "U", Person.birth_date < born_before)
        .order_by(Membership.id)
    ).all()


def pupils_maybe_over_limit(day: date) -> list[tuple[Membership, date]]:
    """Active pupils old enough to be over 20 on `day` (a superset), without a follow-up of that kind."""
    born_by = date(day.year - PUPIL_AGE_LIMIT - 1, 12, 31)
    queued = sa.exists().where(FollowUp.membership_id == Membership.id, FollowUp.kind == "pupil_over_20")
    return db.session.execute(
        sa.select(Membership, Person.birth_date)
        .join(Membership.person)
        .where(Membership.end_date.is_(None), Membership.membership_type == "pupil",
               Person.birth_date <= born_by, ~queued)
        .order_by(Membership.id)
    ).all()


def last_run() -> AuditLog | None:
    return db.session.scalar(
        sa.select(AuditLog).where(AuditLog.entity == DAILY_RUN).order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(1)
    )


# --- the follow-up queue -----------------------------------------------------------------------------

@dataclass
class QueuePage:
    rows: list[FollowUp]
    count: int
    page: int
    pages: int


def open_follow_ups(user, page: int, page_size: int) -> QueuePage:
    """Open items, oldest first."""
    stmt = sa.select(FollowUp).where(FollowUp.done_at.is_(None), Scope.of(user).where(FollowUp))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page, pages = page_bounds(count, page, page_size)
    rows = db.session.scalars(
        stmt.order_by(FollowUp.created_at, FollowUp.id).limit(page_size).offset((page - 1) * page_size)
        .options(selectinload(FollowUp.membership).selectinload(Membership.person),
                 selectinload(FollowUp.membership).selectinload(Membership.county),
                 selectinload(FollowUp.membership).selectinload(Membership.branch))
    ).all()
    return QueuePage(rows, count, page, pages)
