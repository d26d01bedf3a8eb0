"""Creating accounts with their scopes."""
from datetime import date

import sqlalchemy as sa

from models import Branch, County, Employer, User, UserScope, db, record
from models.user import ROLES, SCOPE_KINDS
from rules.idnumbers import InvalidNumber, parse_orgnr
from web.passwords import MIN_PASSWORD_LENGTH, hash_password


class AccountError(ValueError):
    pass


def create_user(username: str, role: str, password: str, *, branches=(), counties=(), employers=(),
                declaration_date: date | None = None, full_name: str | None = None, actor=None) -> User:
    """A personal, active account. Every reason it cannot be made is collected and raised together."""
    problems = []
    username = (username or "").strip()
    if not username:
        problems.append("Brukernavn mangler.")
    elif db.session.scalar(sa.select(User.id).where(User.username == username)):
        problems.append(f"Brukernavnet «{username}» finnes allerede.")
    if role not in ROLES:
        problems.append(f"Ukjent rolle «{role}»: bruk branch, county, central eller employer.")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        problems.append(f"Passordet må ha minst {MIN_PASSWORD_LENGTH} tegn.")
    scopes: list[tuple[str, int]] = []
    for number in branches:
        branch_id = db.session.scalar(sa.select(Branch.id).where(Branch.number == int(number)))
        if branch_id is None:
            problems.append(f"Fagforening {number} finnes ikke.")
        scopes.append(("branch", branch_id))
    for number in counties:
        county_id = db.session.scalar(sa.select(County.id).where(County.number == int(number)))
        if county_id is None:
            problems.append(f"Fylkeskrets {number} finnes ikke.")
        scopes.append(("county", county_id))
    for orgnr in employers:
        try:
            employer_id = db.session.scalar(sa.select(Employer.id).where(Employer.orgnr == parse_orgnr(orgnr)))
        except InvalidNumber as error:
            problems.append(f"{orgnr}: {error}")
            continue
        if employer_id is None:
            problems.append(f"Arbeidsgiver {orgnr} finnes ikke.")
        scopes.append(("employer", employer_id))
    if role in SCOPE_KINDS:
        wrong = {kind for kind, _ in scopes} - SCOPE_KINDS[role]
        if wrong:
            problems.append(f"Rollen {role} kan ikke ha tilgang til: {', '.join(sorted(wrong))}.")
        if role != "central" and not scopes:
            problems.append(f"Rollen {role} må ha minst én tilgang (--branch, --county eller --employer).")
    if problems:
        raise AccountError("\n".join(problems))
    user = User(
        username=username, role=role, password_hash=hash_password(password), full_name=full_name,
        declaration_date=declaration_date or date.today(),
        scopes=[UserScope(kind=kind, ref_id=ref_id) for kind, ref_id in scopes],
    )
    db.session.add(user)
    db.session.flush()
    record("create", "user", user.id, f"Bruker {username} opprettet med rolle {role}", user=actor,
           changes={"rolle": [None, role], "tilganger": [None, [f"{k}:{i}" for k, i in scopes]]})
    return user
