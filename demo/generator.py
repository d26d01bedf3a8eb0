"""The demo union as plain rows, inserted in large batches with SQLAlchemy Core.

Rows are dicts whose primary keys are assigned here (so no RETURNING is needed), inserted with one
executemany per table and batch inside the caller's transaction. The same seed on the same day gives
the same union: dates are relative to `today`, so that current periods are open and ended ones lie
in the past.
"""
import random
import unicodedata
from bisect import bisect
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from itertools import accumulate

import sqlalchemy as sa

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
    Section,
    User,
    UserScope,
    Workplace,
    utcnow,
)
from models.base import insert_many
from rules.names import name_key, person_name_key

from . import numbers, words

PASSWORD = "demo1234demo"
EMPLOYERS = 300
WORKPLACES = 1000
BATCH = 10_000  # persons per round of inserts
BIRTH_RANGE = (date(1945, 1, 1), date(2008, 12, 31))
EARLIEST_START = date(1975, 1, 1)
RATE_FROM = date(2008, 3, 1)
ONE_DAY = timedelta(days=1)
ALL_INSURANCES = ("home", "benefit_fund", "education_fund")
YOUTH_INSURANCES = ("home", "benefit_fund")  # students, and apprentices and pupils who pay for them

# The first persons tell one of each story, so that even a small demo shows every code and case.
SHOWCASE = (
    [("past_leave", code) for code in "OLAMW"] + [("leave_now", code) for code in "OLAW"]
    + [("former", code) for code in (2, 4, 5, 6, 7, 8)]
    + [(kind, None) for kind in ("pensioner", "disabled", "transfer", "rejoined", "student", "pupil",
                                 "secondary", "apprentice")]
    + [("worker", flag) for flag in ("reserved", "invoice", "return_mail", "d_number")]
)
USERS = [  # username, role, scope kind, full name
    ("fagforening", "branch", "branch", "Demo Fagforening"),
    ("fylke", "county", "county", "Demo Fylkeskrets"),
    ("sentral", "central", None, "Demo Medlemsregisteret"),
    ("arbeidsgiver", "employer", "employer", "Demo Arbeidsgiver"),
]
# Parents before children: the order of the inserts.
TABLES = [County, Branch, BranchRate, Employer, Workplace, Person, Membership, DuesCodePeriod, Employment,
          InsurancePeriod, User, UserScope]
_ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "aa"})
_person_name_key = cache(person_name_key)  # names repeat: compute each key once


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@cache
def slug(text: str) -> str:
    """Lower-case ASCII letters and digits, for made-up e-mail addresses."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
    return "".join(c for c in folded if c.isascii() and c.isalnum())


class FastRandom(random.Random):
    """random.Random with a plainer randint and choice: several times faster, and just as good for
    made-up data (half a million members draw some thirty million numbers)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


