"""The reads of the enrollment routine; every one that shows members passes through models.scope."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from models import (
    Branch,
    County,
    DuesCode,
    Employer,
    Employment,
    EnrollmentCode,
    Membership,
    Person,
    Section,
    User,
    Workplace,
    db,
)
from models.codes import N_
from models.counter import next_number
from models.dues import load_member_facts, rate_history
from models.scope import Scope
from rules.dues import Dues, DuesError, member_dues, rates_on
from web import clock
from web.formatting import OSLO

TRANSFER_CODE = 1  # enrolled as a transfer between branches: never in the new-members queue


# --- enrollment started from a deduction list's line ----------------------------------------------

@dataclass(frozen=True)
class Prefill:
    """What an unexpected line of a deduction list tells enrollment: the names the employer gave, and
    the employer's workplace in the list's branch (else its first workplace)."""

    last_name: str
    first_name: str
    workplace_id: int | None


def line_prefill(line) -> Prefill:
    """`line` was loaded through the scope (a line of a list the user may see)."""
    last_name, _, first_name = line.name.partition(", ")
    deduction_list = line.deduction_list
    workplaces = db.session.scalars(sa.select(Workplace).where(Workplace.employer_id == deduction_list.employer_id)
                                    .order_by(Workplace.id)).all()
    workplace = next((w for w in workplaces if w.branch_id == deduction_list.branch_id),
                     workplaces[0] if workplaces else None)
    return Prefill(last_name.strip(), first_name.strip(), workplace.id if workplace else None)


# --- what the user may choose ----------------------------------------------------------------------

def branches_in_scope(user) -> list[Branch]:
    return db.session.scalars(sa.select(Branch).where(Scope.of(user).where(Branch)).order_by(Branch.number)).all()


def county_ids_in_scope(user) -> set[int]:
    """The counties whose directly attached members (students, pupils) the user may enroll: a branch
    officer's are the counties of their branches."""
    return set(db.session.scalars(sa.select(County.id).where(Scope.of(user).where(County))))


def counties_in_scope(user) -> list[County]:
    ids = county_ids_in_scope(user)
    return db.session.scalars(sa.select(County).where(County.id.in_(ids)).order_by(County.number)).all()


def workplaces_query(user) -> sa.Select:
    """The workplaces a member may be registered at: those of the user's branches, and those that
    belong to no branch."""
    in_scope = sa.select(Branch.id).where(Scope.of(user).where(Branch))
    return (
        sa.select(Workplace)
        .join(Workplace.employer)
        .where(sa.or_(Workplace.branch_id.is_(None), Workplace.branch_id.in_(in_scope)))
    )


def workplaces(user) -> list[Workplace]:
    return db.session.scalars(
        workplaces_query(user).options(selectinload(Workplace.employer)).order_by(Employer.name, Workplace.name)
    ).all()


def workplace_in_scope(user, workplace_id: int) -> Workplace | None:
    return db.session.scalar(workplaces_query(user).where(Workplace.id == workplace_id))


def sections() -> list[Section]:
    return db.session.scalars(sa.select(Section).order_by(Section.number)).all()


def enrollment_codes() -> list[EnrollmentCode]:
    """The codes an enrollment may have here: all but code 1, which only a transfer's acceptance sets."""
    return db.session.scalars(
        sa.select(EnrollmentCode).where(EnrollmentCode.code != TRANSFER_CODE).order_by(EnrollmentCode.code)
    ).all()


def dues_codes() -> list[DuesCode]:
    return db.session.scalars(sa.select(DuesCode).order_by(DuesCode.code)).all()


# --- people and memberships ------------------------------------------------------------------------

def find_person(national_id: str) -> Person | None:
    """The person with this identity number, whoever's member they were: the number is the key that
    keeps one person from being registered twice. Shown only to someone who typed the whole number."""
    return db.session.scalar(sa.select(Person).where(Person.national_id == national_id))


