"""Accounts: creating them with their scopes, blocking and unblocking, resetting the password or the second
factor, changing role and scopes, and a branch's request for a new officer's account.

Each action changes the objects, flushes, writes its audit row (never a password) and, where the account's
access changes, ends every session of the account (web.sessions.end_sessions); it does not commit. The web
pages and the `flask users` commands call the same functions. Who may manage which account is decided in
queries.py (a county: the branch officers of its branches; central: everyone); the functions here check
again what the actor asks for (a county gives only its own branches)."""
import base64
import binascii
import secrets
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from models import AccountRequest, Branch, County, Employer, User, UserScope, changes, db, record, utcnow
from models.user import ROLES, SCOPE_KINDS
from rules.idnumbers import InvalidNumber, parse_orgnr
from web import clock
from web.passwords import hash_password, password_problem
from web.sessions import end_sessions

from .queries import manageable_branch_ids

Refused = changes.Refused  # the message, and the form field it belongs to (None: the whole form)
REQUEST = "account_request"
TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread when it is handed over
TOTP_MIN, TOTP_MAX = 16, 64  # base32 characters: 80 to 320 bits (RFC 4226 asks for at least 128)


class AccountError(ValueError):
    """Every reason an account cannot be made, each with the form field it belongs to (None: the form)."""

    def __init__(self, problems: list[tuple[str | None, str]]):
        super().__init__("\n".join(message for _field, message in problems))
        self.problems = problems


