"""A small union with posted deduction lists and the bank's payments, for the payment and
distribution tests (a plain module, not a test file).

County 93 with two branches: 7301 "Fagforening Nord" at 1,75 % and 7302 "Fagforening Sør" at 2,00 %;
one employer, "Sykehuset AS", with a workplace in each. March 2026:
- 7301: three members at pay 30 000 kr: 525,00 + 125,00 fixed = 650,00 each, the list 1 950,00 kr;
- 7302: two members at pay 45 000 kr: 2 % is 900,00, capped at 857,00 (2 % of 42 827,59 rounded
  to kroner) + 125,00 = 982,00 each, the list 1 964,00 kr.
`build_world` forms both lists, has the employer report them exactly as expected, and posts them.
`pay(world, amounts)` imports a payment file paying the lists by KID."""
from dataclasses import dataclass
from datetime import date
from itertools import count

import sqlalchemy as sa

from blueprints.deviations import services as lists
from blueprints.payments import services as payments
from models import DeductionList, Employment, db
from rules.payment_file import Transaction, build_payment_file
from tests.deviations_files import employer_file

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)
PAY_DAY = date(2026, 5, 20)
_transmissions = count(1)


@dataclass
class World:
    county: object
    north: object  # branch 7301, 1,75 %
    south: object  # branch 7302, 2,00 %
    employer: object
    north_list: DeductionList
    south_list: DeductionList
    central: object  # users
    north_officer: object
    south_officer: object
    county_officer: object
    employer_contact: object


def add_members(factory, branch, workplace, names, pay_ore):
    """Members "<name> Hansen" of the branch, each employed full time at the workplace, paid by deduction."""
    for first in names:
        member = factory.member(branch, first_name=first, last_name="Hansen")
        factory._add(Employment(membership_id=member.id, workplace_id=workplace.id, from_date=date(2015, 1, 1),
                                position_bp=10_000, payment_method="deduction", monthly_pay_ore=pay_ore))


def post_list(central, employer, branch, period: date) -> DeductionList:
    """Form the employer's list of the branch for `period`, have the employer report it exactly as
    expected, and post it (as `central`)."""
    lists.form_lists(period, only=(employer.id, branch.id))
    db.session.flush()
    deduction_list = db.session.scalar(sa.select(DeductionList).where(
        DeductionList.employer_id == employer.id, DeductionList.branch_id == branch.id,
        DeductionList.period == period))
    outcome = lists.import_file(central, employer_file(deduction_list))
    assert outcome.ok, outcome.errors
    lists.post(central, deduction_list)
    db.session.flush()
    return deduction_list


def form_and_post(world: World, period: date) -> tuple[DeductionList, DeductionList]:
    """Form, receive as expected and post both lists of `period`; returns (north, south)."""
    return tuple(post_list(world.central, world.employer, branch, period) for branch in (world.north, world.south))


def build_world(factory) -> World:
    county = factory.county(number=93, name="Fylke Nord")
    north = factory.branch(county, number=7301, name="Fagforening Nord", rate_bp=175)
    south = factory.branch(county, number=7302, name="Fagforening Sør", rate_bp=200)
    north.account, south.account = "15032080127", "15032080135"
    factory.session.flush()
    employer = factory.employer(name="Sykehuset AS")
    add_members(factory, north, factory.workplace(employer, north), ("Anne", "Bjørn", "Cecilie"), 3_000_000)
    add_members(factory, south, factory.workplace(employer, south, name="Avdeling Sør"), ("Dag", "Eva"), 4_500_000)
    world = World(county, north, south, employer, None, None,
                  central=factory.user("central", username="sentral"),
                  north_officer=factory.user("branch", branches=[north], username="nord"),
                  south_officer=factory.user("branch", branches=[south], username="sor"),
                  county_officer=factory.user("county", counties=[county], username="fylke"),
                  employer_contact=factory.user("employer", employers=[employer], username="lonn@sykehuset.no"))
    world.north_list, world.south_list = form_and_post(world, MARCH)
    assert world.north_list.reported_total_ore == 195_000 and world.south_list.reported_total_ore == 196_400
    return world


def payment_file(amounts: list[tuple[str | None, int]], *, free_text: str | None = None) -> bytes:
    """A transmission of one payment per (KID, øre); a negative amount is a reversal (type 18); a
    payment without KID carries `free_text` (type 21)."""
    transactions = []
    for number, (kid, amount) in enumerate(amounts, start=1):
        kind = 18 if amount < 0 else (10 if kid else 21)
        transactions.append(Transaction(transaction_type=kind, transaction_number=number, settlement_date=PAY_DAY,
                                        amount_ore=amount, kid=kid, free_text=None if kid else free_text))
    return build_payment_file(transactions, transmission_number=f"{next(_transmissions):07d}")


def pay(world: World, amounts: list[tuple[str | None, int]], **options):
    """Import a payment file as the central registry; returns the import's outcome."""
    outcome = payments.import_payment_file(world.central, payment_file(amounts, **options), "ocr.txt")
    assert outcome.ok, outcome.errors
    db.session.flush()
    return outcome


def committed_world(app, factory, session) -> World:
    """For page tests: the union committed, so that each request sees it, with its lists loaded in
    the test's own session."""
    with app.app_context():
        world = build_world(factory)
        ids = world.north_list.id, world.south_list.id
        db.session.commit()
    world.north_list, world.south_list = (session.get(DeductionList, list_id) for list_id in ids)
    return world


def pay_committed(app, world: World, amounts: list[tuple[str | None, int]], **options):
    """For page tests: a payment file imported and committed, as its own request would."""
    with app.app_context():
        outcome = pay(world, amounts, **options)
        db.session.commit()
    return outcome
