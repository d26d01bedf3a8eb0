"""One scope for every read (DESIGN.md "Access"): every role × every scoped model × a record inside and
outside the scope, through `Scope.where` (queries) and `Scope.get_or_404` (one record).

The world: counties C1 (branches B1, B2) and C2 (branch B3); employer E1 with workplaces W1 (B1) and W2
(B2), employer E2 with W3 (B3); a member in each branch and a student attached to C1; a list per
employer and branch with a line each, payments, a distribution run, a transfer from B1 to B3, county
follow-ups and portal access requests in both counties.
"""
from datetime import date

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import NotFound

from models import (
    AccessRequest,
    AccountRequest,
    Branch,
    County,
    DeductionLine,
    DeductionList,
    DistributionBranch,
    DistributionLine,
    DistributionRun,
    Employer,
    FollowUp,
    Membership,
    Payment,
    PaymentTransmission,
    Person,
    PortalEntry,
    Transfer,
    User,
    UserScope,
    Workplace,
    db,
)
from models.scope import RULES, Scope

MARCH = date(2026, 3, 1)

# What each user sees of each model, by the world's names. Every model with a rule is here, so a
# new rule cannot come without its expectations.
VISIBLE = {
    "branch": {
        Branch: {"b1"}, County: {"c1"}, Membership: {"m1"}, Person: {"p1"},
        DeductionList: {"l1"}, DeductionLine: {"n1", "n4"}, Payment: {"pay1"},
        DistributionBranch: {"db1"}, DistributionLine: {"dl1"}, Workplace: {"w1"}, Employer: {"e1", "e2"},
        Transfer: {"t13"}, FollowUp: set(), AccessRequest: set(), PortalEntry: {"pe1", "pe4"},
        User: set(), AccountRequest: {"r1"},
    },
    "county": {
        Branch: {"b1", "b2"}, County: {"c1"}, Membership: {"m1", "m2", "m4"}, Person: {"p1", "p2", "p4"},
        DeductionList: {"l1", "l2"}, DeductionLine: {"n1", "n2", "n4"}, Payment: {"pay1", "unidentified"},
        DistributionBranch: {"db1"}, DistributionLine: {"dl1"}, Workplace: {"w1", "w2"},
        Employer: {"e1", "e2"}, Transfer: {"t13"}, FollowUp: {"f1"}, AccessRequest: {"a1"},
        PortalEntry: {"pe1", "pe4"}, User: {"u_branch"}, AccountRequest: {"r1"},
    },
    "central": "everything",
    "employer": {
        Branch: set(), County: set(), Membership: set(), Person: set(),
        DeductionList: {"l1", "l2"}, DeductionLine: {"n1", "n2", "n4"}, Payment: {"pay1"},
        DistributionBranch: set(), DistributionLine: set(), Workplace: {"w1", "w2"}, Employer: {"e1"},
        Transfer: set(), FollowUp: set(), AccessRequest: set(), PortalEntry: {"pe1", "pe4"},
        User: set(), AccountRequest: set(),
    },
    "workplace": {  # an employer contact answering for W1 only: not the line of W2 on the list of B1
        Branch: set(), County: set(), Membership: set(), Person: set(),
        DeductionList: {"l1"}, DeductionLine: {"n1"}, Payment: {"pay1"},
        DistributionBranch: set(), DistributionLine: set(), Workplace: {"w1"}, Employer: {"e1"},
        Transfer: set(), FollowUp: set(), AccessRequest: set(), PortalEntry: {"pe1"},
        User: set(), AccountRequest: set(),
    },
}


