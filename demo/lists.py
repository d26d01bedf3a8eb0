"""Deduction lists for the demo: three months of them, one in each state a branch meets.

After the members are made, `flask demo` goes through the last three full months before today the
way the register would have lived them:

1. the oldest month: its expected lists are formed, the employers' files come in (mostly exactly
   as expected, with a realistic few deviations), the deviations are handled (employment ended,
   leave, not our member, amount accepted, carried forward) and every list received is posted;
2. the month after: formed, the files come in, and a few deviations are handled, so some lists are
   in progress, some received with open deviations and some without any;
3. the last month: formed only, every list still expected.

The files are built by `employer_file`, as an employer's payroll system would write them
(FORMATS.md section 1), and imported through the same service as `flask lists import`, as the
command line's central user; the demo's central user handles and posts. Only a bounded number of
lists a month get a file (MAX_FILE_LISTS, MAX_FILE_LINES: first the demo branch's, then its
county's, then others; the rest stay expected, as lists of employers who are late), and on a large
register (over FORM_ALL_MEMBERS active members) only those lists are formed, so that `flask demo`
stays quick: about 7–10 s more for the default 20 000 members (half of it forming), about 40 s
more for 500 000 (measured on 2 busy cores).
"""
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from models import (
    Branch,
    DeductionLine,
    DeductionList,
    Employment,
    Membership,
    PaidPeriod,
    Person,
    User,
    UserScope,
    Workplace,
    db,
)
from models.deduction import DEVIATIONS, LIST_STATES, month_start, next_period
from rules.deduction_file import MAX_ROWS, kroner_cell, percent_cell, write_csv
from rules.lifecycle import add_months
from rules.money import percent_of
from rules.reconcile import AMOUNT, MISSING, TOLERANCE_ORE, UNEXPECTED

from . import numbers, words

MAX_FILE_LISTS = 100  # lists a month that get an employer's file (the others stay expected)
MAX_FILE_LINES = 15_000  # and the lines of those lists
FORM_ALL_MEMBERS = 100_000  # up to this many active members every list of the three months is formed
DEVIATION_SHARE = 0.005  # about one line in two hundred deviates, and now and then one more per list
DEVIATION_KINDS = (("missing", 40), ("extra", 25), ("insurance", 20), ("over_cap", 15))
OVER_CAP_ORE = 2_500  # a payroll that forgot the cap deducts at least this much too much
INSURANCE_SLIP_ORE = 4_000  # last year's insurance amount: 40 kr off
CENTRAL_USERNAME = "sentral"  # handles and posts the demo's lists (generator.USERS)
EMPLOYER_USERNAME = "arbeidsgiver"  # the demo employer: its list in the showcase branch shows every deviation
SHOWCASE_BRANCH = 101  # the demo branch officer's branch: its lists get files first

NOTES = {
    "over_cap": "Lønningskontoret har ikke lagt inn taket; for mye trukket betales tilbake til medlemmet.",
    "insurance": "Lønningskontoret bruker fjorårets forsikringsbeløp; rettes fra neste måned.",
    "carried": "Venter på svar fra lønningskontoret om trekkgrunnlaget.",
    "leave": "Medlemmet har permisjon uten lønn, ifølge lønningskontoret.",
    "ended": "Sluttet ifølge lønningskontoret.",
    "not_member": "Ikke medlem hos oss; arbeidsgiveren refunderer trekket.",
}


# --- the employer's file ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ExtraPerson:
    """A person the payroll deducts for who is not on the expected list."""

    national_id: str
    last_name: str
    first_name: str
    dues_ore: int
    insurance_ore: int
    member_number: int | None = None
    position_bp: int | None = None
    pay_basis_ore: int | None = None


@dataclass(frozen=True)
class FileDeviations:
    """How an employer's file differs from the expected list: the ids of the expected lines left
    out, deducted over the cap, or with a wrong insurance amount, and persons added."""

    missing: frozenset[int] = frozenset()
    over_cap: frozenset[int] = frozenset()
    wrong_insurance: frozenset[int] = frozenset()
    extra: tuple[ExtraPerson, ...] = ()

    @property
    def count(self) -> int:
        return len(self.missing) + len(self.over_cap) + len(self.wrong_insurance) + len(self.extra)


