"""Factories for test data: each call makes a valid object with sensible defaults, flushed."""
import itertools
import random
from datetime import date, datetime
from functools import lru_cache

from argon2 import PasswordHasher

from demo import numbers
from models import (
    Branch,
    BranchRate,
    County,
    DuesCodePeriod,
    Employer,
    Employment,
    InsurancePeriod,
    Membership,
    Person,
    User,
    UserScope,
    Workplace,
)
from rules.names import name_key

PASSWORD = "riktig-hest-batteri-stift"
# Every test account that has two-factor login shares this TOTP secret; tests/pages.py types its codes.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ENROLLED_AT = datetime(2026, 1, 5, 9, 0)
_counter = itertools.count(1)


# Cheap Argon2 parameters for tests (the app under test is configured with the same).
TEST_ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


@lru_cache
def password_hash() -> str:
    return PasswordHasher(**TEST_ARGON2_PARAMS).hash(PASSWORD)


def make_national_id(birth: date, rng: random.Random | None = None) -> str:
    """A valid fødselsnummer for the birth date."""
    rng = rng or random.Random()
    return numbers.national_id(birth, male=rng.random() < 0.5, rng=rng)


def make_orgnr(rng: random.Random | None = None) -> str:
    return numbers.organization_number(rng or random.Random())


class Factory:
    def __init__(self, session):
        self.session = session
        self.rng = random.Random(4711)

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def county(self, number=None, name=None) -> County:
        n = number or 900 + next(_counter)
        return self._add(County(number=n, name=name or f"Fylke {n}"))

    def branch(self, county=None, number=None, name=None, rate_bp=175) -> Branch:
        county = county or self.county()
        n = number or 5000 + next(_counter)
        branch = self._add(Branch(number=n, name=name or f"Fagforening {n}", county_id=county.id))
        self._add(BranchRate(branch_id=branch.id, valid_from=date(2008, 3, 1), rate_bp=rate_bp))
        return branch

    def employer(self, name=None, orgnr=None) -> Employer:
        name = name or f"Arbeidsgiver {next(_counter)} AS"
        return self._add(Employer(orgnr=orgnr or make_orgnr(self.rng), name=name, name_key=name_key(name)))

    def workplace(self, employer=None, branch=None, name=None) -> Workplace:
        employer = employer or self.employer()
        return self._add(Workplace(employer_id=employer.id, number=next(_counter), name=name or "Hovedkontoret",
                                   branch_id=branch.id if branch else None))

    def person(self, first_name="Kari", last_name="Nordmann", birth=date(1980, 5, 17), **fields) -> Person:
        person = Person(national_id=fields.pop("national_id", None) or make_national_id(birth, self.rng),
                        birth_date=birth, **fields)
        person.set_names(first_name, last_name)
        return self._add(person)

    def member(self, branch=None, person=None, *, membership_type="main", county=None, dues_code="Y",
               start=date(2015, 1, 1), end=None, withdrawal_code=None, workplace=None, number=None,
               **person_fields) -> Membership:
        person = person or self.person(**person_fields)
        if membership_type in ("student", "pupil"):
            county = county or (branch.county if branch else self.county())
            branch = None
        elif branch is None:
            branch = self.branch()
        membership = self._add(Membership(
            person_id=person.id, member_number=number or 100000 + next(_counter), membership_type=membership_type,
            branch_id=branch.id if branch else None, county_id=county.id if county else None,
            start_date=start, enrollment_code=0, end_date=end, withdrawal_code=withdrawal_code,
        ))
        self._add(DuesCodePeriod(membership_id=membership.id, code=dues_code, from_date=start, to_date=end))
        for kind in ("home", "benefit_fund", "education_fund"):
            self._add(InsurancePeriod(membership_id=membership.id, kind=kind, from_date=start, to_date=end))
        if workplace is not None:
            self._add(Employment(membership_id=membership.id, workplace_id=workplace.id, from_date=start,
                                 to_date=end, position_bp=10000, payment_method="deduction",
                                 monthly_pay_ore=4_500_000))
        self.session.refresh(membership)
        return membership

    def user(self, role="branch", *, branches=(), counties=(), employers=(), username=None,
             declaration_date=date(2026, 1, 5), blocked=False, second_factor=None) -> User:
        """`second_factor`: enrolled in two-factor login with TOTP_SECRET; by default exactly when the
        account must be (county, central, more than one branch), as production requires."""
        scopes = ([UserScope(kind="branch", ref_id=b.id) for b in branches]
                  + [UserScope(kind="county", ref_id=c.id) for c in counties]
                  + [UserScope(kind="employer", ref_id=e.id) for e in employers])
        if second_factor is None:
            second_factor = role in ("county", "central") or len(branches) > 1 or bool(counties and role != "employer")
        return self._add(User(username=username or f"{role}{next(_counter)}", role=role,
                              password_hash=password_hash(), declaration_date=declaration_date,
                              blocked=blocked, full_name=f"Test {role}", scopes=scopes,
                              totp_secret=TOTP_SECRET if second_factor else None,
                              totp_enrolled_at=ENROLLED_AT if second_factor else None))