@pytest.fixture
def world(factory, session):
    """{name: record} for every record of the world, and {role: user}."""
    c1, c2 = factory.county(), factory.county()
    b1, b2, b3 = factory.branch(c1), factory.branch(c1), factory.branch(c2)
    e1, e2 = factory.employer(), factory.employer()
    w1, w2, w3 = factory.workplace(e1, b1), factory.workplace(e1, b2), factory.workplace(e2, b3)
    m1, m2, m3 = (factory.member(b, workplace=w) for b, w in ((b1, w1), (b2, w2), (b3, w3)))
    m4 = factory.member(membership_type="student", county=c1)
    records = {"c1": c1, "c2": c2, "b1": b1, "b2": b2, "b3": b3, "e1": e1, "e2": e2, "w1": w1, "w2": w2,
               "w3": w3, "m1": m1, "m2": m2, "m3": m3, "m4": m4}
    for i, m in enumerate((m1, m2, m3, m4), start=1):
        records[f"p{i}"] = session.get(Person, m.person_id)

    def add(name, obj):
        session.add(obj)
        session.flush()
        records[name] = obj
        return obj

    for i, (employer, branch, member) in enumerate(((e1, b1, m1), (e1, b2, m2), (e2, b3, m3)), start=1):
        deduction_list = add(f"l{i}", DeductionList(period=MARCH, employer_id=employer.id, branch_id=branch.id,
                                                    kid=f"99{i:07d}"))
        person = records[f"p{i}"]
        add(f"n{i}", DeductionLine(list_id=deduction_list.id, membership_id=member.id, person_id=person.id,
                                   national_id=person.national_id, name="Nordmann, Kari", expected=True,
                                   workplace_id=records[f"w{i}"].id))
    # a member of B1 working at W2 (a workplace of B2) is on the list of E1 and B1, with the draft's entries
    add("n4", DeductionLine(list_id=records["l1"].id, national_id="01010112345", name="Nordmann, Ola",
                            expected=True, workplace_id=w2.id))
    for name, line in (("pe1", records["n1"]), ("pe4", records["n4"])):
        add(name, PortalEntry(list_id=line.list_id, line_id=line.id, workplace_id=line.workplace_id,
                              national_id=line.national_id, last_name="Nordmann", first_name="Kari",
                              outcome="deducted"))
    transmission = add("transmission", PaymentTransmission(data_sender="00008080", transmission_number="1000001"))
    for name, list_id in (("pay1", records["l1"].id), ("pay3", records["l3"].id), ("unidentified", None)):
        add(name, Payment(transmission_id=transmission.id, assignment_number="1", transaction_number=len(records),
                          transaction_type=10, settlement_date=MARCH, amount_ore=100, list_id=list_id))
    run = add("run", DistributionRun(period=MARCH))
    add("db1", DistributionBranch(run_id=run.id, branch_id=b1.id))
    add("db3", DistributionBranch(run_id=run.id, branch_id=b3.id))
    for name, deduction_list in (("dl1", records["l1"]), ("dl3", records["l3"])):
        add(name, DistributionLine(run_id=run.id, list_id=deduction_list.id, branch_id=deduction_list.branch_id,
                                   employer_id=deduction_list.employer_id, period=MARCH, kind="list"))
    add("t13", Transfer(person_id=m1.person_id, from_membership_id=m1.id, from_branch_id=b1.id,
                        to_branch_id=b3.id, transfer_date=MARCH))
    add("f1", FollowUp(county_id=c1.id, membership_id=m4.id, kind="pupil_over_20"))
    add("f2", FollowUp(county_id=c2.id, membership_id=m3.id, kind="pupil_over_20"))
    add("a1", AccessRequest(full_name="Lønn A", email="a@example.no", employer_id=e1.id, county_id=c1.id))
    add("a2", AccessRequest(full_name="Lønn B", email="b@example.no", employer_id=e2.id, county_id=c2.id))

    workplace_contact = factory.user("employer")
    session.add(UserScope(user_id=workplace_contact.id, kind="workplace", ref_id=w1.id))
    session.flush()
    session.refresh(workplace_contact)
    users = {
        "branch": factory.user("branch", branches=[b1]),
        "county": factory.user("county", counties=[c1]),
        "central": factory.user("central"),
        "employer": factory.user("employer", employers=[e1]),
        "workplace": workplace_contact,
    }
    # accounts: a county manages the branch officers of its branches (not one with a branch elsewhere)
    records.update({f"u_{role}": user for role, user in users.items()})
    records["u_two_counties"] = factory.user("branch", branches=[b1, b3])
    add("r1", AccountRequest(requested_by=users["branch"].id, full_name="Ny Tillitsvalgt", email="ny@example.no",
                             branch_id=b1.id))
    add("r3", AccountRequest(requested_by=users["central"].id, full_name="Annen Person", email="annen@example.no",
                             branch_id=b3.id))
    return records, users


def names_of(records, model) -> set[str]:
    return {name for name, obj in records.items() if type(obj) is model}


def test_every_scoped_model_has_expectations():
    for role, expected in VISIBLE.items():
        if expected != "everything":
            assert set(expected) == set(RULES), role


@pytest.mark.parametrize("role", sorted(VISIBLE))
@pytest.mark.parametrize("model", sorted(RULES, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_each_role_sees_exactly_its_scope(world, app_ctx, role, model):
    records, users = world
    scope = Scope(db.session.get(type(users[role]), users[role].id))
    all_of_model = names_of(records, model)
    expected = all_of_model if VISIBLE[role] == "everything" else VISIBLE[role][model]
    assert expected <= all_of_model, "the table names records the world does not have"
    by_id = {records[name].id: name for name in all_of_model}
    seen = set(db.session.scalars(sa.select(model.id).where(scope.where(model), model.id.in_(by_id))))
    assert {by_id[i] for i in seen} == expected

    for name in sorted(all_of_model):
        if name in expected:
            assert scope.get_or_404(model, records[name].id).id == records[name].id
        else:
            with pytest.raises(NotFound):
                scope.get_or_404(model, records[name].id)
    with pytest.raises(NotFound):  # an id that does not exist answers the same
        scope.get_or_404(model, 2**31 - 1)


def test_a_model_without_a_rule_is_refused(factory, app_ctx):
    scope = Scope(factory.user("central"))
    with pytest.raises(LookupError, match="No scope rule for DuesRate"):
        from models import DuesRate

        scope.where(DuesRate)


# Models that hold or point at a person's or an organization's data but are read only through a parent
# that the scope has loaded (indico's rule: children through their parent), or are not the register's.
THROUGH_PARENT = {
    "PersonNote", "DuesCodePeriod", "Employment", "InsurancePeriod", "MembershipChange", "PaidPeriod",
    "BranchRate", "PortalApproval", "ListThread", "ListMessage", "Section",
    # the audit log has its own page for the central registry; an account's details go with the account
    "AuditLog", "UserScope", "UserSession", "LoginAttempt", "RecoveryCode", "Job",
}
SCOPING_COLUMNS = {"person_id", "membership_id", "branch_id", "county_id", "list_id", "employer_id",
                   "workplace_id", "national_id"}


def test_no_model_with_personal_or_organizational_links_lacks_a_rule():
    """A new model that points at a person, membership, branch, county, list, employer or workplace must
    get a rule in models/scope.py, or be named here as read only through its parent."""
    missing = []
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        columns = {c.key for c in mapper.columns}
        if model in RULES or model.__name__ in THROUGH_PARENT:
            continue
        if columns & SCOPING_COLUMNS:
            missing.append(model.__name__)
    assert missing == []