def _names(name: str) -> tuple[str, str]:
    last, _, first = name.partition(", ")
    return last, first or last


def _row(common: dict, national_id: str, member_number: int | None, last_name: str, first_name: str,
         position_bp: int | None, pay_basis_ore: int | None, dues_ore: int, insurance_ore: int) -> dict:
    """One row of the file, its cells as the payroll system writes them."""
    return common | {
        "fodselsnummer": national_id, "medlemsnummer": str(member_number) if member_number else "",
        "etternavn": last_name, "fornavn": first_name,
        "stillingsprosent": percent_cell(position_bp or None),
        "trekkgrunnlag": kroner_cell(pay_basis_ore),
        "kontingent": kroner_cell(dues_ore), "forsikring": kroner_cell(insurance_ore),
    }


def file_rows(deduction_list: DeductionList, lines, deviations: FileDeviations | None = None) -> list[dict]:
    """The rows an employer's payroll system writes for a formed list (FORMATS.md section 1 column
    names): one per expected line it deducted for, and one per extra person, sorted by name.

    A deducted line reports exactly what was expected: the percentage part, the fixed insurance
    amounts, the position and, where the percentage part is the branch's rate of it, the pay basis.
    Lines carried in from an earlier month are the register's business, not the employer's."""
    deviations = deviations or FileDeviations()
    common = {"periode": f"{deduction_list.period:%Y-%m}", "orgnr": deduction_list.employer.orgnr,
              "avdeling": str(deduction_list.branch.number)}
    rows = []
    for line in lines:
        if not line.expected or line.carried_from_id is not None or line.id in deviations.missing:
            continue
        dues = line.expected_dues_ore or 0
        insurance = line.expected_insurance_ore or 0
        pay_basis = line.pay_basis_ore
        share = percent_of(pay_basis, line.branch_rate_bp) if pay_basis and line.branch_rate_bp else None
        if share is None or line.cap_ore is None or abs(min(share, line.cap_ore) - dues) > TOLERANCE_ORE:
            pay_basis = None  # the register's pay is not this employer's alone: the file leaves it out
        if line.id in deviations.over_cap:
            dues = max(share or 0, (line.cap_ore if line.cap_ore is not None else dues) + OVER_CAP_ORE)
        if line.id in deviations.wrong_insurance:
            insurance = insurance - INSURANCE_SLIP_ORE if insurance > INSURANCE_SLIP_ORE else insurance + INSURANCE_SLIP_ORE
        rows.append(_row(common, line.national_id, line.member_number, *_names(line.name), line.position_bp,
                         pay_basis, dues, insurance))
    for person in deviations.extra:
        rows.append(_row(common, person.national_id, person.member_number, person.last_name, person.first_name,
                         person.position_bp, person.pay_basis_ore, person.dues_ore, person.insurance_ore))
    rows.sort(key=lambda row: (row["etternavn"], row["fornavn"], row["fodselsnummer"]))
    return rows


def employer_file(deduction_list: DeductionList, lines, deviations: FileDeviations | None = None) -> bytes:
    """The CSV file an employer's payroll system sends for one formed list (FORMATS.md section 1)."""
    return write_csv(file_rows(deduction_list, lines, deviations))


# --- the demo's months ------------------------------------------------------------------------------

@dataclass
class DemoLists:
    """What the demo made of deduction lists."""

    periods: list[date] = field(default_factory=list)
    formed: int = 0
    formed_lines: int = 0
    files: int = 0
    file_lines: int = 0
    deviations: int = 0
    resolved: int = 0
    posted: int = 0
    paid_periods: int = 0
    states: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def message(self) -> str:
        months = ", ".join(f"{period:%m.%Y}" for period in self.periods)
        states = ", ".join(f"{self.states.get(state, 0)} {str(name).lower()}" for state, name in LIST_STATES.items())
        return (f"Trekklister for {months}: {self.formed} dannet med {self.formed_lines} linjer ({states}); "
                f"{self.files} filer fra arbeidsgivere med {self.file_lines} linjer og {self.deviations} avvik, "
                f"{self.resolved} avvik behandlet, {self.posted} lister framført.")

    def as_dict(self) -> dict:
        return {"periods": [f"{period:%Y-%m}" for period in self.periods], "formed": self.formed,
                "formed_lines": self.formed_lines, "files": self.files, "file_lines": self.file_lines,
                "deviations": self.deviations, "resolved": self.resolved, "posted": self.posted,
                "paid_periods": self.paid_periods, "states": dict(self.states), "seconds": self.seconds}


