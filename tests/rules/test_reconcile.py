from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from rules.money import percent_of
from rules.reconcile import AMOUNT, MATCHED, MISSING, UNEXPECTED, Expected, Reported, reconcile

RATE = 175  # 1,75 %
CAP = 53_600  # 536 kr
HIGH_FIXED = 9_700  # 97 kr


def member(national_id="21047725078", member_number=5001, name="Bækkelund, Åsmund", pay=3_300_000, **fields):
    values = dict(membership_id=member_number, national_id=national_id, member_number=member_number, name=name,
                  position_bp=10_000, pay_basis_ore=pay, branch_rate_bp=RATE, cap_ore=CAP, fixed_ore=HIGH_FIXED)
    return Expected(**(values | fields))


def line(national_id="21047725078", member_number=5001, name="Bækkelund, Åsmund", dues=53_600, insurance=9_700,
         pay=3_300_000, row=2, position_bp=10_000):
    return Reported(row=row, national_id=national_id, member_number=member_number, name=name, position_bp=position_bp,
                    pay_basis_ore=pay, dues_ore=dues, insurance_ore=insurance)


def only(outcomes):
    [outcome] = outcomes
    return outcome


# --- worked cases -------------------------------------------------------------------------------

def test_the_worked_example_is_matched():
    # DOMAIN.md section 4: 1,75 % of 33 000 kr is 577,50, capped at 536, + 97 = 633,00
    outcome = only(reconcile([member()], [line(dues=53_600, insurance=9_700)]))
    assert (outcome.status, outcome.reasons, outcome.matched_by) == (MATCHED, (), "national_id")
    assert outcome.expected == member() and outcome.reported == line()


def test_expected_but_not_reported_is_missing():
    outcome = only(reconcile([member()], []))
    assert (outcome.status, outcome.reported, outcome.national_id, outcome.name) == (
        MISSING, None, "21047725078", "Bækkelund, Åsmund")


def test_reported_but_not_expected_is_unexpected_and_kept_with_identity_number_and_name():
    outcome = only(reconcile([], [line(national_id="05128336003", member_number=None, name="Ølberg, Gunn")]))
    assert (outcome.status, outcome.expected, outcome.national_id, outcome.name) == (
        UNEXPECTED, None, "05128336003", "Ølberg, Gunn")


def test_percentage_part_over_the_cap():
    outcome = only(reconcile([member()], [line(dues=70_000)]))
    assert (outcome.status, outcome.reasons) == (AMOUNT, ("Prosenttrekket 700,00 er over taket 536,00",))


def test_fixed_part_not_the_members():
    outcome = only(reconcile([member()], [line(insurance=12_500)]))
    assert (outcome.status, outcome.reasons) == (AMOUNT, ("Forsikringsbeløpet 125,00 er ikke medlemmets 97,00",))


def test_low_fixed_member_reported_with_high_fixed():
    outcome = only(reconcile([member(fixed_ore=3_600)], [line(insurance=9_700)]))
    assert outcome.reasons == ("Forsikringsbeløpet 97,00 er ikke medlemmets 36,00",)


def test_percentage_part_not_what_the_pay_basis_gives():
    outcome = only(reconcile([member(cap_ore=70_000)], [line(dues=45_000, pay=3_300_000)]))
    assert (outcome.status, outcome.reasons) == (
        AMOUNT, ("Prosenttrekket 450,00 er ikke 1,75 % av trekkgrunnlaget 33 000,00 (577,50)",))


def test_percentage_part_under_the_capped_pay_share_says_the_cap():
    outcome = only(reconcile([member()], [line(dues=45_000, pay=3_300_000)]))
    assert outcome.reasons == (
        "Prosenttrekket 450,00 er ikke 1,75 % av trekkgrunnlaget 33 000,00 (577,50, begrenset til taket 536,00)",)


