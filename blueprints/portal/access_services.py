"""Access to the employer portal: a payroll officer's request, the county's queue and decision, and
handing the responsibility over to a successor.

Each action changes the objects, flushes and audits; the request commits (and rolls back when the
answer is an error). Reads for the queue are scoped here too: a county sees the requests of its
counties, central all of them; one loader (`get_request`) answers 404 for anything else.
"""
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from models import (
    AccessRequest,
    AuditLog,
    Branch,
    Employer,
    User,
    UserScope,
    Workplace,
    changes,
    db,
    record,
    utcnow,
)
from models.codes import N_
from models.portal import APPROVED, INVITED, PENDING, REFUSED
from models.scope import Scope
from rules.idnumbers import InvalidNumber, parse_orgnr
from web.passwords import hash_password
from web.sessions import end_sessions

MAX_PENDING_PER_EMAIL = 3  # requests from one address waiting at once
MAX_PER_ADDRESS_PER_HOUR = 10  # public requests from one network address
INVITATION_DAYS = 14  # a handover invitation is accepted this long
DECIDED_SHOWN_DAYS = 30  # decided requests shown below the queue
UNKNOWN_EMPLOYER = N_("Fant ingen arbeidsgiver med dette organisasjonsnummeret. Kontakt fylkeskretsen.")
ENTITY = "access_request"
Refused = changes.Refused  # the message, and the form field it belongs to (None: the whole form)


# --- employers and workplaces ---------------------------------------------------------------------

def find_employer(orgnr_text: str) -> Employer:
    """The employer with this organization number, or Refused on the field `orgnr`."""
    try:
        orgnr = parse_orgnr(orgnr_text)
    except InvalidNumber as error:
        raise Refused("orgnr", str(error)) from error
    employer = db.session.scalar(sa.select(Employer).where(Employer.orgnr == orgnr))
    if employer is None:
        raise Refused("orgnr", _(UNKNOWN_EMPLOYER))
    return employer


def workplaces_of(employer: Employer) -> list[Workplace]:
    return db.session.scalars(
        sa.select(Workplace).where(Workplace.employer_id == employer.id).order_by(Workplace.number)
    ).all()


def _chosen_workplaces(employer: Employer, numbers) -> list[Workplace]:
    """The employer's workplaces with these numbers, in the order chosen; Refused for any other number."""
    wanted = list(dict.fromkeys(numbers or ()))
    by_number = {w.number: w for w in workplaces_of(employer)}
    if any(n not in by_number for n in wanted):
        raise Refused("workplaces", _("Velg bare arbeidssteder hos denne arbeidsgiveren."))
    return [by_number[n] for n in wanted]


def county_for(employer_id: int, workplace_ids: list[int]) -> int | None:
    """Whose queue: the county of the branch of the first chosen workplace that has a branch, else of any
    workplace of the employer; None (central's alone) when no workplace has a branch."""
    rows = db.session.execute(
        sa.select(Workplace.id, Branch.county_id).join(Branch, Branch.id == Workplace.branch_id)
        .where(Workplace.employer_id == employer_id).order_by(Workplace.number)
    ).all()
    counties = dict(rows)
    for workplace_id in workplace_ids:
        if workplace_id in counties:
            return counties[workplace_id]
    return rows[0].county_id if rows else None


# --- the public request ---------------------------------------------------------------------------

def request_access(*, full_name: str, email: str, phone: str | None, orgnr: str, workplace_numbers,
                   password: str, remote_addr: str | None) -> AccessRequest:
    """A pending request in the county's queue, with the chosen password hashed at once.

    A pending request for the same e-mail and employer is not made again: the first one is returned
    unchanged (its password is not replaced by whoever sends the second). Whether the e-mail already
    has an account is not told here: the county sees it when it decides."""
    employer = find_employer(orgnr)
    workplaces = _chosen_workplaces(employer, workplace_numbers)
    existing = db.session.scalar(sa.select(AccessRequest).where(
        AccessRequest.state == PENDING, sa.func.lower(AccessRequest.email) == email.lower(),
        AccessRequest.employer_id == employer.id))
    if existing is not None:
        return existing
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(AccessRequest).where(
        AccessRequest.state == PENDING, sa.func.lower(AccessRequest.email) == email.lower()))
    if pending >= MAX_PENDING_PER_EMAIL:
        raise Refused("email", _("Det ligger allerede flere forespørsler fra denne e-postadressen til behandling. "
                                 "Vent til fylkeskretsen har behandlet dem."))
    if remote_addr and _recent_from(remote_addr) >= MAX_PER_ADDRESS_PER_HOUR:
        raise Refused(None, _("For mange forespørsler på kort tid. Prøv igjen om en time."))
    workplace_ids = [w.id for w in workplaces]
    access_request = AccessRequest(
        full_name=full_name, email=email, phone=phone or None, employer_id=employer.id,
        workplace_ids=json.dumps(workplace_ids) if workplace_ids else None,
        password_hash=hash_password(password), county_id=county_for(employer.id, workplace_ids), state=PENDING,
    )
    db.session.add(access_request)
    db.session.flush()
    record("create", ENTITY, access_request.id,
           f"Forespørsel om tilgang til arbeidsgiverportalen fra {full_name} ({email}) for {employer.name}",
           changes={"state": [None, PENDING]})
    return access_request


