"""The daily routine (the changes that happen by themselves) and finishing follow-up items.

Run from `flask routines daily` the changes are audited as done by the system; run from the browser
they are audited as done by the central registry user who pressed the button.
"""
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.orm.attributes import flag_modified

from models import DuesCodePeriod, FollowUp, Membership, db, record, utcnow
from models.lifecycle import FOLLOW_UP_KINDS
from rules.lifecycle import age_on, p_start, pupil_too_old

from . import queries


@dataclass(frozen=True)
class Change:
    membership_id: int
    member_number: int
    from_date: date  # U→P: the first day with P; a pupil: the day the routine found them over 20


@dataclass
class DailyResult:
    day: date
    u_to_p: list[Change] = field(default_factory=list)
    pupils_over_20: list[Change] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.u_to_p or self.pupils_over_20)

    @property
    def summary(self) -> str:
        """In Norwegian, as the audit log and the command keep it (`message` is for the page)."""
        members = "1 medlem" if len(self.u_to_p) == 1 else f"{len(self.u_to_p)} medlemmer"
        text = f"U→P: {members}; elever over 20 til oppfølging: {len(self.pupils_over_20)}"
        return text if self.changed else text + ". Ingenting å endre."

    @property
    def message(self) -> str:
        """The summary in the user's language."""
        values = {"members": ngettext("%(num)s medlem", "%(num)s medlemmer", len(self.u_to_p)),
                  "pupils": len(self.pupils_over_20)}
        if self.changed:
            return _("U→P: %(members)s; elever over 20 til oppfølging: %(pupils)s", **values)
        return _("U→P: %(members)s; elever over 20 til oppfølging: %(pupils)s. Ingenting å endre.", **values)

    def as_json(self) -> str:
        def rows(changes):
            return [{"membership_id": c.membership_id, "member_number": c.member_number,
                     "from_date": c.from_date.isoformat()} for c in changes]

        return json.dumps({"date": self.day.isoformat(), "changed": self.changed, "summary": self.summary,
                           "u_to_p": rows(self.u_to_p), "pupils_over_20": rows(self.pupils_over_20)},
                          ensure_ascii=False)


def run_daily(day: date, user=None) -> DailyResult:
    """U becomes P after the month of turning 67; pupils over 20 go to their county's queue.

    Idempotent: what is done is not found again. `user=None`: the system (from the command line)."""
    result = DailyResult(day)
    for membership, period, birth_date in queries.disabled_reaching_pension_age(day):
        start = p_start(birth_date, period.from_date, day)
        if start is not None:
            _u_to_p(membership, period, start, user)
            result.u_to_p.append(Change(membership.id, membership.member_number, start))
    for membership, birth_date in queries.pupils_maybe_over_limit(day):
        if pupil_too_old(birth_date, day):
            _queue_pupil(membership, birth_date, day, user)
            result.pupils_over_20.append(Change(membership.id, membership.member_number, day))
    db.session.flush()
    record("update", queries.DAILY_RUN, None, f"Daglige rutiner kjørt for {day:%d.%m.%Y}: {result.summary}",
           user=user)
    return result


def _u_to_p(membership: Membership, period: DuesCodePeriod, start: date, user) -> None:
    u_from = period.from_date
    if start == period.from_date:
        period.code = "P"
    else:
        period.to_date = start - timedelta(days=1)
        db.session.add(DuesCodePeriod(membership=membership, code="P", from_date=start))
    flag_modified(membership, "note")  # a new version: forms opened before this change are stale
    record("update", "membership", membership.id,
           f"Kontingentkode endret fra U til P fra {start:%d.%m.%Y}: fylte 67 år (medlemsnr. "
           f"{membership.member_number})",
           person_id=membership.person_id,
           changes={"dues_code": ["U", "P"], "from_date": [u_from.isoformat(), start.isoformat()]},
           user=user)


def _queue_pupil(membership: Membership, birth_date: date, day: date, user) -> None:
    item = FollowUp(county_id=membership.county_id or membership.branch.county_id, membership_id=membership.id,
                    kind="pupil_over_20", created_by=user.id if user else None,
                    text=f"Født {birth_date:%d.%m.%Y}: {age_on(birth_date, day)} år {day:%d.%m.%Y}.")
    db.session.add(item)
    db.session.flush()
    record("create", "follow_up", item.id,
           f"Til oppfølging i fylket: {FOLLOW_UP_KINDS['pupil_over_20']} (medlemsnr. {membership.member_number})",
           person_id=membership.person_id, user=user)


class AlreadyDone(Exception):
    """Someone marked the item done before this user did."""


def mark_done(user, item: FollowUp, note: str | None) -> None:
    if item.done_at is not None:
        raise AlreadyDone
    item.done_at, item.done_by, item.done_note = utcnow(), user.id, note or None
    db.session.flush()
    changes = {"state": ["Åpen", "Ferdig"]}
    if note:
        changes["notat"] = [None, note]
    record("update", "follow_up", item.id,
           f"Oppfølging ferdig: {FOLLOW_UP_KINDS.get(item.kind, item.kind)} "
           f"(medlemsnr. {item.membership.member_number})",
           person_id=item.membership.person_id, changes=changes)