def demo_periods(today: date, months: int = 3) -> list[date]:
    """The first days of the last `months` full months before today, oldest first."""
    return [add_months(month_start(today), -back) for back in range(months, 0, -1)]


def make_demo_lists(*, today: date, seed: int, max_file_lists: int = MAX_FILE_LISTS,
                    max_file_lines: int = MAX_FILE_LINES) -> DemoLists:
    """Form, receive, handle and post the demo's lists in the session's transaction (no commit).

    A register of up to FORM_ALL_MEMBERS active members gets every list of the three months; a
    larger one only the lists that get a file, the same employers and branches each month (forming
    every list of half a million members takes most of a minute a month: bench/lists.py measures it)."""
    from blueprints.deviations import services
    from web.commands import SYSTEM

    handler = db.session.scalar(sa.select(User).where(User.username == CENTRAL_USERNAME))
    handler_id = handler.id if handler else None

    def user():
        return db.session.get(User, handler_id) if handler_id else SYSTEM

    months = _Months(random.Random(seed * 7919 + 5), services, SYSTEM, max_file_lists, max_file_lines)
    oldest, middle, last = demo_periods(today)
    summary = months.summary
    summary.periods = [oldest, middle, last]
    active = db.session.scalar(sa.select(sa.func.count()).select_from(Membership)
                               .where(Membership.end_date.is_(None))) or 0
    # (employer id, branch id) of the lists formed on a large register; None: all lists
    pairs = months.likely_pairs(oldest) if active > FORM_ALL_MEMBERS else None

    months.form(oldest, pairs)
    received = months.send_files(months.chosen(oldest))
    months.handle_all(received, user())
    months.post_all(received, user())

    months.form(middle, pairs)
    received = months.send_files(months.chosen(middle))
    months.handle_some(received, user())

    months.form(last, pairs)

    summary.formed = db.session.scalar(sa.select(sa.func.count()).select_from(DeductionList)
                                       .where(DeductionList.period.in_(summary.periods))) or 0
    summary.formed_lines = db.session.scalar(
        sa.select(sa.func.count()).select_from(DeductionLine).join(DeductionList)
        .where(DeductionList.period.in_(summary.periods), DeductionLine.expected)) or 0
    summary.states = dict(db.session.execute(
        sa.select(DeductionList.state, sa.func.count()).where(DeductionList.period.in_(summary.periods))
        .group_by(DeductionList.state)).all())
    summary.paid_periods = db.session.scalar(sa.select(sa.func.count()).select_from(PaidPeriod)) or 0
    for table in ("deduction_lists", "deduction_lines", "paid_periods"):  # statistics for the planner
        db.session.execute(sa.text(f"ANALYZE {table}"))
    return summary


