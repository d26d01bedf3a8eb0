"""The reads of the withdrawal routine; every one passes through models.scope."""
import json
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from models import AuditLog, Branch, County, Employer, Employment, Membership, Person, User, Workplace, db
from models.codes import N_
from models.scope import Scope

from .services import BRANCH_TRANSFER

# What withdrawing a member reads of the membership (Scope.get_or_404 loads it).
MEMBERSHIP_LOADS = (
    selectinload(Membership.person),
    selectinload(Membership.dues_codes),
    selectinload(Membership.employments).selectinload(Employment.workplace).selectinload(Workplace.employer),
    selectinload(Membership.insurances),
)


def get_employer(employer_id: int) -> Employer:
    """Employers are not scoped (their names are no secret); the members listed under them are."""
    return db.session.get(Employer, employer_id) or abort(404)


@dataclass
class StopRow:
    """A withdrawn member whose deduction at one employer must stop."""

    membership_id: int
    person_id: int
    first_name: str
    last_name: str
    national_id: str
    member_number: int
    end_date: date
    withdrawal_code: int
    unit: str
    notified_at: datetime | None
    notified_by: str | None
    workplaces: list[str] = field(default_factory=list)  # at this employer

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


@dataclass
class EmployerGroup:
    employer_id: int
    name: str
    orgnr: str
    rows: list[StopRow] = field(default_factory=list)

    @property
    def not_notified(self) -> int:
        return sum(1 for row in self.rows if row.notified_at is None)


def stop_queue(user, start: date, end: date, employer_id: int | None = None) -> list[EmployerGroup]:
    """Memberships in scope ended from `start` to `end` (not transfers between branches) that were
    paid by deduction at an employer on their last day, grouped by employer (by name)."""
    deducted_on_last_day = sa.and_(
        Employment.membership_id == Membership.id,
        Employment.payment_method == "deduction",
        Employment.from_date <= Membership.end_date,
        sa.or_(Employment.to_date.is_(None), Employment.to_date >= Membership.end_date),
    )
    stmt = (
        sa.select(
            Employer.id, Employer.name, Employer.orgnr, Workplace.name,
            Membership.id, Person.id, Person.first_name, Person.last_name, Person.national_id,
            Membership.member_number, Membership.end_date, Membership.withdrawal_code,
            sa.func.coalesce(Branch.number, County.number), sa.func.coalesce(Branch.name, County.name),
            Membership.stop_notified_at, User.username,
        )
        .select_from(Membership)
        .join(Employment, deducted_on_last_day)
        .join(Workplace, Workplace.id == Employment.workplace_id)
        .join(Employer, Employer.id == Workplace.employer_id)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Branch, Branch.id == Membership.branch_id)
        .outerjoin(County, County.id == Membership.county_id)
        .outerjoin(User, User.id == Membership.stop_notified_by)
        .where(
            Scope.of(user).where(Membership),
            Membership.end_date.between(start, end),
            Membership.withdrawal_code != BRANCH_TRANSFER,
        )
        .order_by(Employer.name, Employer.id, Person.name_key, Membership.id, Workplace.name)
    )
    if employer_id is not None:
        stmt = stmt.where(Employer.id == employer_id)
    groups: dict[int, EmployerGroup] = {}
    rows: dict[tuple[int, int], StopRow] = {}
    for (employer_id_, employer_name, orgnr, workplace, membership_id, person_id, first, last, nid, number,
         end_date, code, unit_number, unit_name, notified_at, notified_by) in db.session.execute(stmt):
        group = groups.setdefault(employer_id_, EmployerGroup(employer_id_, employer_name, orgnr))
        row = rows.get((employer_id_, membership_id))
        if row is None:  # more workplaces of the same employer join the member's one row
            row = rows[employer_id_, membership_id] = StopRow(
                membership_id, person_id, first, last, nid, number, end_date, code, f"{unit_number} {unit_name}",
                notified_at, notified_by)
            group.rows.append(row)
        if workplace not in row.workplaces:
            row.workplaces.append(workplace)
    return list(groups.values())


def memberships_of(groups: list[EmployerGroup]) -> list[Membership]:
    ids = sorted({row.membership_id for group in groups for row in group.rows})
    return db.session.scalars(sa.select(Membership).where(Membership.id.in_(ids)).order_by(Membership.id)).all()


EXPORT_HEADER = [N_("Arbeidsgiver"), N_("Org.nr."), N_("Arbeidssted"), N_("Navn"), N_("Fødselsnummer"),
                 N_("Medlemsnr."), N_("Siste dag som medlem"), N_("Utmeldingskode"), N_("Fagforening"), N_("Varslet")]


def export_rows(groups: list[EmployerGroup]):
    for group in groups:
        for row in group.rows:
            yield [group.name, group.orgnr, ", ".join(row.workplaces), row.sort_name, row.national_id, row.member_number,
                   row.end_date, row.withdrawal_code, row.unit, row.notified_at]


def receiving_union(membership: Membership) -> str | None:
    """The union a member transferred to (codes 6 and 7), as the withdrawal's audit row holds it."""
    rows = db.session.scalars(
        sa.select(AuditLog.changes)
        .where(AuditLog.entity == "membership", AuditLog.entity_id == membership.id, AuditLog.action == "update",
               AuditLog.changes.is_not(None))
        .order_by(AuditLog.id.desc())
        .limit(50)
    )
    for changes in rows:
        if union := json.loads(changes).get("receiving_union"):
            return union[1]
    return None
