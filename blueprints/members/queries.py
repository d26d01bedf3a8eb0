"""The reads behind the member search and card; every one passes through models.scope."""
import re
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    AuditLog,
    Branch,
    BranchRate,
    County,
    DuesCode,
    DuesCodePeriod,
    Employer,
    Employment,
    Membership,
    Person,
    Workplace,
    db,
)
from models.base import straight_join
from models.codes import MEMBERSHIP_TYPES
from models.dues import dues_on, rate_history
from models.scope import Scope
from rules.dues import Dues, DuesError
from rules.names import name_key, prefix_upper_bound
from rules.text import ascii_digits
from web.pages import page_bounds

COUNT_CAP = 1000
SORTS = {
    "name": (Person.name_key, Membership.id),
    "number": (Membership.member_number, Membership.id),
    "branch": (Branch.number, Person.name_key),
    "start": (Membership.start_date, Membership.id),
}


@dataclass
class SearchResult:
    rows: list["MemberRow"]
    count: int  # capped at COUNT_CAP + 1
    page: int
    pages: int

    @property
    def count_capped(self) -> bool:
        return self.count > COUNT_CAP


MAX_NUMBER = 2**31 - 1  # the largest number an integer column holds on every database


def number_equals(column, text) -> sa.ColumnElement[bool]:
    """`column` equals the number typed; false when the text is no number an integer column holds."""
    text = str(text or "").strip()
    if text.isascii() and text.isdigit() and int(text) <= MAX_NUMBER:
        return column == int(text)
    return sa.false()


SEPARATORS = re.compile(r"[\s.\-/]+")
DIGIT_RUN = {"q": re.compile(r"\d{7,}"), "employer": re.compile(r"\d{10,}")}


def private_search(values) -> bool:
    """Whether a search's text may hold an identity number, or enough of one to find it (a birth date and
    more: seven digits in a row, separators left out; in the employer field, more digits than an
    organization number has). Such a search is never put in a URL (DOMAIN.md section 8): the form posts
    it and the answer is not pushed into the browser's history. Names and member numbers of up to six
    digits stay in the URL, so those searches can be bookmarked."""
    return any(pattern.search(SEPARATORS.sub("", str(values.get(name) or ""))) for name, pattern in DIGIT_RUN.items())


def classify_query(q: str) -> tuple[str, str]:
    """What a free-text search means: an identity number, a member number, or a name prefix."""
    q = " ".join((q or "").split())
    digits = ascii_digits(q.replace(" ", ""))  # full-width or Arabic-Indic digits mean the same number
    if digits.isdigit():
        return ("national_id", digits) if len(digits) == 11 else ("member_number", digits)
    return ("name", q)


def search(user, filters: dict, page: int, page_size: int) -> SearchResult:
    kind, value = classify_query(filters.get("q", ""))
    by_name = filters.get("sort", "name") in ("name", None, "") and kind == "name"
    persons_first = straight_join(Person, Membership, Membership.person_id == Person.id)
    stmt = (
        (sa.select(Membership).select_from(persons_first) if by_name else sa.select(Membership).join(Membership.person))
        .outerjoin(Membership.branch)
        .where(Scope.of(user).where(Membership))
    )
    status = filters.get("status") or "active"
    if status == "active":
        stmt = stmt.where(Membership.end_date.is_(None))
    elif status == "former":
        stmt = stmt.where(Membership.end_date.is_not(None))

    if value and kind == "national_id":
        stmt = stmt.where(Person.national_id == value)
    elif value and kind == "member_number":
        stmt = stmt.where(number_equals(Membership.member_number, value))
    elif value:
        key = name_key(value)
        stmt = stmt.where(Person.name_key >= key, Person.name_key < prefix_upper_bound(key))

    if employer := (filters.get("employer") or "").strip():
        condition = (
            Employer.orgnr == employer.replace(" ", "")
            if employer.replace(" ", "").isdigit()
            else sa.and_(Employer.name_key >= name_key(employer),
                         Employer.name_key < prefix_upper_bound(name_key(employer)))
        )
        stmt = stmt.where(
            Membership.id.in_(
                sa.select(Employment.membership_id)
                .join(Employment.workplace)
                .join(Workplace.employer)
                .where(Employment.to_date.is_(None), condition)
            )
        )
    if filters.get("branch"):
        stmt = stmt.where(number_equals(Branch.number, filters["branch"]))
    if dues_code := filters.get("dues_code"):
        stmt = stmt.where(
            sa.exists().where(
                DuesCodePeriod.membership_id == Membership.id,
                DuesCodePeriod.to_date.is_(None),
                DuesCodePeriod.code == dues_code,
            )
        )
    if membership_type := filters.get("type"):
        stmt = stmt.where(Membership.membership_type == membership_type)
    if filters.get("return_mail"):
        stmt = stmt.where(Person.return_mail.is_(True))

    count = db.session.scalar(
        sa.select(sa.func.count()).select_from(
            stmt.with_only_columns(Membership.id).order_by(None).limit(COUNT_CAP + 1).subquery()
        )
    )
    columns = SORTS.get(filters.get("sort"), SORTS["name"])
    descending = filters.get("dir") == "desc"
    order = [c.desc() if descending else c.asc() for c in columns]
    page, pages = page_bounds(min(count, COUNT_CAP), page, page_size)
    page_ids = db.session.scalars(
        stmt.with_only_columns(Membership.id).order_by(*order).limit(page_size).offset((page - 1) * page_size)
    ).all()
    return SearchResult(rows=member_rows(page_ids), count=count, page=page, pages=pages)


