import sqlalchemy as sa

from models import Membership
from models.counter import next_number

HIGHEST = sa.select(sa.func.max(Membership.member_number)).scalar_subquery()


def test_member_numbers_are_never_handed_out_twice_and_stay_above_imported_ones(factory, app_ctx):
    factory.member(number=900_000)  # as an import or the demo writes it, without the counter

    first = next_number("member_number", HIGHEST)
    second = next_number("member_number", HIGHEST)  # e.g. a second enrollment before the first saved

    assert (first, second) == (900_001, 900_002)


def test_the_first_member_number_of_an_empty_register_is_1(app_ctx):
    assert [next_number("member_number", HIGHEST) for _ in range(3)] == [1, 2, 3]
