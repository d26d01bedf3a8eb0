"""Receiving an employer's real deduction list (from a file or the employer portal): compare it with
the expected lines (rules.reconcile) and store the outcome on the list's lines. Flushes and audits;
the caller commits."""
from datetime import date

import sqlalchemy as sa

from rules.reconcile import UNEXPECTED, Expected, Reported, reconcile

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


def receive(deduction_list: DeductionList, reported: list[Reported], *, source: str, digest: str | None = None,
            user=None) -> dict[str, int]:
    """The employer's real list arrives: compare it with the expected lines and store the outcome.
    Returns the count of each status. A list is received once: a new file does not replace it."""
    if deduction_list.received:
        raise Refused(None, f"Listen for {period_text(deduction_list.period)} er allerede mottatt.")
    expected_lines = db.session.scalars(sa.select(DeductionLine).where(
        DeductionLine.list_id == deduction_list.id, DeductionLine.expected,
        DeductionLine.carried_from_id.is_(None)).order_by(DeductionLine.id)).all()
    expected = [Expected(line.membership_id, line.national_id, line.member_number, line.name,
                         line.position_bp or 0, line.pay_basis_ore, line.branch_rate_bp or 0, line.cap_ore or 0,
                         line.expected_insurance_ore or 0) for line in expected_lines]
    by_membership = {line.membership_id: line for line in expected_lines}
    outcomes = reconcile(expected, reported)

    # a person not expected is linked to the register when the identity number is a member's
    unexpected = [outcome.reported for outcome in outcomes if outcome.status == UNEXPECTED]
    known = members_by_national_id([reported_line.national_id for reported_line in unexpected],
                                    deduction_list.branch_id)
    updates, inserts = [], []
    counts = dict.fromkeys(LINE_STATUSES, 0)
    for outcome in outcomes:
        counts[outcome.status] += 1
        values = {"status": outcome.status, "reasons": "\n".join(outcome.reasons) or None}
        if outcome.reported is not None:
            values |= reported_values(outcome.reported)
        if outcome.expected is not None:  # matched, missing or amount: the expected line is updated
            updates.append(values | {"id": by_membership[outcome.expected.membership_id].id})
            continue
        reported_line = outcome.reported  # unexpected: a new line for the person in the file
        member = known.get(reported_line.national_id)
        membership_id, person_id, member_number = member or (None, None, reported_line.member_number)
        inserts.append(values | {
            "list_id": deduction_list.id, "national_id": reported_line.national_id, "name": reported_line.name,
            "member_number": member_number, "expected": False, "membership_id": membership_id,
            "person_id": person_id, "origin_period": deduction_list.period,
        })
    if updates:
        db.session.execute(sa.update(DeductionLine), updates)
        for line in expected_lines:  # the bulk UPDATE does not refresh the objects already loaded
            db.session.expire(line)
    for start in range(0, len(inserts), LINE_CHUNK):
        db.session.connection().execute(DeductionLine.__table__.insert(), inserts[start:start + LINE_CHUNK])

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