def person_visible(user, person: Person) -> bool:
    """Whether the user may open the person's card (a membership of theirs is in the user's scope)."""
    return db.session.scalar(
        sa.select(sa.exists().where(Membership.person_id == person.id, Scope.of(user).where(Membership)))
    )


# What the welcome letter reads of the membership (Scope.get_or_404 loads it).
MEMBERSHIP_LOADS = (
    selectinload(Membership.person), selectinload(Membership.branch), selectinload(Membership.county),
    selectinload(Membership.section), selectinload(Membership.dues_codes),
    selectinload(Membership.employments), selectinload(Membership.insurances),
)


def get_employer(employer_id: int) -> Employer:
    """Employers are no secret; the members listed under them are scoped."""
    return db.session.get(Employer, employer_id) or abort(404)


def next_member_number() -> int:
    return next_number("member_number", sa.select(sa.func.max(Membership.member_number)).scalar_subquery())


# --- the queue "new members to put on deduction" --------------------------------------------------

@dataclass
class StartRow:
    """A new member whose dues the employer is to start deducting."""

    membership_id: int
    person_id: int
    first_name: str
    last_name: str
    national_id: str
    member_number: int
    start_date: date
    unit: str
    notified_at: datetime | None
    notified_by: str | None
    position_bp: int = 0  # summed over the member's workplaces at this employer
    workplaces: list[str] = field(default_factory=list)
    rate_bp: int | None = None  # the branch's percentage
    dues: Dues | None = None  # today, or on the start date when that is later
    dues_error: str | None = None
    pay_known: bool = False  # without a registered pay the employer works out the percentage part

    @property
    def percentage_part_ore(self) -> int | None:
        return self.dues.percentage_part_ore if self.dues and self.pay_known else None

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def workplace_names(self) -> str:
        return ", ".join(self.workplaces)


@dataclass
class EmployerGroup:
    employer_id: int
    name: str
    orgnr: str
    rows: list[StartRow] = field(default_factory=list)

    @property
    def not_notified(self) -> list[StartRow]:
        return [row for row in self.rows if row.notified_at is None]


def start_queue(user, start: date, end: date, *, include_notified: bool = False,
                employer_id: int | None = None, today: date | None = None) -> list[EmployerGroup]:
    """Memberships in scope that started from `start` to `end`, not transfers between branches (code
    1), still active, with an open employment paid by deduction; grouped by employer (by name)."""
    stmt = (
        sa.select(
            Employer.id, Employer.name, Employer.orgnr, Workplace.name, Employment.position_bp,
            Membership.id, Person.id, Person.first_name, Person.last_name, Person.national_id,
            Membership.member_number, Membership.start_date,
            sa.func.coalesce(Branch.number, County.number), sa.func.coalesce(Branch.name, County.name),
            Membership.start_notified_at, sa.func.coalesce(User.full_name, User.username),
        )
        .select_from(Membership)
        .join(Employment, sa.and_(Employment.membership_id == Membership.id,
                                  Employment.payment_method == "deduction", Employment.to_date.is_(None)))
        .join(Workplace, Workplace.id == Employment.workplace_id)
        .join(Employer, Employer.id == Workplace.employer_id)
        .join(Person, Person.id == Membership.person_id)
        .outerjoin(Branch, Branch.id == Membership.branch_id)
        .outerjoin(County, County.id == Membership.county_id)
        .outerjoin(User, User.id == Membership.start_notified_by)
        .where(
            Scope.of(user).where(Membership),
            Membership.start_date.between(start, end),
            Membership.enrollment_code != TRANSFER_CODE,
            Membership.end_date.is_(None),
        )
        .order_by(Employer.name, Employer.id, Person.name_key, Membership.id, Workplace.name)
    )
    if not include_notified:
        stmt = stmt.where(Membership.start_notified_at.is_(None))
    if employer_id is not None:
        stmt = stmt.where(Employer.id == employer_id)
    groups: dict[int, EmployerGroup] = {}
    rows: dict[tuple[int, int], StartRow] = {}
    for (employer, employer_name, orgnr, workplace, position_bp, membership_id, person_id, first, last, nid,
         number, start_date, unit_number, unit_name, notified_at, notified_by) in db.session.execute(stmt):
        group = groups.setdefault(employer, EmployerGroup(employer, employer_name, orgnr))
        row = rows.get((employer, membership_id))
        if row is None:  # more workplaces at the same employer join the member's one row
            row = rows[employer, membership_id] = StartRow(
                membership_id, person_id, first, last, nid, number, start_date, f"{unit_number} {unit_name}",
                notified_at, notified_by)
            group.rows.append(row)
        row.position_bp += position_bp
        row.workplaces.append(workplace)
    _add_dues([row for group in groups.values() for row in group.rows], today or clock.today())
    return list(groups.values())