def test_without_a_pay_basis_only_the_cap_is_checked():
    outcome = only(reconcile([member()], [line(dues=10_000, pay=None)]))
    assert (outcome.status, outcome.reasons) == (MATCHED, ())


def test_a_low_pay_gives_its_percentage():
    # 18 000 kr at 1,75 % is 315,00, under the cap
    assert only(reconcile([member(pay=1_800_000)], [line(dues=31_500, pay=1_800_000)])).status == MATCHED
    assert only(reconcile([member(pay=1_800_000)], [line(dues=53_600, pay=1_800_000)])).reasons == (
        "Prosenttrekket 536,00 er ikke 1,75 % av trekkgrunnlaget 18 000,00 (315,00)",)


def test_over_the_cap_is_one_reason_and_a_wrong_fixed_part_another():
    outcome = only(reconcile([member()], [line(dues=70_000, insurance=0)]))
    assert outcome.reasons == ("Prosenttrekket 700,00 er over taket 536,00",
                               "Forsikringsbeløpet 0,00 er ikke medlemmets 97,00")


def test_the_file_pay_basis_is_used_not_the_registers():
    outcome = only(reconcile([member(pay=2_000_000, cap_ore=90_000)], [line(dues=70_000, pay=4_000_000)]))
    assert outcome.status == MATCHED


# --- tolerance ----------------------------------------------------------------------------------

def test_exactly_one_krone_off_is_within_the_tolerance_on_each_comparison():
    assert only(reconcile([member()], [line(dues=CAP + 100, insurance=HIGH_FIXED - 100)])).status == MATCHED
    assert only(reconcile([member()], [line(insurance=HIGH_FIXED + 100)])).status == MATCHED
    assert only(reconcile([member(pay=1_800_000)], [line(dues=31_400, pay=1_800_000)])).status == MATCHED
    assert only(reconcile([member(pay=1_800_000)], [line(dues=31_600, pay=1_800_000)])).status == MATCHED


def test_one_krone_and_one_ore_off_is_a_deviation():
    assert only(reconcile([member()], [line(dues=CAP + 101)])).reasons == ("Prosenttrekket 537,01 er over taket 536,00",)
    assert only(reconcile([member()], [line(insurance=HIGH_FIXED - 101)])).reasons == (
        "Forsikringsbeløpet 95,99 er ikke medlemmets 97,00",)
    assert only(reconcile([member(pay=1_800_000)], [line(dues=31_399, pay=1_800_000)])).reasons == (
        "Prosenttrekket 313,99 er ikke 1,75 % av trekkgrunnlaget 18 000,00 (315,00)",)


# --- matching -----------------------------------------------------------------------------------

def test_a_mistyped_identity_number_is_matched_by_member_number():
    outcome = only(reconcile([member()], [line(national_id="21047725087", member_number=5001)]))
    assert (outcome.status, outcome.matched_by) == (MATCHED, "member_number")
    assert outcome.reported.national_id == "21047725087" and outcome.national_id == "21047725078"


def test_identity_number_wins_over_member_number():
    # the line with Åsmund's identity number but Gunn's member number belongs to Åsmund
    asmund, gunn = member(), member(national_id="05128336003", member_number=5002, name="Ølberg, Gunn")
    outcomes = reconcile([asmund, gunn], [line(member_number=5002, row=2),
                                          line(national_id="05128336099", member_number=5002, row=3)])
    assert [(o.status, o.expected, o.reported and o.reported.row, o.matched_by) for o in outcomes] == [
        (MATCHED, asmund, 2, "national_id"), (MATCHED, gunn, 3, "member_number")]


def test_a_line_is_never_matched_twice():
    # one line cannot be both Åsmund's (identity number) and Gunn's (member number)
    asmund, gunn = member(), member(national_id="05128336003", member_number=5002)
    outcomes = reconcile([asmund, gunn], [line(member_number=5002)])
    assert [o.status for o in outcomes] == [MATCHED, MISSING]


