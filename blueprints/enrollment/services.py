"""The actions of the enrollment routine: change, flush, audit. The request commits.

An enrollment that the rules refuse raises Refused (a Norwegian message, naming the form field it
belongs to) before anything is added to the session, so nothing is stored.
"""
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from models import (
    Branch,
    DuesCode,
    DuesCodePeriod,
    Employment,
    EnrollmentCode,
    FollowUp,
    InsurancePeriod,
    Membership,
    Person,
    Section,
    db,
    record,
    utcnow,
)
from models.audit import diff
from models.codes import COUNTY_ATTACHED_TYPES, INSURANCE_KINDS, MEMBERSHIP_TYPES, N_, PAYMENT_METHODS
from models.lifecycle import MEMBERSHIP_CONFLICT, mark_notified
from models.scope import Scope
from rules.dues import DuesError, check_pay
from rules.lifecycle import CENTRAL_ONLY_CODES, age_on, pupil_too_old
from rules.money import format_percent
from web.idnumber import InvalidNumber, NationalId, parse_national_id

from . import queries

UNION_TRANSFER_CODES = {6, 7}  # from another union of the confederation: earlier union and its start
WITHOUT_HOME_INSURANCE = 7  # ... which had no collective home insurance: a reservation, told to the county
PERSON_FIELDS = ["first_name", "last_name", "address", "postal_code", "city", "phone", "email"]
PERSON_CONFLICT = N_("Noen andre har endret opplysningene om denne personen mens du arbeidet. "
                      "Start innmeldingen på nytt.")


