"""The reads behind dues code and membership type changes and the A/L/O review; all scoped."""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from models import Branch, County, DuesCode, DuesCodePeriod, Membership, MembershipChange, Person, db
from models.scope import Scope
from rules.lifecycle import CENTRAL_ONLY_CODES, REVIEWED_CODES, add_months, whole_months
from web.pages import page_bounds


def active_membership(user, membership_id: int) -> Membership:
    """An active membership the user may see, with its history; 404 otherwise (as for no such id)."""
    membership = Scope.of(user).get_or_404(
        Membership, membership_id, selectinload(Membership.dues_codes).selectinload(DuesCodePeriod.dues_code))
    return membership if membership.end_date is None else abort(404)


def is_visible(user, membership_id: int) -> bool:
    return db.session.scalar(
        sa.select(Membership.id).where(Membership.id == membership_id, Scope.of(user).where(Membership))) is not None


def dues_code_choices(role: str) -> list[tuple[str, str]]:
    """The codes the role may choose (W only for the central registry)."""
    codes = db.session.execute(sa.select(DuesCode.code, DuesCode.name).order_by(DuesCode.code)).all()
    return [(c, f"{c} – {name}") for c, name in codes if role == "central" or c not in CENTRAL_ONLY_CODES]


def in_scope_branch(user, branch_id: int | None) -> Branch | None:
    if branch_id is None:
        return None
    return db.session.scalar(sa.select(Branch).where(Branch.id == branch_id, Scope.of(user).where(Branch)))


def branch_choices(user) -> list[tuple[str, str]]:
    rows = db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name).where(Scope.of(user).where(Branch)).order_by(Branch.number)
    ).all()
    return [(str(i), f"{n} {name}") for i, n, name in rows]


def latest_change_date(membership: Membership) -> date | None:
    return db.session.scalar(
        sa.select(sa.func.max(MembershipChange.from_date)).where(MembershipChange.membership_id == membership.id)
    )


def other_active_main(membership: Membership) -> bool:
    """Whether the person already holds another active main membership (anywhere in the union)."""
    return db.session.scalar(
        sa.select(Membership.id).where(
            Membership.person_id == membership.person_id, Membership.id != membership.id,
            Membership.membership_type == "main", Membership.end_date.is_(None),
        ).limit(1)
    ) is not None


def membership_changes(memberships) -> list[tuple[Membership, MembershipChange]]:
    """The type and attachment history of these (already scoped) memberships, newest first."""
    by_id = {m.id: m for m in memberships}
    if not by_id:
        return []
    rows = db.session.scalars(
        sa.select(MembershipChange).where(MembershipChange.membership_id.in_(by_id))
        .order_by(MembershipChange.from_date.desc(), MembershipChange.id.desc())
    ).all()
    return [(by_id[row.membership_id], row) for row in rows]


# --- the A/L/O review --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReviewRow:
    membership_id: int
    person_id: int
    member_number: int
    first_name: str
    last_name: str
    address: str | None
    postal_code: str | None
    city: str | None
    unit_number: int
    unit_name: str
    unit_address: str | None
    unit_postal_code: str | None
    unit_city: str | None
    code: str
    code_name: str
    since: date
    today: date

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def unit(self) -> str:
        return f"{self.unit_number} {self.unit_name}"

    @property
    def months(self) -> int:
        return whole_months(self.since, self.today)


@dataclass
class ReviewPage:
    rows: list[ReviewRow]
    count: int
    page: int
    pages: int


def _review_select(user):
    """Active memberships in scope whose open dues code is A, L or O, with what a row and a letter show."""
    return (
        sa.select(
            Membership.id, Membership.person_id, Membership.member_number, Person.first_name, Person.last_name,
            Person.address, Person.postal_code, Person.city,
            sa.func.coalesce(Branch.number, County.number), sa.func.coalesce(Branch.name, County.name),
            sa.func.coalesce(Branch.address, County.address), sa.func.coalesce(Branch.postal_code, County.postal_code),
            sa.func.coalesce(Branch.city, County.city),
            DuesCodePeriod.code, DuesCode.name, DuesCodePeriod.from_date,
        )
        .select_from(Membership)
        .join(Membership.person)
        .join(DuesCodePeriod, sa.and_(DuesCodePeriod.membership_id == Membership.id, DuesCodePeriod.to_date.is_(None)))
        .join(DuesCodePeriod.dues_code)
        .outerjoin(Membership.branch)
        .outerjoin(Membership.county)
        .where(Membership.end_date.is_(None), DuesCodePeriod.code.in_(REVIEWED_CODES), Scope.of(user).where(Membership))
    )


def review(user, code: str | None, more_than_months: int | None, today: date, page: int,
           page_size: int) -> ReviewPage:
    """Those on A, L or O, longest first; optionally one code, and more than N months on it."""
    stmt = _review_select(user)
    if code:
        stmt = stmt.where(DuesCodePeriod.code == code)
    if more_than_months is not None:
        stmt = stmt.where(DuesCodePeriod.from_date < add_months(today, -more_than_months))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery()))
    page, pages = page_bounds(count, page, page_size)
    rows = db.session.execute(
        stmt.order_by(DuesCodePeriod.from_date, Person.name_key, Membership.id)
        .limit(page_size).offset((page - 1) * page_size)
    ).all()
    return ReviewPage([ReviewRow(*row, today) for row in rows], count, page, pages)


def letter_rows(user, membership_ids: list[int], today: date) -> list[ReviewRow]:
    """The chosen members for letters, in name order; 404 when any id is not one the review lists."""
    wanted = set(membership_ids)
    rows = db.session.execute(
        _review_select(user).where(Membership.id.in_(wanted)).order_by(Person.name_key, Membership.id)
    ).all()
    if len(rows) != len(wanted):
        abort(404)
    return [ReviewRow(*row, today) for row in rows]