def _recent_from(remote_addr: str) -> int:
    """Public requests from this address in the last hour (the audit log holds the address)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.entity == ENTITY, AuditLog.action == "create", AuditLog.user_id.is_(None),
        AuditLog.remote_addr == remote_addr, AuditLog.at >= utcnow() - timedelta(hours=1)))


# --- the queue ------------------------------------------------------------------------------------

@dataclass
class QueueRow:
    request: AccessRequest
    workplaces: list[Workplace]
    age_days: int
    username_taken: bool
    takes_over_from: User | None
    decided_by: User | None


def queue(user) -> tuple[list[QueueRow], list[QueueRow]]:
    """(pending requests oldest first, requests decided in the last 30 days newest first)."""
    base = sa.select(AccessRequest).where(Scope.of(user).where(AccessRequest)).options(selectinload(AccessRequest.employer))
    pending = db.session.scalars(base.where(AccessRequest.state == PENDING)
                                 .order_by(AccessRequest.created_at, AccessRequest.id)).all()
    decided = db.session.scalars(base.where(
        AccessRequest.state.in_((APPROVED, REFUSED)),
        AccessRequest.decided_at >= utcnow() - timedelta(days=DECIDED_SHOWN_DAYS),
    ).order_by(AccessRequest.decided_at.desc(), AccessRequest.id.desc())).all()
    return _rows(pending), _rows(decided)


def _rows(requests: list[AccessRequest]) -> list[QueueRow]:
    workplace_ids = {i for r in requests for i in r.workplace_id_list}
    workplaces = {w.id: w for w in db.session.scalars(
        sa.select(Workplace).where(Workplace.id.in_(workplace_ids)))} if workplace_ids else {}
    user_ids = {r.takes_over_from for r in requests} | {r.decided_by for r in requests}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids - {None})))}
    emails = {r.email.lower() for r in requests}
    taken = set(db.session.scalars(sa.select(sa.func.lower(User.username)).where(
        sa.func.lower(User.username).in_(emails)))) if emails else set()
    now = utcnow()
    return [QueueRow(
        request=r, workplaces=[workplaces[i] for i in r.workplace_id_list if i in workplaces],
        age_days=(now - r.created_at).days, username_taken=r.email.lower() in taken,
        takes_over_from=users.get(r.takes_over_from), decided_by=users.get(r.decided_by),
    ) for r in requests]


def row_for(access_request: AccessRequest) -> QueueRow:
    return _rows([access_request])[0]


# --- deciding -------------------------------------------------------------------------------------

def _claim(actor, access_request: AccessRequest, state: str) -> None:
    """Move a pending request to its decision; a request someone else decided meanwhile is refused."""
    claimed = db.session.execute(
        sa.update(AccessRequest)
        .where(AccessRequest.id == access_request.id, AccessRequest.state == PENDING)
        .values(state=state, decided_at=utcnow(), decided_by=actor.id)
    ).rowcount
    if not claimed:
        raise Refused(None, _("Forespørselen er allerede behandlet."))
    db.session.refresh(access_request)


def _scopes_of(access_request: AccessRequest) -> list[tuple[str, int]]:
    """The scopes the request names: the employer, or each chosen workplace still at the employer."""
    if not access_request.workplace_id_list:
        return [("employer", access_request.employer_id)]
    still_there = set(db.session.scalars(sa.select(Workplace.id).where(
        Workplace.id.in_(access_request.workplace_id_list), Workplace.employer_id == access_request.employer_id)))
    scopes = [("workplace", i) for i in access_request.workplace_id_list if i in still_there]
    if not scopes:
        raise Refused(None, _("Arbeidsstedene i forespørselen finnes ikke lenger hos arbeidsgiveren. Avvis den, "
                              "og be om en ny forespørsel."))
    return scopes


def _scope_text(scopes) -> list[str]:
    return [f"{kind}:{ref_id}" for kind, ref_id in scopes]


def _check_pending(access_request: AccessRequest) -> None:
    if access_request.state == INVITED:
        raise Refused(None, _("Invitasjonen er ikke akseptert ennå; den kan behandles når den som overtar har "
                              "akseptert den."))
    if access_request.state != PENDING:
        raise Refused(None, _("Forespørselen er allerede behandlet."))


def approve(actor, access_request: AccessRequest, declaration_date: date | None, *, today: date) -> User:
    """The personal account, scoped as the request says; for a handover the old contact loses those scopes
    (and, with none left, is blocked and signed out everywhere)."""
    _check_pending(access_request)
    if declaration_date is None:
        raise Refused("declaration_date", _("Skriv datoen da taushetserklæringen ble signert."))
    if declaration_date > today:
        raise Refused("declaration_date", _("Datoen kan ikke være fram i tid."))
    username = access_request.email.strip().lower()
    if db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username)):
        raise Refused(None, _("Brukernavnet «%(username)s» finnes allerede. Ingen konto ble opprettet. "
                              "Avvis forespørselen med en forklaring, eller kontakt Medlemsregisteret.",
                              username=username))
    if not access_request.password_hash:
        raise Refused(None, _("Forespørselen har ikke noe passord. Avvis den, og be om en ny forespørsel."))
    scopes = _scopes_of(access_request)
    _claim(actor, access_request, APPROVED)
    user = User(username=username, role="employer", full_name=access_request.full_name, email=username,
                password_hash=access_request.password_hash, declaration_date=declaration_date,
                scopes=[UserScope(kind=kind, ref_id=ref_id) for kind, ref_id in scopes])
    db.session.add(user)
    db.session.flush()
    access_request.user_id = user.id
    access_request.password_hash = None  # the account holds it now; no second copy
    record("create", "user", user.id,
           f"Bruker {username} opprettet med rolle employer fra forespørsel om tilgang til arbeidsgiverportalen",
           user=actor, changes={"rolle": [None, "employer"], "tilganger": [None, _scope_text(scopes)],
                                "taushetserklæring": [None, declaration_date.isoformat()]})
    record("update", ENTITY, access_request.id,
           f"Forespørsel fra {access_request.full_name} godkjent: konto {username}", user=actor,
           changes={"state": [PENDING, APPROVED]})
    if access_request.takes_over_from:
        _take_scopes_from(actor, db.session.get(User, access_request.takes_over_from), access_request, user)
    db.session.flush()
    return user


def _take_scopes_from(actor, old: User, access_request: AccessRequest, new: User) -> None:
    """The old contact loses what the handover named: the employer (and its workplaces) or the workplaces."""
    if access_request.workplace_id_list:
        lost = {("workplace", i) for i in access_request.workplace_id_list}
    else:
        lost = {("employer", access_request.employer_id)} | {
            ("workplace", i) for i in db.session.scalars(sa.select(Workplace.id).where(
                Workplace.employer_id == access_request.employer_id))}
    before = sorted(_scope_text((s.kind, s.ref_id) for s in old.scopes))
    for scope in [s for s in old.scopes if (s.kind, s.ref_id) in lost]:
        old.scopes.remove(scope)  # delete-orphan: the row goes
    after = sorted(_scope_text((s.kind, s.ref_id) for s in old.scopes))
    changes = {"tilganger": [before, after]}
    if not old.scopes and not old.blocked:
        old.blocked = True
        changes["sperret"] = [False, True]
    end_sessions(old)  # its scopes changed: every session of the old contact ends at once
    db.session.flush()
    record("update", "user", old.id,
           f"{old.username} overleverte tilgangen til {access_request.employer.name} til {new.username}"
           + (" og er sperret (ingen tilganger igjen)" if "sperret" in changes else ""),
           user=actor, changes=changes)


def refuse(actor, access_request: AccessRequest, note: str | None) -> None:
    _check_pending(access_request)
    if not (note or "").strip():
        raise Refused("note", _("Skriv hvorfor forespørselen avvises."))
    _claim(actor, access_request, REFUSED)
    access_request.decision_note = note.strip()
    access_request.password_hash = None
    db.session.flush()
    record("update", ENTITY, access_request.id, f"Forespørsel fra {access_request.full_name} avvist", user=actor,
           changes={"state": [PENDING, REFUSED], "refusal_reason": [None, access_request.decision_note]})


# --- handing over ---------------------------------------------------------------------------------

@dataclass
class Responsibility:
    """What a contact answers for at one employer: the whole employer, or some workplaces."""

    employer: Employer
    workplaces: list[Workplace]  # empty: the whole employer


def responsibilities(user: User) -> list[Responsibility]:
    scope = Scope.of(user)
    workplaces = db.session.scalars(sa.select(Workplace).where(
        Workplace.id.in_(scope.workplace_ids)).order_by(Workplace.number)).all()
    employers = db.session.scalars(sa.select(Employer).where(scope.where(Employer)).order_by(Employer.name)).all()
    whole = set(scope.employer_ids)
    return [Responsibility(e, [] if e.id in whole else [w for w in workplaces if w.employer_id == e.id])
            for e in employers]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_handover(user: User, employer_id: int | None, full_name: str, email: str) -> tuple[AccessRequest, str]:
    """An invitation for the successor, with the token to pass on (only its hash is kept). An earlier open
    invitation from this contact for this employer is withdrawn."""
    held = {r.employer.id: r for r in responsibilities(user)}
    if not held:
        raise Refused(None, _("Du har ingen tilganger å overlevere."))
    if employer_id is None and len(held) == 1:
        employer_id = next(iter(held))
    if employer_id not in held:
        raise Refused("employer", _("Velg en av arbeidsgiverne du har ansvar for."))
    if email.lower() in {(user.username or "").lower(), (user.email or "").lower()}:
        raise Refused("email", _("Det er din egen e-postadresse. Skriv e-postadressen til den som overtar."))
    responsibility = held[employer_id]
    now = utcnow()
    for earlier in db.session.scalars(sa.select(AccessRequest).where(
            AccessRequest.state == INVITED, AccessRequest.takes_over_from == user.id,
            AccessRequest.employer_id == employer_id)):
        earlier.state, earlier.token_hash = REFUSED, None
        earlier.decided_at, earlier.decided_by = now, user.id
        earlier.decision_note = "Erstattet av en ny invitasjon."
        record("update", ENTITY, earlier.id, f"Invitasjon til {earlier.full_name} trukket tilbake (ny invitasjon)",
               user=user, changes={"state": [INVITED, REFUSED]})
    workplace_ids = [w.id for w in responsibility.workplaces]
    token = secrets.token_urlsafe(32)
    invitation = AccessRequest(
        full_name=full_name, email=email, employer_id=employer_id,
        workplace_ids=json.dumps(workplace_ids) if workplace_ids else None,
        county_id=county_for(employer_id, workplace_ids), takes_over_from=user.id, token_hash=token_hash(token),
        state=INVITED,
    )
    db.session.add(invitation)
    db.session.flush()
    record("create", ENTITY, invitation.id,
           f"{user.username} inviterte {full_name} ({email}) til å overta tilgangen til {responsibility.employer.name}",
           user=user, changes={"state": [None, INVITED]})
    return invitation, token


def open_handovers(user: User) -> list[AccessRequest]:
    """This contact's invitations and handovers not yet decided (newest first)."""
    return db.session.scalars(sa.select(AccessRequest).where(
        AccessRequest.takes_over_from == user.id, AccessRequest.state.in_((INVITED, PENDING)),
    ).options(selectinload(AccessRequest.employer)).order_by(AccessRequest.created_at.desc())).all()


def invitation_expired(invitation: AccessRequest) -> bool:
    return invitation.created_at < utcnow() - timedelta(days=INVITATION_DAYS)


def find_invitation(token: str) -> AccessRequest:
    """The open invitation behind a token, or 404 (unknown, used, withdrawn, expired, or from a blocked account)."""
    if not token or len(token) > 100:
        abort(404)
    invitation = db.session.scalar(sa.select(AccessRequest).where(
        AccessRequest.token_hash == token_hash(token), AccessRequest.state == INVITED))
    if invitation is None or invitation_expired(invitation):
        abort(404)
    inviter = db.session.get(User, invitation.takes_over_from) if invitation.takes_over_from else None
    if inviter is None or not inviter.can_log_in:
        abort(404)
    return invitation


def accept_handover(invitation: AccessRequest, password: str) -> None:
    """The successor's password; the request goes to the county's queue and the link stops working."""
    invitation.password_hash = hash_password(password)
    invitation.state = PENDING
    invitation.token_hash = None
    db.session.flush()
    record("update", ENTITY, invitation.id, f"{invitation.full_name} aksepterte invitasjonen til å overta tilgang",
           changes={"state": [INVITED, PENDING]})
