"""Payments for the demo: the bank's payment files for the demo's three months, and one distribution.

After the demo's lists (demo/lists.py), the bank sends one payment file (FORMATS.md section 2) a
month, built by `rules.payment_file.build_payment_file` as the bank would write it and imported
through the same service as `flask payments import`, as the demo's central user:

1. the oldest month's file (settled about the 20th of the month after): most posted lists paid in
   full by their KID, a few partly paid, a few overpaid by a little, one paid twice by mistake, and a
   few not paid at all; one of those was paid with a mistyped KID, so the payment is unidentified;
2. the middle month's file: most of the lists received (not yet posted) paid in full, the bank's
   reversal of the double payment, and a payment without KID whose free text says "Kontingent
   <month>" (for another unpaid list of the oldest month);
3. the last month's file: a few employers paying their expected list before sending it, and a
   payment with a valid KID that matches nothing (an old register's reference).

The oldest month's lists were handled "after the fact", so their posting is moved back in time to
between POSTED_DAYS_AGO days before today; some of the unpaid ones more than `UNPAID_AFTER_DAYS` ago,
so that the county's queue of unpaid lists has entries. Then the central registry distributes the
oldest month (`run_distribution`), which holds back the partly paid lists.

Everything follows from the seed. It is a few hundred payments at most, whatever the register's size
(the lists with files are bounded by demo.lists.MAX_FILE_LISTS): well under a second.
"""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from models import Branch, DeductionList, User, db, utcnow
from models.deduction import EXPECTED, IN_PROGRESS, POSTED, RECEIVED, next_period
from models.payment import list_amount_ore, list_payments
from rules.kid import is_valid_kid, make_kid
from rules.money import format_kroner
from rules.payment_file import Transaction, build_payment_file
from rules.payment_state import OVERPAID, PAID, PARTLY_PAID, PAYMENT_STATES, UNPAID

from . import numbers
from .lists import CENTRAL_USERNAME, SHOWCASE_BRANCH, demo_periods

UNPAID_SHARE = 0.08  # of the oldest month's posted lists: not paid
PARTLY_SHARE = 0.05  # paid in part
OVERPAID_SHARE = 0.04  # paid a little too much
RECEIVED_PAID_SHARE = 0.7  # of the middle month's received lists: paid already
EARLY_PAYERS = 3  # last month's expected lists paid before the employer sends the list
POSTED_DAYS_AGO = (10, 55)  # the oldest month's lists were posted between these many days before today
PAY_DAY = 20  # employers pay about the 20th of the month after the period
SENDER = "00008080"  # the bank's data sender id
MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
          "november", "desember")


@dataclass
class DemoPayments:
    """What the demo made of payments and the distribution."""

    files: int = 0
    transactions: int = 0
    matched: int = 0
    unidentified: int = 0
    total_ore: int = 0
    period: date | None = None  # the month distributed
    states: dict[str, int] = field(default_factory=dict)  # payment state of that month's posted lists
    unpaid_queue: int = 0  # the county's queue: posted lists not paid in full after UNPAID_AFTER_DAYS
    run_id: int | None = None
    run_lists: int = 0
    run_held: int = 0
    run_paid_ore: int = 0
    seconds: float = 0.0

    @property
    def message(self) -> str:
        states = ", ".join(f"{self.states.get(state, 0)} {str(name).lower()}" for state, name in PAYMENT_STATES.items())
        text = (f"Innbetalinger: {self.files} filer fra banken med {self.transactions} transaksjoner "
                f"({self.matched} koblet med KID, {self.unidentified} uidentifiserte), til sammen "
                f"{format_kroner(self.total_ore)} kr. Framførte trekklister for {self.period:%m.%Y}: {states}; "
                f"{self.unpaid_queue} framførte trekklister er ikke betalt fullt ut etter "
                f"{current_app.config['UNPAID_AFTER_DAYS']} dager.")
        if self.run_id is not None:
            text += (f" Fordeling {self.run_id} for {self.period:%m.%Y}: {self.run_lists} trekklister, "
                     f"{format_kroner(self.run_paid_ore)} kr fordelt, {self.run_held} holdt tilbake.")
        return text

    def as_dict(self) -> dict:
        return {"files": self.files, "transactions": self.transactions, "matched": self.matched,
                "unidentified": self.unidentified, "total_ore": self.total_ore,
                "period": f"{self.period:%Y-%m}" if self.period else None, "states": dict(self.states),
                "unpaid_queue": self.unpaid_queue, "run_id": self.run_id, "run_lists": self.run_lists,
                "run_held": self.run_held, "run_paid_ore": self.run_paid_ore, "seconds": self.seconds}