class Refused(ValueError):
    """An enrollment the rules do not allow; `field` is the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AlreadyMember(Refused):
    """The person has an active membership: a new one would be a second, so it is refused."""

    def __init__(self, person: Person):
        super().__init__(_("Personen er allerede medlem og kan ikke meldes inn på nytt."), "national_id")
        self.person = person


class Conflict(Exception):
    """Someone else changed the same person or membership after the form was opened."""

    def __init__(self, message: str | None = None):
        message = message or _(MEMBERSHIP_CONFLICT)
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Enrollment:
    """What the enrollment form holds, typed (names as the form's fields)."""

    national_id: str
    first_name: str
    last_name: str
    membership_type: str
    unit: str  # "branch-<id>" or "county-<id>"
    section: int | None
    enrollment_code: int | None
    start_date: date
    dues_code: str = "Y"
    address: str | None = None
    postal_code: str | None = None
    city: str | None = None
    phone: str | None = None
    email: str | None = None
    apprentice: bool = False
    earlier_union: str | None = None
    earlier_union_start: date | None = None
    workplace: int | None = None
    position: int | None = 10000
    employment_from: date | None = None
    monthly_pay: int | None = None
    payment_method: str = "deduction"
    home: str = "covered"  # or "reserved"
    benefit_fund: bool = True
    education_fund: bool = True
    person_version: int | None = None


def lookup(text: str) -> tuple[NationalId, Person | None]:
    """Step 1: the valid identity number and the person behind it (None when unknown); a current
    member is refused."""
    try:
        national_id = parse_national_id(text)
    except InvalidNumber as error:
        raise Refused(str(error), "national_id") from error
    person = queries.find_person(national_id.number)
    if person is not None and any(m.active for m in person.memberships):
        raise AlreadyMember(person)
    return national_id, person


def enroll(user, data: Enrollment) -> Membership:
    """A new membership period: for a new person, or for a former member (the same Person, their old
    member number). Returns the membership, flushed and audited."""
    national_id, person = lookup(data.national_id)
    if person is not None and data.person_version != person.version:
        raise Conflict(_(PERSON_CONFLICT))
    previous = person.memberships[-1] if person is not None and person.memberships else None
    branch, county_id = _attachment(user, data)
    _check_membership(user, data, national_id.birth_date, previous)
    workplace = _check_employment(user, data)

    if person is None:
        person = Person(national_id=national_id.number, birth_date=national_id.birth_date)
        person.set_names(data.first_name, data.last_name)
        _apply_person_fields(person, data)
        db.session.add(person)
        db.session.flush()
        record("create", "person", person.id, "Person registrert ved innmelding", person_id=person.id,
               changes={name: [None, getattr(data, name)] for name in PERSON_FIELDS if getattr(data, name)})
        member_number = queries.next_member_number()
    else:
        changes = diff(person, PERSON_FIELDS, _person_values(data))
        _apply_person_fields(person, data)
        person.set_names(data.first_name, data.last_name)
        person.updated_at = utcnow()  # the version moves on, so a second enrollment of the same person collides
        if changes:
            record("update", "person", person.id, "Personalia endret ved innmelding", person_id=person.id,
                   changes=changes)
        member_number = previous.member_number

    code_6_or_7 = data.enrollment_code in UNION_TRANSFER_CODES
    membership = Membership(
        person=person, member_number=member_number, membership_type=data.membership_type,
        apprentice=data.apprentice, branch_id=branch.id if branch else None, county_id=county_id,
        section_id=data.section, start_date=data.start_date, enrollment_code=data.enrollment_code,
        earlier_union=data.earlier_union if code_6_or_7 else None,
        earlier_union_start=data.earlier_union_start if code_6_or_7 else None,
    )
    db.session.add(membership)
    db.session.add(DuesCodePeriod(membership=membership, code=data.dues_code, from_date=data.start_date))
    insurances = {"home": True, "benefit_fund": data.benefit_fund, "education_fund": data.education_fund}
    for kind, held in insurances.items():
        if held:
            db.session.add(InsurancePeriod(membership=membership, kind=kind, from_date=data.start_date,
                                           reserved=kind == "home" and data.home == "reserved"))
    if workplace is not None:
        db.session.add(Employment(
            membership=membership, workplace_id=workplace.id, position_bp=data.position,
            from_date=data.employment_from or data.start_date, payment_method=data.payment_method,
            monthly_pay_ore=data.monthly_pay,
        ))
    if data.enrollment_code == WITHOUT_HOME_INSURANCE:
        db.session.add(FollowUp(
            county_id=branch.county_id if branch else county_id, membership=membership, kind="home_reservation",
            created_by=user.id,
            text=f"Innmeldt med kode 7 fra {data.earlier_union} {data.start_date:%d.%m.%Y}: "
                 "reservasjon mot hjemforsikring.",
        ))
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(_(PERSON_CONFLICT)) from error
    record("create", "membership", membership.id, "Innmeldt", person_id=person.id,
           changes=_enrollment_changes(membership, data, workplace))
    return membership


def _person_values(data: Enrollment) -> dict:
    return {name: getattr(data, name) or None for name in PERSON_FIELDS}


def _apply_person_fields(person: Person, data: Enrollment) -> None:
    for name, value in _person_values(data).items():
        if name not in ("first_name", "last_name"):
            setattr(person, name, value)


def _attachment(user, data: Enrollment) -> tuple[Branch | None, int | None]:
    """(branch, None) or (None, county id): students and pupils to a county, the others to a branch,
    within the user's scope."""
    if data.membership_type not in MEMBERSHIP_TYPES:
        raise Refused(_("Velg en medlemstype."), "membership_type")
    kind, _dash, unit_id = data.unit.partition("-")
    if kind not in ("branch", "county") or not unit_id.isdigit():
        raise Refused(_("Velg fagforening eller fylke."), "unit")
    to_county = data.membership_type in COUNTY_ATTACHED_TYPES
    if to_county and kind == "branch":
        raise Refused(_("Studenter og elever knyttes direkte til fylket, ikke til en fagforening. Velg fylket."),
                      "unit")
    if not to_county and kind == "county":
        raise Refused(_("Hovedmedlemmer og bimedlemmer knyttes til en fagforening. Velg fagforening."), "unit")
    if kind == "county":
        if int(unit_id) not in queries.county_ids_in_scope(user):
            raise Refused(_("Du kan bare melde inn medlemmer i fylker du har tilgang til."), "unit")
        return None, int(unit_id)
    branch = db.session.scalar(sa.select(Branch).where(Branch.id == int(unit_id), Scope.of(user).where(Branch)))
    if branch is None:
        raise Refused(_("Du kan bare melde inn medlemmer i fagforeninger du har tilgang til."), "unit")
    return branch, None


def _check_membership(user, data: Enrollment, birth_date: date | None, previous: Membership | None) -> None:
    if data.apprentice and data.membership_type != "main":
        raise Refused(_("Bare hovedmedlemmer kan være lærlinger."), "apprentice")
    if data.membership_type == "pupil" and birth_date and pupil_too_old(birth_date, data.start_date):
        raise Refused(_("Elever kan være høyst 20 år. Personen er %(age)s år %(date)s: meld inn som student eller "
                        "hovedmedlem.", age=age_on(birth_date, data.start_date), date=format(data.start_date, "%d.%m.%Y")),
                      "membership_type")
    if data.section is None or db.session.get(Section, data.section) is None:
        raise Refused(_("Velg seksjon."), "section")
    if previous is not None and previous.end_date and data.start_date <= previous.end_date:
        raise Refused(_("Startdatoen må være etter at forrige medlemskap sluttet (%(date)s).",
                        date=format(previous.end_date, "%d.%m.%Y")), "start_date")

    if data.enrollment_code == queries.TRANSFER_CODE:
        raise Refused(_("Kode 1 (overført fra annen fagforening) settes bare når en overføring tas imot, under "
                        "Overføringer."), "enrollment_code")
    if data.enrollment_code is None or db.session.get(EnrollmentCode, data.enrollment_code) is None:
        raise Refused(_("Velg en innmeldingskode."), "enrollment_code")
    if data.enrollment_code in UNION_TRANSFER_CODES:
        if not data.earlier_union:
            raise Refused(_("Oppgi forbundet medlemmet kommer fra (kode 6 og 7)."), "earlier_union")
        if data.earlier_union_start is None:
            raise Refused(_("Oppgi når medlemskapet i det forrige forbundet startet (kode 6 og 7)."),
                          "earlier_union_start")
        if data.earlier_union_start >= data.start_date:
            raise Refused(_("Medlemskapet i det forrige forbundet må ha startet før startdatoen (%(date)s).",
                            date=format(data.start_date, "%d.%m.%Y")), "earlier_union_start")
    if data.enrollment_code == WITHOUT_HOME_INSURANCE and data.home != "reserved":
        raise Refused(_("Kode 7 (fra forbund uten kollektiv hjemforsikring) betyr reservasjon mot hjemforsikring: "
                        "velg «Reservert mot hjemforsikring»."), "home")
    if data.home not in ("covered", "reserved"):
        raise Refused(_("Velg hjemforsikring eller reservasjon."), "home")

    if db.session.get(DuesCode, data.dues_code) is None:
        raise Refused(_("Velg en kontingentkode."), "dues_code")
    if data.dues_code in CENTRAL_ONLY_CODES and user.role != "central":
        raise Refused(_("Bare Medlemsregisteret kan sette kontingentkode %(code)s.", code=data.dues_code), "dues_code")


def _check_employment(user, data: Enrollment):
    """The workplace of the employment (None when none is registered), after checking the rest."""
    if data.payment_method not in PAYMENT_METHODS:
        raise Refused(_("Velg betalingsmåte."), "payment_method")
    if data.workplace is None:
        if data.payment_method == "deduction":
            raise Refused(_("Trekk hos arbeidsgiver krever et arbeidssted. Velg arbeidssted, eller velg faktura."),
                          "payment_method")
        return None
    workplace = queries.workplace_in_scope(user, data.workplace)
    if workplace is None:
        raise Refused(_("Velg et arbeidssted fra listen."), "workplace")
    if data.position is None or not 0 < data.position <= 10000:
        raise Refused(_("Stillingsprosenten må være mer enn 0 og høyst 100."), "position")
    if data.monthly_pay is not None:
        try:
            check_pay(data.monthly_pay)
        except DuesError as error:
            raise Refused(str(error), "monthly_pay") from error
    return workplace


def _enrollment_changes(membership: Membership, data: Enrollment, workplace) -> dict:
    """What the audit row tells about the new membership, as {field: [None, value]} (models.audit labels)."""
    insurances = [INSURANCE_KINDS["home"] + (" (reservert)" if data.home == "reserved" else "")]
    insurances += [INSURANCE_KINDS[kind] for kind in ("benefit_fund", "education_fund") if getattr(data, kind)]
    values = {
        "member_number": membership.member_number,
        "membership_type": MEMBERSHIP_TYPES[membership.membership_type],
        "apprentice": membership.apprentice or None,
        "branch" if membership.branch_id else "county": membership.unit_name,
        "section": membership.section.name if membership.section else None,
        "start_date": membership.start_date,
        "enrollment_code": membership.enrollment_code,
        "earlier_union": membership.earlier_union,
        "earlier_union_start": membership.earlier_union_start,
        "dues_code": data.dues_code,
        "workplace": f"{workplace.employer.name}, {workplace.name}" if workplace else None,
        "position": format_percent(data.position) if workplace else None,
        "payment_method": PAYMENT_METHODS[data.payment_method if workplace else "invoice"],
        "insurances": ", ".join(insurances),
    }
    return {k: [None, v.isoformat() if isinstance(v, date) else v] for k, v in values.items() if v is not None}


# --- the new-members queue ------------------------------------------------------------------------

def mark_start_notified(user, memberships: list[Membership]) -> int:
    """Mark the payroll office as told to start deducting; those already marked keep their mark.

    Returns how many were marked now."""
    try:
        return mark_notified(user, memberships, "start", "Lønningskontoret varslet om trekk for nytt medlem")
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict from error