@dataclass(frozen=True)
class MemberRow:
    """One line of a member list: just what the list shows, read in one query."""

    membership_id: int
    person_id: int
    member_number: int
    membership_type: str
    start_date: date
    end_date: date | None
    first_name: str
    last_name: str
    birth_date: date | None
    return_mail: bool
    return_mail_since: date | None
    address: str | None
    postal_code: str | None
    city: str | None
    unit_number: int
    unit_name: str
    dues_code: str | None
    employers: str | None

    @property
    def sort_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def unit(self) -> str:
        return f"{self.unit_number} {self.unit_name}"

    @property
    def type_name(self) -> str:
        return MEMBERSHIP_TYPES[self.membership_type]


def member_rows(membership_ids: list[int]) -> list[MemberRow]:
    """The list lines of these memberships, in the order given."""
    if not membership_ids:
        return []
    current_code = (
        sa.select(DuesCodePeriod.code)
        .where(DuesCodePeriod.membership_id == Membership.id, DuesCodePeriod.to_date.is_(None))
        .limit(1)
        .scalar_subquery()
    )
    employers = (
        sa.select(sa.func.aggregate_strings(Employer.name, ", "))
        .select_from(Employment)
        .join(Employment.workplace)
        .join(Workplace.employer)
        .where(Employment.membership_id == Membership.id, Employment.to_date.is_(None))
        .scalar_subquery()
    )
    stmt = (
        sa.select(
            Membership.id, Membership.person_id, Membership.member_number, Membership.membership_type,
            Membership.start_date, Membership.end_date, Person.first_name, Person.last_name, Person.birth_date,
            Person.return_mail, Person.return_mail_since, Person.address, Person.postal_code, Person.city,
            sa.func.coalesce(Branch.number, County.number), sa.func.coalesce(Branch.name, County.name),
            current_code, employers,
        )
        .join(Membership.person)
        .outerjoin(Membership.branch)
        .outerjoin(Membership.county)
        .where(Membership.id.in_(membership_ids))
    )
    by_id = {row[0]: MemberRow(*row) for row in db.session.execute(stmt)}
    return [by_id[i] for i in membership_ids]


def memberships_of(user, person: Person) -> list[Membership]:
    """The person's memberships the user may see, newest first, with their history loaded."""
    return db.session.scalars(
        sa.select(Membership)
        .where(Membership.person_id == person.id, Scope.of(user).where(Membership))
        .order_by(Membership.start_date.desc())
        .options(
            selectinload(Membership.branch),
            selectinload(Membership.county),
            selectinload(Membership.section),
            selectinload(Membership.dues_codes).selectinload(DuesCodePeriod.dues_code),
            selectinload(Membership.employments).selectinload(Employment.workplace).selectinload(
                Workplace.employer
            ),
            selectinload(Membership.insurances),
        )
    ).all()


def audit_rows(person: Person, *, changes_only: bool) -> list[AuditLog]:
    stmt = sa.select(AuditLog).where(AuditLog.person_id == person.id)
    if changes_only:
        stmt = stmt.where(AuditLog.action.in_(("create", "update")))
    return db.session.scalars(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(500)).all()


def branch_choices(user) -> list[tuple[str, str]]:
    branches = db.session.execute(
        sa.select(Branch.number, Branch.name).where(Scope.of(user).where(Branch)).order_by(Branch.number)
    ).all()
    return [(str(n), f"{n} {name}") for n, name in branches]


def dues_code_choices() -> list[tuple[str, str]]:
    codes = db.session.execute(sa.select(DuesCode.code, DuesCode.name).order_by(DuesCode.code)).all()
    return [(c, f"{c} – {name}") for c, name in codes]


@dataclass
class DuesLine:
    from_date: date
    code: str
    dues: Dues | None
    error: str | None = None


def dues_history(membership: Membership, today: date) -> list[DuesLine]:
    """What the membership paid from each date something changed (code, pay, rates), newest first.

    A line is kept only where the amount or its reason changed."""
    history = rate_history()
    branch_rates = (
        db.session.scalars(sa.select(BranchRate.valid_from).where(BranchRate.branch_id == membership.branch_id)).all()
        if membership.branch_id else []
    )
    end = min(membership.end_date or today, today)
    changes = {membership.start_date}
    changes.update(p.from_date for p in membership.dues_codes)
    changes.update(e.from_date for e in membership.employments)
    changes.update(e.to_date + timedelta(days=1) for e in membership.employments if e.to_date)
    changes.update(i.from_date for i in membership.insurances)
    changes.update(r.valid_from for r in history)
    changes.update(branch_rates)
    first_rates = history[0].valid_from if history else end
    lines: list[DuesLine] = []
    for day in sorted(d for d in changes if max(membership.start_date, first_rates) <= d <= end):
        code = membership.dues_code_on(day)
        try:
            line = DuesLine(day, code.code if code else "", dues_on(membership, day, history))
        except DuesError as error:
            line = DuesLine(day, code.code if code else "", None, str(error))
        previous = lines[-1] if lines else None
        if previous and previous.code == line.code and previous.error == line.error and (
            previous.dues is None or (previous.dues.total_ore, previous.dues.explanation)
            == (line.dues.total_ore, line.dues.explanation)
        ):
            continue
        lines.append(line)
    return lines[::-1]