def test_an_unknown_person_with_no_member_number_is_unexpected():
    outcomes = reconcile([member()], [line(), line(national_id="05128336003", member_number=None, row=3)])
    assert [o.status for o in outcomes] == [MATCHED, UNEXPECTED]


def test_the_same_person_twice_in_the_file_is_matched_once_and_unexpected_once():
    outcomes = reconcile([member()], [line(row=2), line(row=7)])
    assert [(o.status, o.reported.row) for o in outcomes] == [(MATCHED, 2), (UNEXPECTED, 7)]


def test_order_is_the_expected_list_then_the_unexpected_in_file_order():
    expected = [member(national_id=f"{n:011d}", member_number=n) for n in (30, 10, 20)]
    reported = [line(national_id=f"{n:011d}", member_number=None, row=row)
                for row, n in enumerate((99, 20, 50, 30, 77), start=2)]
    outcomes = reconcile(expected, reported)
    assert [(o.status, o.national_id) for o in outcomes] == [
        (MATCHED, "00000000030"), (MISSING, "00000000010"), (MATCHED, "00000000020"),
        (UNEXPECTED, "00000000099"), (UNEXPECTED, "00000000050"), (UNEXPECTED, "00000000077")]


# --- properties ---------------------------------------------------------------------------------

ids = st.sampled_from([f"{n:011d}" for n in range(12)])
member_numbers = st.integers(1, 12)
amounts = st.integers(0, 200_000)

expected_members = st.builds(
    Expected, membership_id=st.integers(1, 10**6), national_id=ids, member_number=member_numbers, name=st.just("N"),
    position_bp=st.integers(0, 10_000), pay_basis_ore=st.none() | amounts, branch_rate_bp=st.integers(145, 300),
    cap_ore=amounts, fixed_ore=st.sampled_from([0, 3_600, 7_600, 9_700]))
reported_lines = st.builds(
    Reported, row=st.integers(2, 10**5), national_id=ids, member_number=st.none() | member_numbers, name=st.just("N"),
    position_bp=st.none() | st.integers(0, 10_000), pay_basis_ore=st.none() | amounts, dues_ore=amounts,
    insurance_ore=amounts)


@given(st.lists(expected_members, max_size=10), st.lists(reported_lines, max_size=10))
def test_every_expected_and_every_reported_line_is_in_exactly_one_outcome(expected, reported):
    outcomes = reconcile(expected, reported)
    seen_expected = Counter(id(o.expected) for o in outcomes if o.expected is not None)
    seen_reported = Counter(id(o.reported) for o in outcomes if o.reported is not None)
    assert seen_expected == Counter(id(e) for e in expected)
    assert seen_reported == Counter(id(r) for r in reported)
    for outcome in outcomes:
        both = outcome.expected is not None and outcome.reported is not None
        assert outcome.status in ((MATCHED, AMOUNT) if both else (MISSING, UNEXPECTED))
        assert bool(outcome.reasons) == (outcome.status == AMOUNT)


@given(st.lists(expected_members, max_size=10, unique_by=(lambda e: e.national_id, lambda e: e.member_number)),
       st.randoms(use_true_random=False), st.booleans())
def test_a_report_of_the_expected_amounts_is_all_matched(expected, random, with_pay):
    reported = [Reported(row=row, national_id=e.national_id, member_number=e.member_number, name=e.name,
                         position_bp=e.position_bp, pay_basis_ore=e.pay_basis_ore if with_pay else None,
                         dues_ore=(min(percent_of(e.pay_basis_ore, e.branch_rate_bp), e.cap_ore)
                                   if e.pay_basis_ore is not None else e.cap_ore),
                         insurance_ore=e.fixed_ore)
                for row, e in enumerate(expected, start=2)]
    random.shuffle(reported)
    outcomes = reconcile(expected, reported)
    assert [(o.status, o.expected) for o in outcomes] == [(MATCHED, e) for e in expected]