def temporary_password() -> str:
    """A random password to hand over once: four groups of four, about 79 bits."""
    return "-".join("".join(secrets.choice(TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))


def normalize_totp_secret(text: str) -> str | None:
    """The base32 secret without spaces and padding, in capitals; None when it is not one of a sane length."""
    secret = "".join((text or "").split()).upper().rstrip("=")
    if not TOTP_MIN <= len(secret) <= TOTP_MAX or not secret.isalnum():
        return None
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return None
    return secret


def scope_texts(scopes) -> list[str]:
    """Scopes as the audit log keeps them: `kind:id`."""
    return sorted(f"{kind}:{ref_id}" for kind, ref_id in scopes)


def _scopes_of(user: User) -> list[tuple[str, int]]:
    return [(s.kind, s.ref_id) for s in user.scopes]


def _username_taken(username: str) -> bool:
    """Whether an account has this username in any letter case (login finds accounts so; lower() on both
    sides, as SQLite folds only A-Z)."""
    return db.session.scalar(sa.select(User.id).where(
        sa.func.lower(User.username) == sa.func.lower(username)).limit(1)) is not None


# --- creating ---------------------------------------------------------------------------------------

def _employer_ids(problems, orgnrs, field_name="employers") -> list[int]:
    ids = []
    for orgnr in orgnrs:
        try:
            employer_id = db.session.scalar(sa.select(Employer.id).where(Employer.orgnr == parse_orgnr(orgnr)))
        except InvalidNumber as error:
            problems.append((field_name, f"{orgnr}: {error}"))
            continue
        if employer_id is None:
            problems.append((field_name, _("Arbeidsgiver %(orgnr)s finnes ikke.", orgnr=orgnr)))
            continue
        ids.append(employer_id)
    return ids


def _check_access(problems, role: str, scopes: list[tuple[str, int]]) -> None:
    """The role is known and its scopes are of its kinds (and there is one, but for central)."""
    if role not in ROLES:
        problems.append(("role", _("Ukjent rolle «%(role)s»: bruk branch, county, central eller employer.", role=role)))
        return
    wrong = {kind for kind, _id in scopes} - SCOPE_KINDS[role]
    if wrong:
        problems.append(("role", _("Rollen %(role)s kan ikke ha tilgang til: %(kinds)s.", role=role,
                                   kinds=", ".join(sorted(wrong)))))
    if role != "central" and not scopes:
        problems.append(("scopes", _("Rollen %(role)s må ha minst én tilgang.", role=role)))


def _check_declaration(problems, declaration_date: date | None, today: date) -> None:
    if declaration_date is None:
        problems.append(("declaration_date", _("Skriv datoen da taushetserklæringen ble signert. Ingen konto "
                                               "uten signert taushetserklæring.")))
    elif declaration_date > today:
        problems.append(("declaration_date", _("Datoen kan ikke være fram i tid.")))


def _create(problems, username: str, role: str, password: str, scopes: list[tuple[str, int]], *,
            declaration_date: date | None, full_name: str | None, email: str | None, totp_secret: str | None,
            actor, how: str) -> User:
    username = (username or "").strip()
    if not username:
        problems.append(("username", _("Brukernavn mangler.")))
    elif len(username) > 100:
        problems.append(("username", _("Brukernavnet kan ha høyst 100 tegn.")))
    elif _username_taken(username):
        problems.append(("username", _("Brukernavnet «%(username)s» finnes allerede.", username=username)))
    if problem := password_problem(password):
        problems.append(("password", problem))
    _check_access(problems, role, scopes)
    _check_declaration(problems, declaration_date, clock.today())
    secret = None
    if totp_secret is not None:
        secret = normalize_totp_secret(totp_secret)
        if secret is None:
            problems.append(("totp_secret", _("Hemmeligheten for andre faktor skal være base32 (A–Z og 2–7), "
                                              "%(min)s til %(max)s tegn.", min=TOTP_MIN, max=TOTP_MAX)))
    if problems:
        raise AccountError(problems)
    user = User(
        username=username, role=role, password_hash=hash_password(password), full_name=full_name or None,
        email=email or None, declaration_date=declaration_date,
        scopes=[UserScope(kind=kind, ref_id=ref_id) for kind, ref_id in dict.fromkeys(scopes)],
    )
    if secret:
        user.totp_secret, user.totp_enrolled_at = secret, utcnow()
    db.session.add(user)
    db.session.flush()
    data = {"rolle": [None, role], "tilganger": [None, scope_texts(scopes)],
            "taushetserklæring": [None, declaration_date.isoformat()]}
    if secret:
        data["andre_faktor"] = [None, "overført"]
    record("create", "user", user.id, f"Bruker {username} opprettet med rolle {role}{how}", user=actor,
           changes=data)
    return user


def create_user(username: str, role: str, password: str, *, branches=(), counties=(), employers=(),
                declaration_date: date | None = None, full_name: str | None = None, email: str | None = None,
                totp_secret: str | None = None, actor=None) -> User:
    """A personal, active account (the command line: scopes by branch and county number and orgnr). Every
    reason it cannot be made is collected and raised together as AccountError."""
    problems: list[tuple[str | None, str]] = []
    scopes: list[tuple[str, int]] = []
    for number in branches:
        branch_id = db.session.scalar(sa.select(Branch.id).where(Branch.number == int(number)))
        if branch_id is None:
            problems.append(("branches", _("Fagforening %(number)s finnes ikke.", number=number)))
        scopes.append(("branch", branch_id))
    for number in counties:
        county_id = db.session.scalar(sa.select(County.id).where(County.number == int(number)))
        if county_id is None:
            problems.append(("counties", _("Fylkeskrets %(number)s finnes ikke.", number=number)))
        scopes.append(("county", county_id))
    scopes += [("employer", i) for i in _employer_ids(problems, employers)]
    return _create(problems, username, role, password, scopes, declaration_date=declaration_date or clock.today(),
                   full_name=full_name, email=email, totp_secret=totp_secret, actor=actor, how="")


def _wanted_scopes(actor, problems, role: str, branch_ids, county_ids, employer_orgnrs) -> list[tuple[str, int]]:
    """The scopes a form asks for, checked against what `actor` may give: a county only its own branches
    and only to branch officers; central anything that exists."""
    allowed_branches = manageable_branch_ids(actor)
    if actor.role != "central" and (role != "branch" or county_ids or employer_orgnrs):
        problems.append(("role", _("Du kan bare gi tilgang som fagforening i fagforeningene i fylkeskretsen din.")))
        return []
    known_branches = set(db.session.scalars(sa.select(Branch.id).where(Branch.id.in_(branch_ids or []))))
    if any(i not in known_branches or (allowed_branches is not None and i not in allowed_branches)
           for i in branch_ids):
        problems.append(("branches", _("Velg bare fagforeninger fra listen.")))
    known_counties = set(db.session.scalars(sa.select(County.id).where(County.id.in_(county_ids or []))))
    if any(i not in known_counties for i in county_ids):
        problems.append(("counties", _("Velg bare fylkeskretser fra listen.")))
    scopes = [("branch", i) for i in branch_ids if i in known_branches]
    scopes += [("county", i) for i in county_ids if i in known_counties]
    scopes += [("employer", i) for i in _employer_ids(problems, employer_orgnrs)]
    return scopes


def create_account(actor, *, username: str, role: str, full_name: str, email: str | None, branch_ids=(),
                   county_ids=(), employer_orgnrs=(), declaration_date: date | None,
                   password: str | None) -> tuple[User, str | None]:
    """An account made on the admin pages: (the account, the generated password to show once, or None when
    the admin chose one). A county makes branch officers in its branches only."""
    problems: list[tuple[str | None, str]] = []
    scopes = _wanted_scopes(actor, problems, role, list(branch_ids), list(county_ids), list(employer_orgnrs))
    generated = None if password else temporary_password()
    user = _create(problems, username, role, password or generated, scopes, declaration_date=declaration_date,
                   full_name=full_name, email=email, totp_secret=None, actor=actor, how=f" av {actor.username}")
    return user, generated


# --- upkeep -----------------------------------------------------------------------------------------

def _not_self(actor, user: User) -> None:
    if actor is not None and actor.id == user.id:
        raise Refused(None, _("Du kan ikke gjøre dette med din egen konto her. Bytt passord under Min konto, "
                              "og be en annen i Medlemsregisteret om resten."))


def block(actor, user: User, reason: str) -> int:
    """Block the account and end its sessions; returns how many sessions were ended."""
    _not_self(actor, user)
    reason = (reason or "").strip()
    if user.blocked:
        raise Refused(None, _("Kontoen %(username)s er allerede sperret.", username=user.username))
    if not reason:
        raise Refused("reason", _("Skriv hvorfor kontoen sperres."))
    if len(reason) > 400:
        raise Refused("reason", _("Høyst 400 tegn."))
    user.blocked = True
    ended = end_sessions(user)
    db.session.flush()
    record("update", "user", user.id, f"Bruker {user.username} sperret: {reason}", user=actor,
           changes={"sperret": [False, True], "begrunnelse": [None, reason]})
    return ended


def unblock(actor, user: User) -> None:
    _not_self(actor, user)
    if not user.blocked:
        raise Refused(None, _("Kontoen %(username)s er ikke sperret.", username=user.username))
    user.blocked = False
    db.session.flush()
    record("update", "user", user.id, f"Sperringen av bruker {user.username} opphevet", user=actor,
           changes={"sperret": [True, False]})


def reset_password(actor, user: User, password: str | None = None) -> str:
    """A new password (the one given, or a generated one) and every session ended; returns the password
    so that it can be shown once. The audit row says that it was reset, never what it is."""
    _not_self(actor, user)
    password = password or temporary_password()
    if problem := password_problem(password):
        raise Refused("password", problem)
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.session.flush()
    record("update", "user", user.id, f"Passordet til bruker {user.username} tilbakestilt", user=actor,
           changes={"passord": [None, "tilbakestilt"]})
    return password


def reset_second_factor(actor, user: User) -> None:
    """Forget the second factor and its recovery codes and end every session: the next login enrols anew."""
    _not_self(actor, user)
    if user.totp_secret is None:
        raise Refused(None, _("Kontoen %(username)s har ingen andre faktor å nullstille.", username=user.username))
    user.reset_second_factor()
    end_sessions(user)
    db.session.flush()
    record("update", "user", user.id, f"Andre faktor for bruker {user.username} nullstilt", user=actor,
           changes={"andre_faktor": ["registrert", "nullstilt"]})


def change_access(actor, user: User, *, role: str, branch_ids=(), county_ids=(), employer_orgnrs=()) -> None:
    """A new role and scopes (a county: another branch among its branches for a branch officer), and every
    session ended. An employer contact's workplaces stay while the role stays employer."""
    _not_self(actor, user)
    problems: list[tuple[str | None, str]] = []
    scopes = _wanted_scopes(actor, problems, role, list(branch_ids), list(county_ids), list(employer_orgnrs))
    if role == "employer" and user.role == "employer":
        scopes += [("workplace", i) for i in user.scope_ids("workplace")]
    _check_access(problems, role, scopes)
    if problems:
        raise AccountError(problems)
    before, after = scope_texts(_scopes_of(user)), scope_texts(dict.fromkeys(scopes))
    if role == user.role and before == after:
        raise Refused(None, _("Ingenting er endret."))
    data = {}
    if role != user.role:
        data["rolle"] = [user.role, role]
        user.role = role
    if before != after:
        data["tilganger"] = [before, after]
        keep = set(dict.fromkeys(scopes))
        for scope in [s for s in user.scopes if (s.kind, s.ref_id) not in keep]:
            user.scopes.remove(scope)  # delete-orphan: the row goes
        db.session.flush()
        held = set(_scopes_of(user))
        user.scopes.extend(UserScope(kind=kind, ref_id=ref_id) for kind, ref_id in keep if (kind, ref_id) not in held)
    end_sessions(user)
    db.session.flush()
    record("update", "user", user.id, f"Rolle og tilganger for bruker {user.username} endret", user=actor,
           changes=data)


# --- a branch's request for a new officer's account ------------------------------------------------

def request_account(actor, *, full_name: str, email: str, branch_id: int | None) -> AccountRequest:
    """A branch officer asks for an account for a new officer of one of their branches."""
    email = (email or "").strip().lower()
    if branch_id not in actor.scope_ids("branch"):
        raise Refused("branch", _("Velg en av dine fagforeninger."))
    if _username_taken(email) or db.session.scalar(
            sa.select(User.id).where(sa.func.lower(User.email) == sa.func.lower(email)).limit(1)):
        raise Refused("email", _("Det finnes allerede en konto med denne e-postadressen."))
    if db.session.scalar(sa.select(AccountRequest.id).where(
            sa.func.lower(AccountRequest.email) == sa.func.lower(email), AccountRequest.state == "pending").limit(1)):
        raise Refused("email", _("Det venter allerede en forespørsel om konto for denne e-postadressen."))
    account_request = AccountRequest(requested_by=actor.id, full_name=full_name.strip(), email=email,
                                     branch_id=branch_id, state="pending")
    db.session.add(account_request)
    db.session.flush()
    branch = db.session.get(Branch, branch_id)
    record("create", REQUEST, account_request.id,
           f"Forespørsel om konto for {account_request.full_name} ({email}) i {branch.number} {branch.name}",
           user=actor, changes={"state": [None, "pending"]})
    return account_request


def _claim(actor, account_request: AccountRequest, state: str) -> None:
    """Move a pending request to its decision; one someone else decided meanwhile is refused."""
    claimed = db.session.execute(
        sa.update(AccountRequest)
        .where(AccountRequest.id == account_request.id, AccountRequest.state == "pending")
        .values(state=state, decided_at=utcnow(), decided_by=actor.id)
    ).rowcount
    if not claimed:
        raise Refused(None, _("Forespørselen er allerede behandlet."))
    db.session.refresh(account_request)


def approve_request(actor, account_request: AccountRequest, declaration_date: date | None, *,
                    today: date) -> tuple[User, str]:
    """The branch officer's account (username: the e-mail), with a generated password to hand over; the
    declaration must be signed (and not dated in the future)."""
    if account_request.state != "pending":
        raise Refused(None, _("Forespørselen er allerede behandlet."))
    problems: list[tuple[str | None, str]] = []
    _check_declaration(problems, declaration_date, today)
    if problems:
        raise Refused(*problems[0])
    username = account_request.email.strip().lower()
    if _username_taken(username):
        raise Refused(None, _("Brukernavnet «%(username)s» finnes allerede. Ingen konto ble opprettet. Avvis "
                              "forespørselen med en forklaring.", username=username))
    _claim(actor, account_request, "approved")
    password = temporary_password()
    try:
        user = _create([], username, "branch", password, [("branch", account_request.branch_id)],
                       declaration_date=declaration_date, full_name=account_request.full_name, email=username,
                       totp_secret=None, actor=actor, how=f" fra forespørsel nr. {account_request.id}")
    except AccountError as error:  # the request's answer is an error: the claim above is rolled back
        raise Refused(None, str(error)) from error
    account_request.user_id = user.id
    account_request.declaration_date = declaration_date
    db.session.flush()
    record("update", REQUEST, account_request.id,
           f"Forespørsel om konto for {account_request.full_name} godkjent: konto {username}", user=actor,
           changes={"state": ["pending", "approved"], "taushetserklæring": [None, declaration_date.isoformat()]})
    return user, password


def refuse_request(actor, account_request: AccountRequest, note: str | None) -> None:
    if account_request.state != "pending":
        raise Refused(None, _("Forespørselen er allerede behandlet."))
    note = (note or "").strip()
    if not note:
        raise Refused("note", _("Skriv hvorfor forespørselen avvises."))
    if len(note) > 500:
        raise Refused("note", _("Høyst 500 tegn."))
    _claim(actor, account_request, "refused")
    account_request.note = note
    db.session.flush()
    record("update", REQUEST, account_request.id, f"Forespørsel om konto for {account_request.full_name} avvist",
           user=actor, changes={"state": ["pending", "refused"], "refusal_reason": [None, note]})