def _add_dues(rows: list[StartRow], today: date) -> None:
    """Each row's dues from the dues engine as they stand today (from the start date when that is later),
    read set-based: one round of queries per distinct day."""
    if not rows:
        return
    history = rate_history()
    by_day: dict[date, set[int]] = defaultdict(set)
    for row in rows:
        by_day[max(row.start_date, today)].add(row.membership_id)
    found: dict[int, dict] = {}
    for day, ids in by_day.items():
        for membership_id, facts in load_member_facts(day, membership_ids=ids):
            if facts is None:
                found[membership_id] = {"dues_error": _("Ingen kontingentkode %(date)s.", date=format(day, "%d.%m.%Y"))}
                continue
            values = found[membership_id] = {"rate_bp": facts.branch_rate_bp,
                                             "pay_known": facts.monthly_pay_ore is not None}
            try:
                values["dues"] = member_dues(facts, rates_on(history, day), day)
            except DuesError as error:
                values["dues_error"] = str(error)
    for row in rows:
        for name, value in found.get(row.membership_id, {}).items():
            setattr(row, name, value)


def queue_memberships(user, groups: list[EmployerGroup], ids: set[int] | None = None) -> list[Membership]:
    """The memberships of the queue's rows (those with an id in `ids` when given), in scope."""
    chosen = {row.membership_id for group in groups for row in group.rows}
    if ids is not None:
        chosen &= ids
    return db.session.scalars(
        sa.select(Membership).where(Membership.id.in_(chosen), Scope.of(user).where(Membership)).order_by(Membership.id)
    ).all()


EXPORT_HEADER = [N_("Arbeidsgiver"), N_("Org.nr."), N_("Arbeidssted"), N_("Navn"), N_("Fødselsnummer"),
                 N_("Medlemsnr."), N_("Startdato"), N_("Stilling (%)"), N_("Prosentsats (%)"), N_("Prosenttrekk (kr)"),
                 N_("Faste beløp (kr)"), N_("Fagforening"), N_("Varslet"), N_("Varslet av")]


def export_rows(groups: list[EmployerGroup], money, percent):
    """The queue's lines for a spreadsheet; `money` and `percent` turn øre and hundredths into cells."""
    for group in groups:
        for row in group.rows:
            yield [
                group.name, group.orgnr, row.workplace_names, row.sort_name, row.national_id,
                row.member_number, row.start_date, percent(row.position_bp),
                percent(row.rate_bp) if row.rate_bp is not None else None,
                money(row.percentage_part_ore) if row.percentage_part_ore is not None else None,
                money(row.dues.fixed_ore) if row.dues else None,
                row.unit, local_date(row.notified_at), row.notified_by,
            ]


def local_date(moment: datetime | None) -> date | None:
    """A stored (naive UTC) moment as the day it was in Norway."""
    return moment.replace(tzinfo=UTC).astimezone(OSLO).date() if moment else None
