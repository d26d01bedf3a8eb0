"""The actions of a transfer between branches: start, accept, refuse, remind. Change, flush, audit;
the request commits.

What a transfer does to the giving membership, and how it is undone:
- Start: the membership ends the day before the transfer date with withdrawal code 1; its open dues
  code period and its open insurances end that day too. Its open employments are KEPT open: the member
  still works there and the payroll office goes on deducting (a transfer is no stop or start of
  deduction), so the employment moves on acceptance and needs nothing on refusal.
- Accept: a new membership in the receiving branch from the transfer date (enrollment code 1, the same
  member number, type, section and apprentice flag), with the dues code and the insurances that ended
  at the transfer, and the open employments, which end on the giving side the day before.
- Refuse: the giving membership is open again, with the dues code period and the insurances that
  ended at the transfer.
"""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from models import Branch, DuesCodePeriod, Employment, InsurancePeriod, Membership, Transfer, db, record, utcnow
from models.audit import diff
from models.codes import COUNTY_ATTACHED_TYPES, INSURANCE_KINDS, N_
from models.lifecycle import MEMBERSHIP_CONFLICT, TRANSFER_STATES

TRANSFERRED = 1  # withdrawal code "to another branch" and enrollment code "from another branch"
TRANSFERABLE_TYPES = {"main", "secondary"}
TRANSFER_CONFLICT = N_("Noen andre har endret denne overføringen mens du arbeidet. "
                        "Last siden på nytt og prøv igjen.")


