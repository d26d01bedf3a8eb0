"""One scoping function for every query of the register: what a user may see is data (UserScope)."""
import sqlalchemy as sa

from .deduction import DeductionList
from .membership import Membership
from .organization import Branch, Workplace


def membership_scope(user) -> sa.ColumnElement[bool]:
    """A condition on Membership that is true exactly for the memberships `user` may see."""
    if user.role == "central":
        return sa.true()
    if user.role == "branch":
        return Membership.branch_id.in_(user.scope_ids("branch"))
    if user.role == "county":
        counties = user.scope_ids("county")
        in_county_branches = sa.select(Branch.id).where(Branch.county_id.in_(counties))
        return sa.or_(Membership.branch_id.in_(in_county_branches), Membership.county_id.in_(counties))
    return sa.false()  # employer contacts see no part of the register through this door


def branch_scope(user) -> sa.ColumnElement[bool]:
    """A condition on Branch: the branches `user` may see."""
    if user.role == "central":
        return sa.true()
    if user.role == "branch":
        return Branch.id.in_(user.scope_ids("branch"))
    if user.role == "county":
        return Branch.county_id.in_(user.scope_ids("county"))
    return sa.false()


def person_scope(user) -> sa.ColumnElement[bool]:
    """A condition on Person: someone with at least one membership the user may see."""
    from .person import Person

    if user.role == "central":
        return sa.true()
    return sa.exists().where(Membership.person_id == Person.id, membership_scope(user))


def employer_list_scope(user) -> sa.ColumnElement[bool]:
    """A condition on DeductionList: an employer contact's lists: those of their employers, and of the
    employer and branch of each of their workplaces. False for everyone else."""
    if user.role != "employer":
        return sa.false()
    employers, workplaces = user.scope_ids("employer"), user.scope_ids("workplace")
    conditions = [DeductionList.employer_id.in_(employers)] if employers else []
    if workplaces:
        conditions.append(sa.exists().where(
            Workplace.id.in_(workplaces), Workplace.employer_id == DeductionList.employer_id,
            Workplace.branch_id == DeductionList.branch_id))
    return sa.or_(*conditions) if conditions else sa.false()


def deduction_list_scope(user) -> sa.ColumnElement[bool]:
    """A condition on DeductionList: what the user may see of the lists, whatever the role (the union's
    roles by branch, employer contacts by employer and workplace)."""
    if user.role == "employer":
        return employer_list_scope(user)
    return DeductionList.branch_id.in_(sa.select(Branch.id).where(branch_scope(user)))