class _Months:
    """The steps of the demo's months, sharing the random generator and the summary."""

    def __init__(self, rng: random.Random, services, system, max_file_lists: int, max_file_lines: int):
        self.rng = rng
        self.services = services
        self.system = system
        self.max_file_lists = max_file_lists
        self.max_file_lines = max_file_lines
        self.summary = DemoLists()
        self.taken_ids: set[str] = set()
        self.showcase_branch = db.session.scalar(sa.select(Branch.id).where(Branch.number == SHOWCASE_BRANCH))
        self.showcase_county = db.session.scalar(sa.select(Branch.county_id).where(Branch.number == SHOWCASE_BRANCH))
        self.showcase_employer = db.session.scalar(
            sa.select(UserScope.ref_id).join(User, User.id == UserScope.user_id)
            .where(User.username == EMPLOYER_USERNAME, UserScope.kind == "employer"))

    # -- forming and files --------------------------------------------------------------------

    def form(self, period: date, pairs: list[tuple[int, int]] | None = None) -> None:
        if pairs is None:
            self.services.form_lists(period)
            return
        for pair in pairs:
            self.services.form_lists(period, only=pair)

    def chosen(self, period: date) -> list[int]:
        """The ids of the expected lists of the month that get a file."""
        return sorted(row.id for row in self._budget(db.session.execute(
            sa.select(DeductionList.id, DeductionList.employer_id, DeductionList.branch_id,
                      DeductionList.expected_count.label("count"), Branch.county_id)
            .join(Branch, Branch.id == DeductionList.branch_id)
            .where(DeductionList.period == period, DeductionList.state == "expected",
                   DeductionList.expected_count.between(1, MAX_ROWS))
            .order_by(DeductionList.id)).all()))

    def likely_pairs(self, period: date) -> list[tuple[int, int]]:
        """(employer id, branch id) of the lists that would get a file, judged before any is formed by
        the deduction employments at the employer's workplaces of each branch on the month's first day."""
        count = sa.func.count(sa.distinct(Employment.membership_id))
        rows = db.session.execute(
            sa.select(Workplace.employer_id, Workplace.branch_id, count.label("count"), Branch.county_id)
            .join(Workplace, Workplace.id == Employment.workplace_id).join(Branch, Branch.id == Workplace.branch_id)
            .where(Employment.payment_method == "deduction", Employment.from_date <= period,
                   sa.or_(Employment.to_date.is_(None), Employment.to_date >= period))
            .group_by(Workplace.employer_id, Workplace.branch_id, Branch.county_id)
            .having(count <= MAX_ROWS)
            .order_by(Workplace.employer_id, Workplace.branch_id)).all()
        return sorted((row.employer_id, row.branch_id) for row in self._budget(rows))

    def _budget(self, rows: list) -> list:
        """The rows (lists, with `employer_id`, `branch_id`, `county_id` and `count` of lines) that get a
        file, within the budget of lists and lines: first the demo employer's list in the demo branch,
        then the branch's other lists, then its county's, then the others in random order."""
        rows = list(rows)
        self.rng.shuffle(rows)
        rows.sort(key=lambda row: (row.branch_id != self.showcase_branch or row.employer_id != self.showcase_employer,
                                   row.branch_id != self.showcase_branch, row.county_id != self.showcase_county))
        picked, lines = [], 0
        for row in rows:
            if len(picked) == self.max_file_lists:
                break
            if lines + row.count <= self.max_file_lines or not picked:
                picked.append(row)
                lines += row.count
        return picked

    def send_files(self, chosen: list[int]) -> list[int]:
        """The employer of each chosen list sends its file (one file for all its branches, as long as
        it stays within the row limit); returns the ids of the lists received."""
        lists = db.session.scalars(
            sa.select(DeductionList).where(DeductionList.id.in_(chosen))
            .options(selectinload(DeductionList.employer), selectinload(DeductionList.branch))).all()
        lines_of: dict[int, list[DeductionLine]] = defaultdict(list)
        for start in range(0, len(chosen), 500):
            for line in db.session.scalars(sa.select(DeductionLine).where(
                    DeductionLine.list_id.in_(chosen[start:start + 500])).order_by(DeductionLine.id)):
                lines_of[line.list_id].append(line)

        files: dict[int, list[list[dict]]] = defaultdict(list)  # employer id → files (rows)
        for deduction_list in sorted(lists, key=lambda item: (item.employer_id, item.branch.number)):
            rows = file_rows(deduction_list, lines_of[deduction_list.id],
                             self._deviations(deduction_list, lines_of[deduction_list.id]))
            if not rows:
                continue
            employer_files = files[deduction_list.employer_id]
            if not employer_files or len(employer_files[-1]) + len(rows) > MAX_ROWS:
                employer_files.append([])
            employer_files[-1].extend(rows)
        self._drop_known_extras(files)
        db.session.flush()
        db.session.expunge_all()  # what the imports write, the handling reads afresh

        received = []
        for employer_files in files.values():
            for rows in employer_files:
                outcome = self.services.import_file(self.system, write_csv(rows))
                if not outcome.ok:  # a bug in the demo, not in the data: say which
                    raise RuntimeError(f"demo file refused: {[str(error) for error in outcome.errors[:5]]}")
                self.summary.files += 1
                self.summary.file_lines += outcome.rows
                received += [item.deduction_list.id for item in outcome.lists]
                for item in outcome.lists:
                    self.summary.deviations += sum(n for status, n in item.counts.items() if status in DEVIATIONS)
            db.session.flush()
            db.session.expunge_all()
        return received

    def _deviations(self, deduction_list: DeductionList, lines: list[DeductionLine]) -> FileDeviations:
        """A realistic few deviations for the list; the showcase branch's biggest employer (the demo
        employer's) gets one of each kind."""
        rng = self.rng
        expected = [line for line in lines if line.expected and line.carried_from_id is None]
        count = min(len(expected), int(len(expected) * DEVIATION_SHARE + rng.random() * 1.4))
        kinds = [rng.choices([k for k, _ in DEVIATION_KINDS], [w for _, w in DEVIATION_KINDS])[0]
                 for _ in range(count)]
        if deduction_list.branch_id == self.showcase_branch and deduction_list.employer_id == self.showcase_employer:
            kinds = [kind for kind, _ in DEVIATION_KINDS] + kinds
        picked = rng.sample(expected, min(len(expected), sum(kind != "extra" for kind in kinds)))
        chosen: dict[str, set[int]] = defaultdict(set)
        extra = []
        for kind in kinds:
            if kind == "extra":
                extra.append(self._extra_person(expected))
                continue
            if not picked:
                continue
            line = picked.pop()
            if kind == "over_cap" and line.cap_ore is None or kind == "missing" and len(chosen["missing"]) + 1 >= len(expected):
                kind = "insurance"  # no cap to go over; or nobody left on the file
            chosen[kind].add(line.id)
        return FileDeviations(missing=frozenset(chosen["missing"]), over_cap=frozenset(chosen["over_cap"]),
                              wrong_insurance=frozenset(chosen["insurance"]), extra=tuple(extra))

    def _extra_person(self, expected: list[DeductionLine]) -> ExtraPerson:
        """A person newly hired whom the payroll deducts for, unknown to the register."""
        rng = self.rng
        male = rng.random() < 0.3
        birth = date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
        national_id = numbers.national_id(birth, male, rng)
        while national_id in self.taken_ids:
            national_id = numbers.national_id(birth, male, rng)
        self.taken_ids.add(national_id)
        sample = rng.choice(expected) if expected else None
        rate = sample.branch_rate_bp if sample and sample.branch_rate_bp else 175
        pay = rng.randint(3_200_000, 5_800_000)
        cap = sample.cap_ore if sample and sample.cap_ore else percent_of(pay, rate)
        return ExtraPerson(
            national_id=national_id, last_name=rng.choice(words.LAST_NAMES),
            first_name=rng.choice(words.MALE_NAMES if male else words.FEMALE_NAMES),
            dues_ore=min(percent_of(pay, rate), cap), insurance_ore=sample.expected_insurance_ore or 0 if sample else 0,
            position_bp=10_000, pay_basis_ore=pay)

    def _drop_known_extras(self, files: dict[int, list[list[dict]]]) -> None:
        """A made-up identity number that happens to be a member's is left out of the files."""
        extras = list(self.taken_ids)
        known = set()
        for start in range(0, len(extras), 500):
            known |= set(db.session.scalars(sa.select(Person.national_id).where(
                Person.national_id.in_(extras[start:start + 500]))))
        if known:
            for employer_files in files.values():
                for rows in employer_files:
                    rows[:] = [row for row in rows if row["fodselsnummer"] not in known or row["medlemsnummer"]]

    # -- handling and posting -------------------------------------------------------------------

    def _open_lines(self, list_ids: list[int]) -> list[DeductionLine]:
        from blueprints.deviations.queries import line_options

        found = []
        for start in range(0, len(list_ids), 500):
            found += db.session.scalars(
                sa.select(DeductionLine).where(DeductionLine.list_id.in_(list_ids[start:start + 500]),
                                               DeductionLine.status.in_(DEVIATIONS), DeductionLine.resolution.is_(None))
                .order_by(DeductionLine.list_id, DeductionLine.id).options(*line_options())).all()
        return found

    def _actions(self, line: DeductionLine) -> list[tuple[str, dict]]:
        """What a branch officer finds and does about one deviation, with what to do instead when the
        register refuses the first (a code change the rules do not allow, say)."""
        period = line.deduction_list.period
        if line.status == MISSING:
            before = period - timedelta(days=1)
            employer_id = line.deduction_list.employer_id
            worked_before = line.membership is not None and any(
                e.workplace.employer_id == employer_id and e.covers(before) for e in line.membership.employments)
            last_day = before if worked_before else next_period(period) - timedelta(days=1)
            ended = ("employment_ended", {"date": last_day, "note": NOTES["ended"]})
            leave = ("leave", {"date": period, "note": NOTES["leave"]})
            first = [leave, ended] if self.rng.random() < 0.25 else [ended]
            return first + [("accepted", {"note": NOTES["ended"]})]
        if line.status == UNEXPECTED:
            return [("not_member", {"note": NOTES["not_member"]}) if line.membership_id is None else ("accepted", {})]
        return [("accepted", {"note": NOTES["over_cap" if self._over_cap(line) else "insurance"]})]

    @staticmethod
    def _over_cap(line: DeductionLine) -> bool:
        return line.cap_ore is not None and (line.reported_dues_ore or 0) - line.cap_ore > TOLERANCE_ORE

    def _resolve(self, user, line: DeductionLine, actions: list[tuple[str, dict]]) -> bool:
        """Handle one line with the first action the register allows; True when one did."""
        for action, data in actions:
            try:
                with db.session.begin_nested():
                    self.services.resolve(user, line, action, data)
            except self.services.Refused:
                continue
            self.summary.resolved += 1
            return True
        return False

    def handle_all(self, list_ids: list[int], user) -> None:
        """Every deviation of the oldest month is handled; the first amount deviation over the cap is
        carried forward to the next month instead (after the others, whose fixes the next list sees)."""
        carried = None
        for line in self._open_lines(list_ids):
            if carried is None and line.status == AMOUNT and self._over_cap(line):
                carried = line
                continue
            self._resolve(user, line, self._actions(line))
        if carried is not None:
            self._resolve(user, carried, [("carried", {"note": NOTES["carried"]})] + self._actions(carried))
        db.session.flush()
        db.session.expunge_all()

    def post_all(self, list_ids: list[int], user) -> None:
        user = db.session.get(User, user.id) if user.id else user
        for start in range(0, len(list_ids), 500):
            for deduction_list in db.session.scalars(
                    sa.select(DeductionList).where(DeductionList.id.in_(list_ids[start:start + 500]))
                    .options(selectinload(DeductionList.employer), selectinload(DeductionList.branch))):
                try:
                    with db.session.begin_nested():
                        self.services.post(user, deduction_list)
                except self.services.Refused:
                    continue
                self.summary.posted += 1
        db.session.flush()
        db.session.expunge_all()

    def handle_some(self, list_ids: list[int], user) -> None:
        """The month in hand: in about a third of the lists with deviations the first one is handled
        (the list is then in progress); the rest stay open. The showcase list keeps all of its open."""
        by_list: dict[int, list[DeductionLine]] = defaultdict(list)
        for line in self._open_lines(list_ids):
            by_list[line.list_id].append(line)
        showcase = self.showcase_employer
        for lines in by_list.values():
            first = lines[0]
            if first.deduction_list.branch_id == self.showcase_branch and first.deduction_list.employer_id == showcase:
                continue
            if self.rng.random() < 0.35:
                self._resolve(user, first, self._actions(first))
        db.session.flush()
        db.session.expunge_all()


