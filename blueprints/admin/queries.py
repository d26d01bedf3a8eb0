"""Scoped reads of accounts and account requests.

Who manages whom: central every account; a county the branch officers whose branch scopes all lie in
the county's branches; nobody else any (models.scope.Scope's rules for User and AccountRequest: one record
is loaded with Scope.get_or_404, which answers 404 for anything outside, as for an id that does not exist)."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from models import AccountRequest, Branch, County, Employer, User, UserSession, Workplace, db
from models.scope import Scope
from web.pages import page_bounds


def manageable_branch_ids(actor) -> set[int] | None:
    """The branches whose officers `actor` may manage; None: every branch (central)."""
    if actor.role == "central":
        return None
    if actor.role == "county":
        return set(db.session.scalars(Scope.of(actor).branch_ids_select()))
    return set()


@dataclass
class Filters:
    role: str | None = None
    blocked: bool | None = None
    search: str | None = None


@dataclass
class AccountRow:
    user: User
    scopes: list[str]
    last_login: datetime | None


@dataclass
class Result:
    rows: list[AccountRow]
    count: int
    page: int
    pages: int


def accounts(actor, filters: Filters, page: int, page_size: int) -> Result:
    conditions = [Scope.of(actor).where(User)]
    if filters.role:
        conditions.append(User.role == filters.role)
    if filters.blocked is not None:
        conditions.append(User.blocked.is_(filters.blocked))
    if filters.search:
        text = filters.search.lower()
        conditions.append(sa.or_(sa.func.lower(User.username).contains(text, autoescape=True),
                                 sa.func.lower(User.full_name).contains(text, autoescape=True)))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(User).where(*conditions))
    page, pages = page_bounds(count, page, page_size)
    users = db.session.scalars(sa.select(User).where(*conditions).order_by(User.username)
                               .limit(page_size).offset((page - 1) * page_size)).all()
    return Result(rows=rows_for(users), count=count, page=page, pages=pages)


def all_accounts() -> list[AccountRow]:
    """Every account, by username, its scopes as `kind:number` (the command line)."""
    return rows_for(db.session.scalars(sa.select(User).order_by(User.username)).all(), plain=True)


def rows_for(users: list[User], *, plain: bool = False) -> list[AccountRow]:
    labels = scope_labels(users, plain=plain)
    logins = last_logins([u.id for u in users])
    return [AccountRow(user=u, scopes=labels[u.id], last_login=logins.get(u.id)) for u in users]


def last_logins(user_ids: list[int]) -> dict[int, datetime]:
    """When each account last signed in (its newest session)."""
    if not user_ids:
        return {}
    return dict(db.session.execute(sa.select(UserSession.user_id, sa.func.max(UserSession.created_at))
                                   .where(UserSession.user_id.in_(user_ids)).group_by(UserSession.user_id)).all())


def open_sessions(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def scope_labels(users: list[User], *, plain: bool = False) -> dict[int, list[str]]:
    """Each account's scopes as people name them: a branch or county by number and name, an employer by
    orgnr and name, a workplace by orgnr/number and name (`plain`: without the names, for the command line)."""
    wanted: dict[str, set[int]] = {"branch": set(), "county": set(), "employer": set(), "workplace": set()}
    for user in users:
        for scope in user.scopes:
            wanted[scope.kind].add(scope.ref_id)
    names: dict[tuple[str, int], tuple[str, str]] = {}
    if wanted["branch"]:
        for i, number, name in db.session.execute(
                sa.select(Branch.id, Branch.number, Branch.name).where(Branch.id.in_(wanted["branch"]))):
            names["branch", i] = (str(number), name)
    if wanted["county"]:
        for i, number, name in db.session.execute(
                sa.select(County.id, County.number, County.name).where(County.id.in_(wanted["county"]))):
            names["county", i] = (str(number), name)
    if wanted["employer"]:
        for i, orgnr, name in db.session.execute(
                sa.select(Employer.id, Employer.orgnr, Employer.name).where(Employer.id.in_(wanted["employer"]))):
            names["employer", i] = (orgnr, name)
    if wanted["workplace"]:
        for i, number, name, orgnr in db.session.execute(
                sa.select(Workplace.id, Workplace.number, Workplace.name, Employer.orgnr)
                .join(Employer, Employer.id == Workplace.employer_id).where(Workplace.id.in_(wanted["workplace"]))):
            names["workplace", i] = (f"{orgnr}/{number}", name)
    out = {}
    for user in users:
        labels = []
        for scope in sorted(user.scopes, key=lambda s: (s.kind, names.get((s.kind, s.ref_id), ("",))[0])):
            number, name = names.get((scope.kind, scope.ref_id), (str(scope.ref_id), "?"))
            labels.append(f"{scope.kind}:{number}" if plain else f"{number} {name}")
        out[user.id] = labels
    return out


@dataclass
class AccessChoices:
    """What the forms offer `actor` to give: branches and counties as (id, label)."""

    branches: list[tuple[int, str]]
    counties: list[tuple[int, str]]


def access_choices(actor) -> AccessChoices:
    allowed = manageable_branch_ids(actor)
    query = sa.select(Branch.id, Branch.number, Branch.name).order_by(Branch.number)
    if allowed is not None:
        query = query.where(Branch.id.in_(allowed))
    branches = [(i, f"{n} {name}") for i, n, name in db.session.execute(query)]
    counties = []
    if actor.role == "central":
        counties = [(i, f"{n} {name}") for i, n, name in db.session.execute(
            sa.select(County.id, County.number, County.name).order_by(County.number))]
    return AccessChoices(branches=branches, counties=counties)


def workplace_labels(user: User) -> list[str]:
    """An employer contact's workplaces (kept while the role stays employer), as people name them."""
    if not user.scope_ids("workplace"):
        return []
    return list(db.session.scalars(
        sa.select(Employer.orgnr + "/" + sa.cast(Workplace.number, sa.String) + " " + Workplace.name)
        .join(Employer, Employer.id == Workplace.employer_id).where(Workplace.id.in_(user.scope_ids("workplace")))
        .order_by(Employer.orgnr, Workplace.number)))