class TransferRefused(ValueError):
    """An action the rules do not allow; the message is for the user, `field` the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Conflict(Exception):
    """Someone else changed the membership or the transfer since the form was opened (409)."""


def first_of_next_month(today: date) -> date:
    return (today.replace(day=1) + timedelta(days=32)).replace(day=1)


def why_not_transferable(membership: Membership) -> str | None:
    """Why this membership cannot be transferred between branches, or None when it can."""
    if membership.membership_type in COUNTY_ATTACHED_TYPES or membership.branch_id is None:
        return _("Studenter og elever hører til fylkeskretsen og overføres ikke mellom fagforeninger.")
    if membership.membership_type not in TRANSFERABLE_TYPES:
        return _("Bare hovedmedlemskap og bimedlemskap kan overføres.")
    if not membership.active:
        return _("Medlemskapet ble avsluttet %(date)s og kan ikke overføres.", date=format(membership.end_date, "%d.%m.%Y"))
    return None


def start_transfer(user, membership: Membership, to_branch_id: int | None, transfer_date: date,
                   note: str | None, form_version: int) -> Transfer:
    """End the giving membership with code 1 the day before `transfer_date`; a pending Transfer."""
    if form_version != membership.version:
        raise Conflict(_(MEMBERSHIP_CONFLICT))
    if problem := why_not_transferable(membership):
        raise TransferRefused(problem)
    to_branch = db.session.get(Branch, to_branch_id) if to_branch_id else None
    if to_branch is None:
        raise TransferRefused(_("Velg fagforeningen medlemmet skal overføres til."), "to_branch")
    if to_branch.id == membership.branch_id:
        raise TransferRefused(_("Medlemmet er allerede i denne fagforeningen: en overføring må gå til en "
                                "annen fagforening."), "to_branch")
    end = transfer_date - timedelta(days=1)
    if end < membership.start_date:
        raise TransferRefused(_("Overføringsdatoen må være etter at medlemskapet begynte (%(date)s).",
                                date=format(membership.start_date, "%d.%m.%Y")), "transfer_date")
    later = [p.from_date for p in (*membership.dues_codes, *membership.employments, *membership.insurances)
             if p.from_date > end]
    if later:
        raise TransferRefused(_("Medlemskapet har kontingentkode, arbeidsforhold eller forsikring som gjelder "
                                "fra %(date)s: overføringsdatoen må være etter det.", date=format(max(later), "%d.%m.%Y")),
                              "transfer_date")

    changes = diff(membership, ["end_date", "withdrawal_code"], {"end_date": end, "withdrawal_code": TRANSFERRED})
    membership.end_date, membership.withdrawal_code = end, TRANSFERRED
    for period in _open_periods(membership):
        changes[_period_label(period)] = [None, end.isoformat()]
        period.to_date = end
    transfer = Transfer(
        person_id=membership.person_id, from_membership_id=membership.id, from_branch_id=membership.branch_id,
        to_branch_id=to_branch.id, transfer_date=transfer_date, state="pending", note=note or None,
        started_by=user.id,
    )
    db.session.add(transfer)
    _flush(MEMBERSHIP_CONFLICT)
    record("create", "transfer", transfer.id,
           f"Overføring startet: medlemsnr. {membership.member_number} fra {branch_label(membership.branch)} "
           f"til {branch_label(to_branch)} fra {transfer_date:%d.%m.%Y} (utmeldt med kode 1)",
           person_id=membership.person_id, changes=changes)
    return transfer


def accept_transfer(user, transfer: Transfer, form_version: int) -> Membership:
    """A new membership in the receiving branch from the transfer date, carrying what the member had."""
    _check_pending(transfer, form_version)
    old = transfer.from_membership
    same_type = db.session.scalar(sa.select(Membership).where(
        Membership.person_id == old.person_id, Membership.membership_type == old.membership_type,
        Membership.end_date.is_(None)))
    if same_type is not None:
        raise TransferRefused(_("Personen er allerede aktivt medlem av samme type (medlemsnr. %(number)s, %(unit)s).",
                                number=same_type.member_number, unit=same_type.unit_name))
    start, end = transfer.transfer_date, old.end_date
    new = Membership(
        person_id=old.person_id, member_number=old.member_number, membership_type=old.membership_type,
        apprentice=old.apprentice, pays_insurance_fee=old.pays_insurance_fee, branch_id=transfer.to_branch_id,
        section_id=old.section_id, start_date=start, enrollment_code=TRANSFERRED,
    )
    dues_code, insurances = ended_at_transfer(old)
    if dues_code is not None:
        new.dues_codes.append(DuesCodePeriod(code=dues_code.code, from_date=start))
    new.insurances.extend(InsurancePeriod(kind=i.kind, reserved=i.reserved, from_date=start) for i in insurances)
    moved = {}
    for employment in old.current_employments:
        moved[f"Arbeidsforhold {employment.workplace.name} (avgivende fagforening) til"] = [None, end.isoformat()]
        employment.to_date = end
        new.employments.append(Employment(
            workplace_id=employment.workplace_id, position_bp=employment.position_bp, from_date=start,
            payment_method=employment.payment_method, monthly_pay_ore=employment.monthly_pay_ore))
    db.session.add(new)
    transfer.state, transfer.decided_at, transfer.decided_by = "accepted", utcnow(), user.id
    transfer.to_membership = new
    _flush(TRANSFER_CONFLICT)
    record("create", "membership", new.id,
           f"Innmeldt med kode 1 (overført fra {branch_label(transfer.from_branch)}): medlemsnr. {new.member_number} "
           f"i {branch_label(transfer.to_branch)} fra {start:%d.%m.%Y}",
           person_id=new.person_id,
           changes={"start_date": [None, start.isoformat()], "enrollment_code": [None, TRANSFERRED],
                    "dues_code": [None, dues_code.code if dues_code else None]})
    record("update", "transfer", transfer.id, f"Overføring mottatt av {branch_label(transfer.to_branch)}",
           person_id=transfer.person_id, changes={"state": ["pending", "accepted"], **moved})
    return new


def refuse_transfer(user, transfer: Transfer, form_version: int, reason: str) -> None:
    """Back to the giving branch: its membership is open again, with what ended at the transfer."""
    _check_pending(transfer, form_version)
    if not (reason or "").strip():
        raise TransferRefused(_("Skriv grunnen til at overføringen avvises."), "reason")
    membership = transfer.from_membership
    dues_code, insurances = ended_at_transfer(membership)
    changes = diff(membership, ["end_date", "withdrawal_code"], {"end_date": None, "withdrawal_code": None})
    for period in filter(None, (dues_code, *insurances)):
        changes[_period_label(period)] = [period.to_date.isoformat(), None]
        period.to_date = None
    membership.end_date, membership.withdrawal_code = None, None
    transfer.state, transfer.decided_at, transfer.decided_by = "refused", utcnow(), user.id
    transfer.refusal_reason = reason.strip()
    _flush(TRANSFER_CONFLICT)
    changes["state"] = ["pending", "refused"]
    changes["refusal_reason"] = [None, transfer.refusal_reason]
    record("update", "transfer", transfer.id,
           f"Overføring avvist av {branch_label(transfer.to_branch)}: {transfer.refusal_reason}. Medlemsnr. "
           f"{membership.member_number} er igjen medlem i {branch_label(transfer.from_branch)}",
           person_id=transfer.person_id, changes=changes)


def remind(transfer: Transfer) -> None:
    """Note that the receiving branch was reminded.

    A plain UPDATE that leaves Transfer.version alone: a reminder is no decision, so it must not turn
    an accept or refuse form that the receiving branch has open into a conflict."""
    if transfer.state != "pending":
        raise Conflict(_("Overføringen er allerede behandlet (%(state)s).",
                         state=_(TRANSFER_STATES[transfer.state]).lower()))
    before, now = transfer.reminded_at, utcnow()
    db.session.execute(sa.update(Transfer).where(Transfer.id == transfer.id).values(reminded_at=now))
    record("update", "transfer", transfer.id, f"Påminnelse om overføring til {branch_label(transfer.to_branch)}",
           person_id=transfer.person_id,
           changes={"reminded_at": [before.isoformat() if before else None, now.isoformat()]})


def ended_at_transfer(membership: Membership) -> tuple[DuesCodePeriod | None, list[InsurancePeriod]]:
    """The dues code period and the insurances that ended with the membership: the latest of each
    (of each kind), when it ended on the membership's last day. Nothing once the membership is open."""
    end = membership.end_date
    if end is None:
        return None, []
    latest_code = membership.dues_codes[-1] if membership.dues_codes else None
    latest_by_kind: dict[str, InsurancePeriod] = {}
    for period in sorted(membership.insurances, key=lambda p: p.from_date):
        latest_by_kind[period.kind] = period
    return (latest_code if latest_code and latest_code.to_date == end else None,
            [p for p in latest_by_kind.values() if p.to_date == end])


def _open_periods(membership: Membership) -> list:
    return [p for p in (*membership.dues_codes, *membership.insurances) if p.to_date is None]


def _period_label(period) -> str:
    """How the audit history names the end of a dues code period or an insurance."""
    if isinstance(period, DuesCodePeriod):
        return f"Kontingentkode {period.code} til"
    return f"{INSURANCE_KINDS[period.kind]}{' (reservert)' if period.reserved else ''} til"


def _check_pending(transfer: Transfer, form_version: int) -> None:
    if form_version != transfer.version:
        raise Conflict(_(TRANSFER_CONFLICT))
    if transfer.state != "pending":
        raise Conflict(_("Overføringen er allerede behandlet (%(state)s).",
                         state=_(TRANSFER_STATES[transfer.state]).lower()))


def _flush(message: str) -> None:
    """`message`: the conflict's text, marked with N_ (translated here)."""
    try:
        db.session.flush()
    except StaleDataError as error:
        db.session.rollback()
        raise Conflict(_(message)) from error


def branch_label(branch: Branch) -> str:
    """A branch as users name it: "4601 Bergen Fagforening"."""
    return f"{branch.number} {branch.name}"
