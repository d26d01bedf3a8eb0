"""What a user may see, in one place: `Scope(user)`, built once per request (`Scope.of(user)`).

`where(Model)` is the condition for a query of that model, `get_or_404(Model, id, *options)` loads one
record or answers 404 exactly like an id that does not exist. A model without a rule here is refused
(LookupError): a new model cannot be read through the scope until its rule is written, and
tests/test_scope_matrix.py walks every role, every model and an id inside and outside the scope.

The union's roles see by organization: a branch officer its branches, a county its counties'
branches and the members attached to the county directly, the central registry everything. Employer
contacts see no part of the register but their own employers' deduction lists, by employer or by
workplace (DOMAIN.md section 1), and the lines of those lists that belong to their workplaces.
"""
from collections.abc import Callable

import sqlalchemy as sa
from flask import abort, g, has_app_context

from .base import db
from .deduction import DeductionLine, DeductionList
from .distribution import DistributionBranch, DistributionLine
from .lifecycle import FollowUp, Transfer
from .membership import Membership
from .organization import Branch, County, Employer, Workplace
from .payment import Payment
from .person import Person
from .portal import AccessRequest, PortalEntry
from .user import AccountRequest, User, UserScope

UNION_ROLES = ("branch", "county", "central")


class Scope:
    def __init__(self, user):
        self.user = user
        self.role = user.role
        self.everything = user.role == "central"
        self.branch_ids = user.scope_ids("branch")
        self.county_ids = user.scope_ids("county")
        self.employer_ids = user.scope_ids("employer")
        self.workplace_ids = user.scope_ids("workplace")

    @classmethod
    def of(cls, user) -> "Scope":
        """The scope of `user`, made once per request (or app context) and kept on `g`."""
        if not has_app_context():
            return cls(user)
        cache = g.setdefault("_scopes", {})
        key = (getattr(user, "id", None), user.role)
        if key not in cache or cache[key].user is not user:
            cache[key] = cls(user)
        return cache[key]

    # --- the one door ---------------------------------------------------------------------------

    def where(self, model) -> sa.ColumnElement[bool]:
        """The condition that is true exactly for the rows of `model` this user may see."""
        try:
            rule = RULES[model]
        except KeyError:
            raise LookupError(f"No scope rule for {model.__name__}: add one to models/scope.py") from None
        return rule(self)

    def get_or_404(self, model, record_id, *options):
        """One record of `model` by id, with `options` (eager loads), or 404 when it is missing or outside
        the scope: the two answers cannot be told apart."""
        if record_id is None:
            abort(404)
        found = db.session.scalar(
            sa.select(model).where(model.id == record_id, self.where(model)).options(*options))
        return found if found is not None else abort(404)

    # --- what the rules are made of ---------------------------------------------------------------

    @property
    def union(self) -> bool:
        return self.role in UNION_ROLES

    def branches(self) -> sa.ColumnElement[bool]:
        """Condition on Branch."""
        if self.everything:
            return sa.true()
        if self.role == "branch":
            return Branch.id.in_(self.branch_ids)
        if self.role == "county":
            return Branch.county_id.in_(self.county_ids)
        return sa.false()

    def branch_ids_select(self) -> sa.Select:
        return sa.select(Branch.id).where(self.branches())

    def in_branches(self, column) -> sa.ColumnElement[bool]:
        """`column` (a branch id) is one of the user's branches."""
        if self.everything:
            return sa.true()
        if self.role == "branch":
            return column.in_(self.branch_ids)
        if self.role == "county":
            return column.in_(self.branch_ids_select())
        return sa.false()

    def counties(self) -> sa.ColumnElement[bool]:
        """Condition on County: a county's own, a branch officer's branches' counties."""
        if self.everything:
            return sa.true()
        if self.role == "county":
            return County.id.in_(self.county_ids)
        if self.role == "branch":
            return County.id.in_(sa.select(Branch.county_id).where(Branch.id.in_(self.branch_ids)))
        return sa.false()

    def in_counties(self, column) -> sa.ColumnElement[bool]:
        """`column` (a county id) is one of the counties the user answers for (county role; central all)."""
        if self.everything:
            return sa.true()
        if self.role == "county":
            return column.in_(self.county_ids)
        return sa.false()

    def memberships(self) -> sa.ColumnElement[bool]:
        if self.everything:
            return sa.true()
        if self.role == "branch":
            return Membership.branch_id.in_(self.branch_ids)
        if self.role == "county":
            return sa.or_(Membership.branch_id.in_(self.branch_ids_select()),
                          Membership.county_id.in_(self.county_ids))
        return sa.false()  # employer contacts see no part of the register through this door

    def persons(self) -> sa.ColumnElement[bool]:
        """Someone with at least one membership the user may see."""
        if self.everything:
            return sa.true()
        if not self.union:
            return sa.false()
        return sa.exists().where(Membership.person_id == Person.id, self.memberships())

    def employer_lists(self) -> sa.ColumnElement[bool]:
        """An employer contact's lists: those of their employers, of the employer and branch of each of
        their workplaces, and any list with a line of one of their workplaces (a member of another
        branch working there). False for everyone else."""
        if self.role != "employer":
            return sa.false()
        conditions = [DeductionList.employer_id.in_(self.employer_ids)] if self.employer_ids else []
        if self.workplace_ids:
            conditions.append(sa.exists().where(
                Workplace.id.in_(self.workplace_ids), Workplace.employer_id == DeductionList.employer_id,
                Workplace.branch_id == DeductionList.branch_id))
            conditions.append(DeductionList.id.in_(
                sa.select(DeductionLine.list_id).where(DeductionLine.workplace_id.in_(self.workplace_ids))))
        return sa.or_(*conditions) if conditions else sa.false()

    def whole_list(self, deduction_list: DeductionList) -> bool:
        """The user answers for every line of the list (any union role in scope, a contact of its
        employer); False for a contact who answers only for some of the employer's workplaces."""
        return self.role != "employer" or deduction_list.employer_id in self.employer_ids

    def in_workplaces(self, list_id_column, workplace_column) -> sa.ColumnElement[bool]:
        """An employer contact's rows of a list (lines, the payroll office's entries): every row of the
        lists of their employers, else the rows of their workplaces (DOMAIN.md section 1)."""
        conditions = [list_id_column.in_(sa.select(DeductionList.id).where(
            DeductionList.employer_id.in_(self.employer_ids)))] if self.employer_ids else []
        if self.workplace_ids:
            conditions.append(workplace_column.in_(self.workplace_ids))
        return sa.and_(list_id_column.in_(sa.select(DeductionList.id).where(self.employer_lists())),
                       sa.or_(*conditions) if conditions else sa.false())

    def lists(self) -> sa.ColumnElement[bool]:
        """Condition on DeductionList, whatever the role."""
        if self.role == "employer":
            return self.employer_lists()
        return self.in_branches(DeductionList.branch_id)

    def union_lists(self) -> sa.ColumnElement[bool]:
        """The lists as the union's pages see them: never an employer contact's (they use the portal)."""
        return sa.false() if self.role == "employer" else self.lists()

    def lines(self) -> sa.ColumnElement[bool]:
        """Condition on DeductionLine: the lines of the lists in scope; for a contact answering for some
        workplaces only the lines of those workplaces (those the payroll office added for them too)."""
        if self.role == "employer":
            return self.in_workplaces(DeductionLine.list_id, DeductionLine.workplace_id)
        return DeductionLine.list_id.in_(sa.select(DeductionList.id).where(self.lists()))

    def portal_entries(self) -> sa.ColumnElement[bool]:
        """Condition on PortalEntry (the payroll office's draft), like the lines."""
        if self.role == "employer":
            return self.in_workplaces(PortalEntry.list_id, PortalEntry.workplace_id)
        return PortalEntry.list_id.in_(sa.select(DeductionList.id).where(self.lists()))

    def payments(self) -> sa.ColumnElement[bool]:
        """Payments of the lists in scope, and for a county the unidentified ones (no list, so no branch
        yet), which counties help to identify."""
        if self.everything:
            return sa.true()
        of_lists = Payment.list_id.in_(sa.select(DeductionList.id).where(self.lists()))
        return sa.or_(of_lists, Payment.list_id.is_(None)) if self.role == "county" else of_lists

    def workplaces(self) -> sa.ColumnElement[bool]:
        if self.everything:
            return sa.true()
        if self.role == "employer":
            return sa.or_(Workplace.id.in_(self.workplace_ids), Workplace.employer_id.in_(self.employer_ids))
        return self.in_branches(Workplace.branch_id)

    def employers(self) -> sa.ColumnElement[bool]:
        """Employers are the organization's data, open to the union's roles; a contact sees its own."""
        if self.union:
            return sa.true()
        return sa.or_(Employer.id.in_(self.employer_ids), Employer.id.in_(
            sa.select(Workplace.employer_id).where(Workplace.id.in_(self.workplace_ids))))

    def accounts(self) -> sa.ColumnElement[bool]:
        """Condition on User: the accounts the user manages. The central registry every account; a county
        the branch officers whose branches all lie in its counties; nobody else any."""
        if self.everything:
            return sa.true()
        if self.role != "county":
            return sa.false()
        return sa.and_(
            User.role == "branch",
            sa.exists().where(UserScope.user_id == User.id),
            ~sa.exists().where(UserScope.user_id == User.id, sa.or_(
                UserScope.kind != "branch", UserScope.ref_id.not_in(self.branch_ids_select()))),
        )

    def transfers(self) -> sa.ColumnElement[bool]:
        """A transfer is seen by both branches."""
        return sa.or_(self.in_branches(Transfer.from_branch_id), self.in_branches(Transfer.to_branch_id))


RULES: dict[type, Callable[[Scope], sa.ColumnElement[bool]]] = {
    Branch: Scope.branches,
    County: Scope.counties,
    Membership: Scope.memberships,
    Person: Scope.persons,
    DeductionList: Scope.lists,
    DeductionLine: Scope.lines,
    Payment: Scope.payments,
    DistributionBranch: lambda s: s.in_branches(DistributionBranch.branch_id),
    DistributionLine: lambda s: s.in_branches(DistributionLine.branch_id),
    Workplace: Scope.workplaces,
    Employer: Scope.employers,
    Transfer: Scope.transfers,
    FollowUp: lambda s: s.in_counties(FollowUp.county_id),
    AccessRequest: lambda s: s.in_counties(AccessRequest.county_id),
    PortalEntry: Scope.portal_entries,
    User: Scope.accounts,
    AccountRequest: lambda s: s.in_branches(AccountRequest.branch_id),
}