def employer_orgnrs(user: User) -> list[str]:
    ids = user.scope_ids("employer")
    return list(db.session.scalars(sa.select(Employer.orgnr).where(Employer.id.in_(ids)).order_by(Employer.orgnr)))


# --- account requests -----------------------------------------------------------------------------------

@dataclass
class RequestRow:
    request: AccountRequest
    branch: Branch
    requested_by: User
    decided_by: User | None
    account: User | None


DECIDED_SHOWN = 50  # decided requests shown under the pending ones


def requests(actor) -> tuple[list[RequestRow], list[RequestRow]]:
    """(pending requests oldest first, the latest decided ones newest first)."""
    base = sa.select(AccountRequest).where(Scope.of(actor).where(AccountRequest))
    pending = db.session.scalars(base.where(AccountRequest.state == "pending")
                                 .order_by(AccountRequest.created_at, AccountRequest.id)).all()
    decided = db.session.scalars(base.where(AccountRequest.state != "pending")
                                 .order_by(AccountRequest.decided_at.desc(), AccountRequest.id.desc())
                                 .limit(DECIDED_SHOWN)).all()
    return request_rows(pending), request_rows(decided)


def request_rows(account_requests: list[AccountRequest]) -> list[RequestRow]:
    branch_ids = {r.branch_id for r in account_requests}
    branches = {b.id: b for b in db.session.scalars(sa.select(Branch).where(Branch.id.in_(branch_ids)))}
    user_ids = {i for r in account_requests for i in (r.requested_by, r.decided_by, r.user_id) if i}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))}
    return [RequestRow(request=r, branch=branches[r.branch_id], requested_by=users[r.requested_by],
                       decided_by=users.get(r.decided_by), account=users.get(r.user_id)) for r in account_requests]


def own_branches(actor) -> list[tuple[int, str]]:
    """A branch officer's branches as (id, label), for the request form."""
    return [(i, f"{n} {name}") for i, n, name in db.session.execute(
        sa.select(Branch.id, Branch.number, Branch.name).where(Branch.id.in_(actor.scope_ids("branch")))
        .order_by(Branch.number))]
