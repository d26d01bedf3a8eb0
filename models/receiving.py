"""Receiving an employer's real deduction list (from a file or the employer portal): compare it with
the expected lines (rules.reconcile) and store the outcome on the list's lines. Flushes and audits;
the caller commits."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from rules.reconcile import UNEXPECTED, Expected, Outcome, Reported, reconcile

from .audit import record
from .base import db, utcnow
from .changes import Refused
from .deduction import LINE_STATUSES, RECEIVED, DeductionLine, DeductionList
from .membership import Membership
from .person import Person

LINE_CHUNK = 5000  # rows per INSERT statement


def period_text(period: date) -> str:
    return f"{period:%m.%Y}"


def reported_values(line: Reported) -> dict:
    """The columns of a DeductionLine that hold what the employer reported."""
    return {"reported_row": line.row, "reported_position_bp": line.position_bp,
            "reported_pay_basis_ore": line.pay_basis_ore, "reported_dues_ore": line.dues_ore,
            "reported_insurance_ore": line.insurance_ore}


NOTHING_REPORTED = {"reported_row": None, "reported_position_bp": None, "reported_pay_basis_ore": None,
                    "reported_dues_ore": None, "reported_insurance_ore": None}


def receive(deduction_list: DeductionList, reported: list[Reported], *, source: str, digest: str | None = None,
            user=None, workplaces: dict[int, int | None] | None = None) -> dict[str, int]:
    """The employer's real list arrives: compare it with the expected lines and store the outcome.
    Returns the count of each status. A list is received once: a new file does not replace it.
    `workplaces`: reported row → workplace of a person the payroll office added in the portal (their
    line belongs to that workplace, so a contact answering for it sees it; models.scope). Such a row is
    compared only with the expected lines of its own workplace: paired with another workplace's line it
    would vanish from the adding contact's view, telling it that the person is a member (DOMAIN.md
    section 1); it stays an unexpected line of its workplace, beside the other line."""
    if deduction_list.received:
        raise Refused(None, _("Listen for %(period)s er allerede mottatt.", period=period_text(deduction_list.period)))
    run = db.session.connection().execute  # Core rows and statements: no ORM work per line
    expected_rows = run(sa.select(
        DeductionLine.id, DeductionLine.membership_id, DeductionLine.national_id, DeductionLine.member_number,
        DeductionLine.name, DeductionLine.position_bp, DeductionLine.pay_basis_ore, DeductionLine.branch_rate_bp,
        DeductionLine.cap_ore, DeductionLine.expected_insurance_ore, DeductionLine.workplace_id,
    ).where(DeductionLine.list_id == deduction_list.id, DeductionLine.expected,
            DeductionLine.carried_from_id.is_(None)).order_by(DeductionLine.id)).all()
    expected = [Expected(row.membership_id, row.national_id, row.member_number, row.name, row.position_bp or 0,
                         row.pay_basis_ore, row.branch_rate_bp or 0, row.cap_ore or 0, row.expected_insurance_ore or 0)
                for row in expected_rows]
    line_ids = {row.membership_id: row.id for row in expected_rows}
    workplaces = workplaces or {}
    own = {(row.national_id, row.workplace_id) for row in expected_rows}
    apart = {line.row for line in reported
             if line.row in workplaces and (line.national_id, workplaces[line.row]) not in own}
    outcomes = reconcile(expected, [line for line in reported if line.row not in apart])
    if apart:  # the rows added elsewhere are unexpected, in the order of the list as reported
        outcomes = [outcome for outcome in outcomes if outcome.status != UNEXPECTED] + sorted(
            [outcome for outcome in outcomes if outcome.status == UNEXPECTED]
            + [Outcome(UNEXPECTED, None, line) for line in reported if line.row in apart],
            key=lambda outcome: outcome.reported.row)

    # a person not expected is linked to the register when the identity number is a member's
    unexpected = [outcome.reported for outcome in outcomes if outcome.status == UNEXPECTED]
    known = members_by_national_id([reported_line.national_id for reported_line in unexpected],
                                    deduction_list.branch_id)
    updates, inserts = [], []
    counts = dict.fromkeys(LINE_STATUSES, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
        values = {"status": outcome.status, "reasons": "\n".join(outcome.reasons) or None}
        values |= reported_values(outcome.reported) if outcome.reported is not None else NOTHING_REPORTED
        if outcome.expected is not None:  # matched, missing or amount: the expected line is updated
            updates.append(values | {"line_id": line_ids[outcome.expected.membership_id]})
            continue
        reported_line = outcome.reported  # unexpected: a new line for the person in the file
        member = known.get(reported_line.national_id)
        membership_id, person_id, member_number = member or (None, None, reported_line.member_number)
        inserts.append(values | {
            "list_id": deduction_list.id, "national_id": reported_line.national_id, "name": reported_line.name,
            "member_number": member_number, "expected": False, "membership_id": membership_id,
            "person_id": person_id, "origin_period": deduction_list.period,
            "workplace_id": workplaces.get(reported_line.row),
        })
    table = DeductionLine.__table__
    if updates:
        run(table.update().where(table.c.id == sa.bindparam("line_id")), updates)
    for start in range(0, len(inserts), LINE_CHUNK):
        run(table.insert(), inserts[start:start + LINE_CHUNK])
    for loaded in list(db.session.identity_map.values()):  # Core statements do not refresh loaded objects
        if isinstance(loaded, DeductionLine) and sa.inspect(loaded).dict.get("list_id") == deduction_list.id:
            db.session.expire(loaded)

    deduction_list.state = RECEIVED
    deduction_list.received_at = utcnow()
    deduction_list.source = source
    deduction_list.file_digest = digest
    deduction_list.reported_count = len(reported)
    deduction_list.reported_dues_ore = sum(line.dues_ore for line in reported)
    deduction_list.reported_insurance_ore = sum(line.insurance_ore for line in reported)
    db.session.flush()
    db.session.expire(deduction_list, ["lines"])
    record("import", "deduction_list", deduction_list.id,
           f"Trekkliste {period_text(deduction_list.period)} mottatt ({'fil' if source == 'file' else 'portal'}): "
           f"{len(reported)} linjer, {counts['missing']} mangler, {counts['unexpected']} ikke forventet, "
           f"{counts['amount']} beløpsavvik", user=user)
    return counts


def members_by_national_id(national_ids: list[str], branch_id: int) -> dict[str, tuple[int, int, int]]:
    """national id → (membership id, person id, member number) of the person's membership, preferring
    one in the list's branch; persons unknown to the register are simply absent."""
    if not national_ids:
        return {}
    rows = db.session.execute(
        sa.select(Person.national_id, Membership.id, Person.id, Membership.member_number, Membership.branch_id)
        .join(Membership, Membership.person_id == Person.id)
        .where(Person.national_id.in_(national_ids), Membership.end_date.is_(None))
        .order_by(Membership.id))
    found: dict[str, tuple[int, int, int]] = {}
    for national_id, membership_id, person_id, number, branch in rows:
        if national_id not in found or branch == branch_id:
            found[national_id] = (membership_id, person_id, number)
    return found