def make_demo_payments(*, today: date, seed: int) -> DemoPayments:
    """Import the bank's files for the demo's months and distribute the oldest (no commit)."""
    from blueprints.distribution.services import run_distribution
    from blueprints.payments.queries import unpaid_count
    from web.commands import SYSTEM

    oldest, middle, last = demo_periods(today)
    bank = _Bank(random.Random(seed * 6151 + 7), today)
    summary = DemoPayments(period=oldest)

    posted = _lists(oldest, (POSTED,))
    ordered = _showcase_first(bank.rng, posted)
    fates = _fates(bank.rng, len(ordered))
    unpaid = [dl for dl, fate in zip(ordered, fates) if fate == UNPAID]
    double = next((dl for dl, fate in zip(ordered, fates) if fate == PAID and list_amount_ore(dl) > 0), None)
    _move_posting_back(bank.rng, today, ordered, fates)

    # 1. the oldest month's file
    settled = bank.pay_day(oldest)
    for deduction_list, fate in zip(ordered, fates):
        amount = list_amount_ore(deduction_list)
        if amount <= 0 or fate == UNPAID:
            continue
        if fate == PARTLY_PAID:  # 5 to 40 % short, in whole kroner
            short = max(100, amount * bank.rng.randint(5, 40) // 10_000 * 100)
            amount = amount - short if amount > short else amount // 2
        elif fate == OVERPAID:
            amount += bank.rng.randint(1, 50) * 100
        bank.pay(deduction_list, amount, settled)
        if deduction_list is double:
            bank.pay(deduction_list, amount, settled)  # the payroll office paid twice
    if unpaid:  # paid with two digits of the KID swapped: unidentified, and the list unpaid
        bank.add(_mistyped(unpaid[0].kid), list_amount_ore(unpaid[0]), settled, employer_id=unpaid[0].employer_id)
    bank.send(oldest, summary)

    # 2. the middle month's file
    settled = bank.pay_day(middle)
    for deduction_list in _lists(middle, (RECEIVED, IN_PROGRESS)):
        if bank.rng.random() < RECEIVED_PAID_SHARE and list_amount_ore(deduction_list) > 0:
            bank.pay(deduction_list, list_amount_ore(deduction_list), settled)
    if double is not None:  # the bank reverses the double payment
        bank.add(double.kid, -list_amount_ore(double), settled, transaction_type=18, employer_id=double.employer_id)
    if len(unpaid) > 1:  # paid without KID, saying only which month
        bank.add(None, list_amount_ore(unpaid[1]), settled, transaction_type=21, employer_id=unpaid[1].employer_id,
                 free_text=f"Kontingent {MONTHS[oldest.month - 1]}")
    bank.send(middle, summary)

    # 3. the last month's file
    settled = bank.pay_day(last)
    expected = [dl for dl in _lists(last, (EXPECTED,)) if dl.expected_total_ore > 0]
    for deduction_list in bank.rng.sample(expected, min(EARLY_PAYERS, len(expected))):
        bank.pay(deduction_list, list_amount_ore(deduction_list), settled)
    bank.add(make_kid(f"9{bank.rng.randint(0, 10 ** 9 - 1):09d}"), bank.rng.randint(3_000, 9_000) * 100, settled)
    bank.send(last, summary)

    states = list_payments(posted)
    summary.states = {state: 0 for state in PAYMENT_STATES}
    for payment in states.values():
        summary.states[payment.state] += 1
    summary.unpaid_queue = unpaid_count(SYSTEM, current_app.config["UNPAID_AFTER_DAYS"], utcnow())

    run = run_distribution(oldest, SYSTEM)
    if run is not None:
        summary.run_id, summary.run_lists, summary.run_held, summary.run_paid_ore = (
            run.id, run.list_count, run.held_count, run.paid_ore)
    for table in ("payments", "payment_transmissions"):  # statistics for the planner
        db.session.execute(sa.text(f"ANALYZE {table}"))
    return summary


def _lists(period: date, states: tuple[str, ...]) -> list[DeductionList]:
    return list(db.session.scalars(sa.select(DeductionList).where(
        DeductionList.period == period, DeductionList.state.in_(states)).order_by(DeductionList.id)))


def _showcase_first(rng: random.Random, lists: list[DeductionList]) -> list[DeductionList]:
    """The lists in random order, the demo branch's first (so that it shows every payment state)."""
    showcase = db.session.scalar(sa.select(Branch.id).where(Branch.number == SHOWCASE_BRANCH))
    ordered = list(lists)
    rng.shuffle(ordered)
    ordered.sort(key=lambda dl: dl.branch_id != showcase)
    return ordered


def _fates(rng: random.Random, count: int) -> list[str]:
    """What happens to each posted list's payment: the first four one of each state, then the rest
    in the shares above, in random order."""
    head = [PAID, UNPAID, PARTLY_PAID, OVERPAID][:count]
    rest = count - len(head)
    shares = ([UNPAID] * round(rest * UNPAID_SHARE) + [PARTLY_PAID] * round(rest * PARTLY_SHARE)
              + [OVERPAID] * round(rest * OVERPAID_SHARE))
    tail = shares + [PAID] * (rest - len(shares))
    rng.shuffle(tail)
    return head + tail


def _move_posting_back(rng: random.Random, today: date, lists: list[DeductionList], fates: list[str]) -> None:
    """The oldest month's lists were received and posted some weeks ago: every other unpaid list more
    than UNPAID_AFTER_DAYS days ago (so in the county's queue), the others at any time in the span."""
    queue_days = current_app.config["UNPAID_AFTER_DAYS"] + 1
    unpaid = 0
    for deduction_list, fate in zip(lists, fates):
        low, high = POSTED_DAYS_AGO
        if fate == UNPAID:
            low, high = (max(low, queue_days), max(high, queue_days)) if unpaid % 2 == 0 else (low, min(high, queue_days - 2))
            unpaid += 1
        posted = datetime.combine(today - timedelta(days=rng.randint(low, high)), time(rng.randint(7, 15), rng.randint(0, 59)))
        deduction_list.posted_at = posted
        deduction_list.received_at = posted - timedelta(days=rng.randint(1, 12), hours=rng.randint(0, 5))
    db.session.flush()


def _mistyped(kid: str) -> str:
    """The KID with two neighbouring digits swapped, from the right, so that its check digit no longer
    fits (no list's KID can be it)."""
    for i in range(len(kid) - 1, 0, -1):
        swapped = kid[:i - 1] + kid[i] + kid[i - 1] + kid[i + 1:]
        if not is_valid_kid(swapped):
            return swapped
    return kid[:-1] + str((int(kid[-1]) + 1) % 10)


class _Bank:
    """Gathers one month's transactions and sends them as a payment file."""

    def __init__(self, rng: random.Random, today: date):
        self.rng = rng
        self.today = today
        self.transactions: list[Transaction] = []
        self.accounts: dict[int | None, str] = {}
        self.sent = 0
        self.user = db.session.scalar(sa.select(User).where(User.username == CENTRAL_USERNAME))

    def pay_day(self, period: date) -> date:
        """About the 20th of the month after the period; never after today."""
        return min(next_period(period) + timedelta(days=PAY_DAY - 1), self.today)

    def pay(self, deduction_list: DeductionList, amount_ore: int, settled: date) -> None:
        self.add(deduction_list.kid, amount_ore, settled, employer_id=deduction_list.employer_id)

    def add(self, kid: str | None, amount_ore: int, settled: date, *, transaction_type: int | None = None,
            employer_id: int | None = None, free_text: str | None = None) -> None:
        """One transaction: a business terminal giro (13) or now and then a telegiro (16), unless given."""
        day = max(settled - timedelta(days=self.rng.randint(0, 3)), settled.replace(day=1))
        if employer_id not in self.accounts:
            self.accounts[employer_id] = numbers.bank_account(self.rng)
        self.transactions.append(Transaction(
            transaction_type=transaction_type or (16 if self.rng.random() < 0.15 else 13),
            transaction_number=len(self.transactions) + 1, settlement_date=day, amount_ore=amount_ore, kid=kid,
            free_text=free_text, bank_date=day, debit_account=self.accounts[employer_id],
            archive_reference=f"{self.rng.randint(1, 999_999_999):09d}"))

    @staticmethod
    def payee_account(accounts: tuple[str, ...]) -> str:
        """The union's account the files are for: the first of UNION_ACCOUNTS, else UNION_ACCOUNT."""
        return accounts[0] if accounts else "".join(current_app.config["UNION_ACCOUNT"].split()).replace(".", "")

    def send(self, period: date, summary: DemoPayments) -> None:
        """The month's file, imported as `flask payments import` does; a refusal is a bug in the demo."""
        from blueprints.payments.services import import_payment_file, union_accounts
        from web.commands import SYSTEM

        if not self.transactions:
            return
        self.sent += 1
        data = build_payment_file(self.transactions, sender=SENDER, transmission_number=f"{period:%y%m}{self.sent:03d}",
                                  assignment_number=f"{period:%y%m}{self.sent:03d}",
                                  account=self.payee_account(union_accounts()))
        outcome = import_payment_file(self.user or SYSTEM, data, f"OCR.{period:%Y%m}.txt")
        if not outcome.ok or outcome.already:
            raise RuntimeError(f"demo payment file refused: {outcome.message} {[str(e) for e in outcome.errors[:5]]}")
        summary.files += 1
        summary.transactions += outcome.transactions
        summary.matched += outcome.matched
        summary.unidentified += outcome.unidentified
        summary.total_ore += outcome.total_ore
        self.transactions = []
        db.session.flush()