class Weighted:
    """Values with weights (dict or pairs), drawn fast: cumulative weights computed once."""

    def __init__(self, weights):
        pairs = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.values = [value for value, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


# Each member's story: a kind of membership history, drawn with these weights (percent).
SCENARIOS = Weighted({
    "worker": 58, "rejoined": 2, "past_leave": 8, "leave_now": 4, "apprentice": 2, "pensioner": 8,
    "disabled": 3, "former": 8, "transfer": 2, "student": 3, "pupil": 1.5, "secondary": 2.5,
})
PAST_LEAVE_CODES = Weighted({"O": 40, "L": 25, "A": 15, "W": 15, "M": 5})
LEAVE_NOW_CODES = Weighted({"O": 45, "L": 20, "A": 20, "W": 15})
LEAVE_DAYS = {"O": (90, 365), "L": (60, 300), "A": (180, 720), "W": (30, 180), "M": (300, 365)}
WITHDRAWAL_CODES = Weighted({5: 50, 4: 15, 8: 10, 6: 10, 7: 7, 2: 8})
ENROLLMENT_CODES = Weighted({0: 92, 6: 5, 7: 3})
PARAMS = {"past_leave": PAST_LEAVE_CODES, "leave_now": LEAVE_NOW_CODES, "former": WITHDRAWAL_CODES}
POSITIONS = Weighted({10000: 55, 8000: 10, 7500: 10, 6000: 5, 5000: 12, 4000: 5, 2000: 3})


@dataclass
class BranchInfo:
    id: int
    number: int
    name: str
    place: str
    county_id: int
    places: list[tuple[str, str]]  # (postal code, city)
    workplaces: list[tuple[int, int | None]] = field(default_factory=list)  # (workplace id, section id)


@dataclass
class DemoUser:
    username: str
    role: str
    scope: str  # what the user may see, in words

    def as_dict(self) -> dict:
        return {"username": self.username, "password": PASSWORD, "role": self.role, "scope": self.scope}


@dataclass
class DemoSummary:
    counts: dict[str, int]
    users: list[DemoUser]
    lists: "DemoLists | None" = None  # noqa: F821 (demo.lists, made after the members)
    payments: "DemoPayments | None" = None  # noqa: F821 (demo.payments, made after the lists)


class DemoUnion:
    def __init__(self, connection: sa.Connection, *, members: int, seed: int, today: date, password_hash: str):
        self.conn = connection
        self.members = members
        self.rng = FastRandom(seed)
        self.today = today
        self.password_hash = password_hash
        self.now = utcnow()
        # Ids continue after whatever the tables hold (the code tables' seeds, earlier accounts).
        self.next_id = {model: (connection.scalar(sa.select(sa.func.max(model.id))) or 0) + 1 for model in TABLES}
        self.counts = {model.__tablename__: 0 for model in TABLES} | {"active_memberships": 0}
        self.rows: dict = {}
        self.sections = dict(connection.execute(sa.select(Section.number, Section.id)).all())
        self.national_ids: set[str] = set()
        self.birth_ranges = self._birth_ranges()
        self.first_names = {True: words.MALE_NAMES, False: words.FEMALE_NAMES}
        self.last_names = Weighted(zip(words.LAST_NAMES, words.LAST_NAME_WEIGHTS))

    def build(self) -> DemoSummary:
        with self._large_cache():
            return self._build()

    @contextmanager
    def _large_cache(self):
        """SQLite: a page cache that holds the indexes while they grow (256 MB instead of 2 MB), so that
        half a million random inserts into them do not spill pages; the usual size again afterwards."""
        if self.conn.dialect.name != "sqlite":
            yield
            return
        previous = self.conn.exec_driver_sql("PRAGMA cache_size").scalar()
        self.conn.exec_driver_sql("PRAGMA cache_size = -262144")
        try:
            yield
        finally:
            self.conn.exec_driver_sql(f"PRAGMA cache_size = {int(previous)}")

    def _build(self) -> DemoSummary:
        self._organization()
        self._flush()
        span = max(900_000, 2 * self.members)
        member_numbers = self.rng.sample(range(100_000, 100_000 + span), self.members)
        for index, member_number in enumerate(member_numbers):
            kind, param = SHOWCASE[index] if index < len(SHOWCASE) else (SCENARIOS.draw(self.rng), None)
            self._member(member_number, kind, param)
            if (index + 1) % BATCH == 0:
                self._flush()
        users = self._users()
        self._flush()
        self._reset_sequences()
        self.conn.exec_driver_sql("ANALYZE")  # statistics for the query planner, as after any bulk load
        return DemoSummary(counts=dict(self.counts), users=users)

    # -- plumbing ---------------------------------------------------------------------------------

    def _add(self, model, **row) -> int:
        row["id"] = self.next_id[model]
        self.next_id[model] += 1
        self.rows.setdefault(model, []).append(row)
        return row["id"]

    def _flush(self) -> None:
        """Insert what has been gathered, parents first, one executemany per table."""
        for model in TABLES:
            rows = self.rows.pop(model, None)
            if rows:
                insert_many(self.conn, model.__table__, rows)
                self.counts[model.__tablename__] += len(rows)

    def _reset_sequences(self) -> None:
        """PostgreSQL hands out ids from sequences, which explicit ids do not advance."""
        if self.conn.dialect.name != "postgresql":
            return
        for model in TABLES:
            table = model.__tablename__
            self.conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            ))

    def _day(self, first: date, last: date) -> date:
        """A random day from first to last (first when the range is empty)."""
        if last <= first:
            return first
        return date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))

    def _address(self, places) -> tuple[str, str, str]:
        rng = self.rng
        postal_code, city = rng.choice(places)
        house = f"{rng.randint(1, 120)}{rng.choice('AB') if rng.random() < 0.1 else ''}"
        return f"{rng.choice(words.STREETS)} {house}", postal_code, city

    def _phone(self, mobile: bool) -> str:
        first = self.rng.choice("49") if mobile else str(self.rng.randint(2, 7))
        digits = f"{first}{self.rng.randint(0, 9_999_999):07d}"
        return f"{digits[:3]} {digits[3:5]} {digits[5:]}"

    # -- organization -----------------------------------------------------------------------------

    def _organization(self) -> None:
        rng = self.rng
        self.branches: list[BranchInfo] = []
        self.counties: list[tuple[int, int, str]] = []  # (id, number, name)
        sizes = []
        for county_number, county_name, places in words.COUNTIES:
            address, postal_code, city = self._address(places[0][3][:1])
            county_id = self._add(
                County, number=county_number, name=county_name, address=address, postal_code=postal_code,
                city=city, phone=self._phone(False), email=f"{slug(county_name)}@example.com", notes=None,
            )
            self.counties.append((county_id, county_number, county_name))
            for place, size, _employer, postal_places in places:
                number = 101 + len(self.branches)
                info = BranchInfo(0, number, f"{place} fagforening", place, county_id, postal_places)
                address, postal_code, city = self._address(postal_places[:1])
                info.id = self._add(
                    Branch, number=number, name=info.name, county_id=county_id, address=address,
                    postal_code=postal_code, city=city, phone=self._phone(False),
                    email=f"{slug(place)}.fagforening@example.com",
                    founded=self._day(date(1950, 1, 1), date(1999, 12, 31)), account=numbers.bank_account(rng),
                    notes=None,
                )
                self._add(BranchRate, branch_id=info.id, valid_from=RATE_FROM, rate_bp=rng.randint(145, 200))
                self.branches.append(info)
                sizes.append(size)
        self.branch_weights = Weighted(zip(self.branches, sizes))
        self._employers()

    def _employers(self) -> None:
        """The branches' municipalities first (the very first is the demo employer user's), then the
        regional public employers, then private companies. Every employer has a workplace, big ones many."""
        rng = self.rng
        by_place = {b.place: b for b in self.branches}
        county_of = {number: county_id for county_id, number, _name in self.counties}
        employers = []  # (name, kind, home branch, weight for extra workplaces)
        for _number, _name, places in words.COUNTIES:
            for place, size, employer_name, _postal in places:
                employers.append((employer_name, "municipality", by_place[place], 6 + size))
        for county_number, regional in words.REGIONAL_EMPLOYERS.items():
            in_county = [b for b in self.branches if b.county_id == county_of[county_number]]
            for employer_name, kind in regional:
                employers.append((employer_name, kind, rng.choice(in_county), 8))
        private = [(f"{prefix} {suffix}", kind) for prefix in words.PRIVATE_PREFIXES
                   for suffix, kind in words.PRIVATE_SUFFIXES]
        rng.shuffle(private)
        for employer_name, kind in private[: EMPLOYERS - len(employers)]:
            employers.append((employer_name, kind, rng.choice(self.branches), 1))

        orgnrs: set[str] = set()
        ids = []
        for employer_name, kind, home, _weight in employers:
            orgnr = numbers.organization_number(rng, 9 if kind == "municipality" else rng.choice((8, 9)))
            while orgnr in orgnrs:
                orgnr = numbers.organization_number(rng)
            orgnrs.add(orgnr)
            address, postal_code, city = self._address(home.places)
            ids.append(self._add(
                Employer, orgnr=orgnr, name=employer_name, name_key=name_key(employer_name), address=address,
                postal_code=postal_code, city=city, phone=self._phone(False), email=None,
                payroll_email=f"lonn@{slug(employer_name)}.example.com", notes=None,
            ))
            if len(ids) == 1:
                self.first_employer = (ids[0], f"{employer_name} (org.nr. {orgnr})")

        count = dict.fromkeys(ids, 1)
        for employer_id in rng.choices(ids, weights=[e[3] for e in employers], k=WORKPLACES - len(ids)):
            count[employer_id] += 1
        for employer_id, (_name, kind, home, _weight) in zip(ids, employers):
            in_county = [b for b in self.branches if b.county_id == home.county_id]
            for number in range(1, count[employer_id] + 1):
                # A municipality's workplaces are in its own branch; regional employers spread over the
                # county; private ones now and then reach into another county.
                if kind == "municipality" or number == 1:
                    branch = home
                elif kind in ("county", "hospital", "church", "office") or rng.random() < 0.8:
                    branch = rng.choice(in_county)
                else:
                    branch = rng.choice(self.branches)
                pattern, section = rng.choice(words.WORKPLACES[kind])
                address, postal_code, city = self._address(branch.places)
                workplace_id = self._add(
                    Workplace, employer_id=employer_id, number=number, branch_id=branch.id,
                    name=pattern.format(l=rng.choice(words.LOCALITIES), p=branch.place),
                    address=address, postal_code=postal_code, city=city, phone=None, email=None,
                )
                branch.workplaces.append((workplace_id, self.sections.get(section)))

    def _users(self) -> list[DemoUser]:
        branch = self.branches[0]
        county_id, county_number, county_name = self.counties[0]
        scopes = {
            "branch": (branch.id, f"{branch.number} {branch.name}"),
            "county": (county_id, f"{county_number} {county_name}"),
            "employer": self.first_employer,
            None: (None, "hele forbundet"),
        }
        users = []
        for username, role, kind, full_name in USERS:
            ref_id, label = scopes[kind]
            user_id = self._add(User, username=username, full_name=full_name, email=None, role=role,
                                password_hash=self.password_hash, declaration_date=self.today, blocked=False,
                                created_at=self.now)
            if kind:
                self._add(UserScope, user_id=user_id, kind=kind, ref_id=ref_id)
            users.append(DemoUser(username, role, label))
        return users

    # -- members ----------------------------------------------------------------------------------

    def _birth(self, kind: str, param) -> date:
        first, last = self.birth_ranges.get((kind, param)) or self.birth_ranges[kind]
        return date.fromordinal(self.rng.randint(first, last))

    def _birth_ranges(self) -> dict:
        """Birth dates (as ordinals) that fit each story on `today`; (kind, param) where the param matters."""
        def years(n):
            return add_years(self.today, -n)

        ranges = {
            "worker": (years(66), years(20)),
            "leave_now": (years(66), years(20)),
            "pensioner": (BIRTH_RANGE[0], years(68)),
            "disabled": (years(75), years(30)),
            "former": (years(70), years(22)),
            ("former", 2): (BIRTH_RANGE[0], years(55)),
            "student": (years(35), years(20)),
            "pupil": (years(20) + ONE_DAY, years(16)),
            "apprentice": (years(24), years(16)),
            "secondary": (years(65), years(22)),
            "rejoined": (years(66), years(30)),
            "transfer": (years(66), years(23)),
            "past_leave": (years(66), years(23)),
            ("past_leave", "M"): (years(35), years(21)),
        }
        clamped = {}
        for key, (first, last) in ranges.items():
            first = min(max(first, BIRTH_RANGE[0]), BIRTH_RANGE[1])
            last = max(min(last, BIRTH_RANGE[1]), first)
            clamped[key] = (first.toordinal(), last.toordinal())
        return clamped

    def _member(self, member_number: int, kind: str, param) -> None:
        rng, today = self.rng, self.today
        branch = self._branch()
        flag = param if kind == "worker" else None
        if param is None and kind in PARAMS:
            param = PARAMS[kind].draw(rng)
        birth = self._birth(kind, param)
        adult = max(add_years(birth, 18), EARLIEST_START)
        if kind == "transfer":
            old_branch, branch = branch, self._other_branch(branch)
        person = self._person(birth, branch, flag)
        member = (person, member_number)

        if kind == "worker":
            self._main(member, branch, self._day(adult, today), flag=flag)
        elif kind == "rejoined":
            first_start = self._day(adult, add_years(today, -8))
            first_end = self._day(first_start + timedelta(days=365),
                                  min(add_years(first_start, 6), add_years(today, -3)))
            self._main(member, branch, first_start, end=first_end, withdrawal=5)
            self._main(member, branch, self._day(first_end + timedelta(days=365), today - timedelta(days=30)),
                       enrollment=0)
        elif kind == "past_leave":
            code = param
            days = rng.randint(*LEAVE_DAYS[code])
            start = self._day(adult, today - timedelta(days=days + 200))
            leave = self._day(start + timedelta(days=90), today - timedelta(days=days + 30))
            back = leave + timedelta(days=days)
            codes = [(start, "Y"), (leave, code), (back, "Y")]
            if code == "L":  # unemployed for a while: one job before, another after
                self._main(member, branch, start, codes=codes, work_end=leave - ONE_DAY, next_job=back)
            else:
                self._main(member, branch, start, codes=codes)
        elif kind == "leave_now":
            code = param
            start = self._day(adult, today - timedelta(days=400))
            leave = self._day(max(start + timedelta(days=90), today - timedelta(days=365)), today - timedelta(days=7))
            self._main(member, branch, start, codes=[(start, "Y"), (leave, code)],
                       work_end=leave - ONE_DAY if code == "L" else None)
        elif kind == "apprentice":
            start = self._day(max(add_years(birth, 16), add_years(today, -2)), today)
            insured = YOUTH_INSURANCES if rng.random() < 0.3 else ()
            self._main(member, branch, start, apprentice=True, insured=insured, enrollment=0)
        elif kind == "pensioner":
            retired = first_of_next_month(add_years(birth, 67 if rng.random() < 0.6 else rng.randint(62, 66)))
            start = self._day(max(add_years(birth, 20), EARLIEST_START), add_years(retired, -5))
            self._main(member, branch, start, codes=[(start, "Y"), (retired, "P")], work_end=retired - ONE_DAY)
        elif kind == "disabled":
            start = self._day(adult, min(add_years(today, -3), add_years(birth, 60)))
            disabled = self._day(start + timedelta(days=365), min(today - timedelta(days=30), add_years(birth, 66)))
            codes = [(start, "Y"), (disabled, "U")]
            pensioned = first_of_next_month(add_years(birth, 67))  # U becomes P after the month one turns 67
            if disabled < pensioned <= today:
                codes.append((pensioned, "P"))
            self._main(member, branch, start, codes=codes, work_end=disabled - ONE_DAY)
        elif kind == "former":
            code = param
            start = self._day(adult, min(add_years(today, -2), add_years(birth, 62)))
            end = self._day(start + timedelta(days=180), today - ONE_DAY)
            codes = [(start, "Y")]
            retired = first_of_next_month(add_years(birth, 67))
            if start < retired <= end:
                codes.append((retired, "P"))
            self._main(member, branch, start, codes=codes, end=end, withdrawal=code,
                       work_end=min(end, retired - ONE_DAY))
        elif kind == "transfer":
            start = self._day(adult, add_years(today, -3))
            moved = self._day(start + timedelta(days=365), today - timedelta(days=60))
            self._main(member, old_branch, start, end=moved, withdrawal=1)
            self._main(member, branch, moved + ONE_DAY, enrollment=1)
        elif kind == "student":
            start = self._day(max(add_years(birth, 19), add_years(today, -5)), today)
            self._youth(member, "student", branch, start, YOUTH_INSURANCES)
        elif kind == "pupil":
            start = self._day(max(add_years(birth, 16), add_years(today, -3)), today)
            self._youth(member, "pupil", branch, start, YOUTH_INSURANCES if rng.random() < 0.25 else ())
        elif kind == "secondary":
            start = self._day(max(add_years(birth, 20), add_years(today, -15)), today)
            self._main(member, branch, start, membership_type="secondary", insured=(), enrollment=0)
        else:
            raise ValueError(kind)

    def _branch(self) -> BranchInfo:
        return self.branch_weights.draw(self.rng)

    def _other_branch(self, branch: BranchInfo) -> BranchInfo:
        """Where a member moves: mostly within the county."""
        same_county = self.rng.random() < 0.7
        choices = [b for b in self.branches if b is not branch and (b.county_id == branch.county_id) == same_county]
        return self.rng.choice(choices or [b for b in self.branches if b is not branch])

    def _person(self, birth: date, branch: BranchInfo, flag) -> int:
        rng = self.rng
        male = rng.random() < 0.3
        names = self.first_names[male]
        first = rng.choice(names) if rng.random() > 0.08 else f"{rng.choice(names)} {rng.choice(names)}"
        last = self.last_names.draw(rng)
        if rng.random() < 0.05:
            last = f"{self.last_names.draw(rng)} {last}"
        d_number = flag == "d_number" or rng.random() < 0.01
        national_id = numbers.national_id(birth, male, rng, d_number=d_number)
        while national_id in self.national_ids:
            national_id = numbers.national_id(birth, male, rng, d_number=d_number)
        self.national_ids.add(national_id)
        return_mail = flag == "return_mail" or rng.random() < 0.005
        address, postal_code, city = self._address(branch.places)
        email = None
        if rng.random() < 0.7:
            number = rng.randint(1, 99) if rng.random() < 0.5 else ""
            email = f"{slug(first.split()[0])}.{slug(last.split()[-1])}{number}@example.com"
        return self._add(
            Person, national_id=national_id, birth_date=birth, first_name=first, last_name=last,
            name_key=_person_name_key(last, first), address=address, postal_code=postal_code, city=city,
            phone=self._phone(True) if rng.random() < 0.85 else None, email=email, return_mail=return_mail,
            return_mail_since=self._day(self.today - timedelta(days=200), self.today) if return_mail else None,
            created_at=self.now, updated_at=self.now, version=1,
        )

    def _membership(self, member, membership_type, branch: BranchInfo, start, codes, *, end=None,
                    withdrawal=None, enrollment=0, apprentice=False, section_id=None, pays_fee=False) -> int:
        """One membership with its dues code periods: contiguous, the last open unless it ended."""
        person_id, member_number = member
        county_attached = membership_type in ("student", "pupil")
        membership_id = self._add(
            Membership, person_id=person_id, member_number=member_number, membership_type=membership_type,
            apprentice=apprentice, pays_insurance_fee=pays_fee, branch_id=None if county_attached else branch.id,
            county_id=branch.county_id if county_attached else None, section_id=section_id, start_date=start,
            enrollment_code=enrollment, end_date=end, withdrawal_code=withdrawal, note=None,
        )
        if end is None:
            self.counts["active_memberships"] += 1
        codes = codes or [(start, "Y")]
        for (from_date, code), following in zip(codes, codes[1:] + [None]):
            to_date = following[0] - ONE_DAY if following else end
            self._add(DuesCodePeriod, membership_id=membership_id, code=code, from_date=from_date, to_date=to_date)
        return membership_id

    def _insurances(self, membership_id, kinds, start, end, *, reserved=False, education_end=None) -> None:
        for kind in kinds:
            self._add(InsurancePeriod, membership_id=membership_id, kind=kind, reserved=reserved and kind == "home",
                      from_date=start, to_date=education_end if kind == "education_fund" and education_end else end)

    def _youth(self, member, membership_type, branch, start, insured) -> None:
        """Students and pupils: attached to the county, no employment, no section. A pupil with
        insurances pays the half-year fee for them."""
        membership_id = self._membership(member, membership_type, branch, start, None,
                                         pays_fee=membership_type == "pupil" and bool(insured))
        self._insurances(membership_id, insured, start, None)

    _SAME = object()

    def _main(self, member, branch: BranchInfo, start: date, *, codes=None, end=None, withdrawal=None,
              enrollment=None, work_end=_SAME, next_job=None, apprentice=False, insured=ALL_INSURANCES,
              membership_type="main", flag=None) -> None:
        """A main (or secondary) membership at a workplace of the branch, with employment and insurances.

        work_end: the last day of work when it ends before the membership does (retired, disabled,
        unemployed); next_job: the first day of a later employment after such a gap."""
        rng = self.rng
        if enrollment is None:
            enrollment = ENROLLMENT_CODES.draw(rng) if flag != "reserved" else 7
        workplace_id, section_id = rng.choice(branch.workplaces)
        membership_id = self._membership(member, membership_type, branch, start, codes, end=end,
                                         withdrawal=withdrawal, enrollment=enrollment, apprentice=apprentice,
                                         section_id=section_id, pays_fee=apprentice and bool(insured))
        work_end = end if work_end is self._SAME else work_end
        secondary = membership_type == "secondary"
        job = {
            "payment_method": "invoice" if flag == "invoice" or rng.random() < 0.06 else "deduction",
            "position_bp": rng.randint(20, 50) * 100 if secondary
            else 10000 if apprentice else POSITIONS.draw(rng),
        }
        job_start, last_day = start, work_end or self.today
        if not (secondary or apprentice) and (last_day - start).days > 3 * 365 and rng.random() < 0.2:
            # Changed jobs within the branch once: the earlier employment closes the day before.
            job_start = self._day(start + timedelta(days=365), last_day - timedelta(days=180))
            self._employment(membership_id, workplace_id, start, job_start - ONE_DAY, job, apprentice)
            workplace_id = rng.choice(branch.workplaces)[0]
        self._employment(membership_id, workplace_id, job_start, work_end, job, apprentice)
        if next_job:
            self._employment(membership_id, rng.choice(branch.workplaces)[0], next_job, end, job, apprentice)

        reserved = enrollment == 7 or flag == "reserved" or (start.year < 2005 and rng.random() < 0.1)
        retired = codes and codes[-1][1] in ("P", "U")
        self._insurances(membership_id, insured, start, end, reserved=reserved,
                         education_end=work_end if retired else None)

    def _employment(self, membership_id, workplace_id, start, end, job, apprentice) -> None:
        top = 3_600_000 if apprentice else 6_500_000
        self._add(Employment, membership_id=membership_id, workplace_id=workplace_id, from_date=start, to_date=end,
                  monthly_pay_ore=self.rng.randint(3_000_000, top), **job)
