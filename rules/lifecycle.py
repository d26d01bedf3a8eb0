"""The rules of a membership's life as pure functions: ages, months, dues code and type changes.

Birthdays: someone born on 29 February has their birthday on 1 March in a common year (the day
after 28 February, when the full year has passed). So a leap-day child turns 67 in March, and the
month of turning 67 is otherwise the birth month, whatever the day.

Dues codes change from a date, keeping the history without gaps or overlaps: the open period ends
the day before the new code's from date and a new open period starts. A from date equal to the open
period's start replaces that period's code (a correction of the latest change); an earlier from
date is refused, because it would rewrite closed history.
"""
import calendar
from datetime import date, timedelta

PENSION_AGE = 67  # U becomes P at the end of the month in which the member turns 67
PUPIL_AGE_LIMIT = 20  # a pupil older than this (21 or more) should become a student or main member
REVIEWED_CODES = ("A", "L", "O")  # rehabilitation, unemployed, leave: reviewed regularly
CENTRAL_ONLY_CODES = {"W"}  # dues deducted by NAV: only the central registry sets it

# The membership type changes allowed (old type, new type).
TYPE_CHANGES = {
    ("pupil", "student"), ("student", "main"), ("pupil", "main"), ("secondary", "main"), ("main", "student"),
}


class ChangeRefused(ValueError):
    """A change the rules do not allow; the message is for the user (Norwegian)."""


# --- dates ---------------------------------------------------------------------------------------

def last_day_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), on the month's last day where it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(since: date, day: date) -> int:
    """How many whole months have passed from `since` to `day` (0 when `day` is not later)."""
    months = (day.year - since.year) * 12 + day.month - since.month
    if months > 0 and add_months(since, months) > day:
        months -= 1
    return max(months, 0)


def birthday(birth_date: date, year: int) -> date:
    """The birthday in `year`; 29 February is 1 March in a common year."""
    if (birth_date.month, birth_date.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 3, 1)
    return birth_date.replace(year=year)


def age_on(birth_date: date, day: date) -> int:
    """Whole years of age on `day`: one more from the birthday on."""
    return day.year - birth_date.year - (day < birthday(birth_date, day.year))


# --- changes that happen by themselves -------------------------------------------------------------

def u_to_p_date(birth_date: date) -> date:
    """The last day of the month in which the member turns 67: the last day of the code U."""
    return last_day_of_month(birthday(birth_date, birth_date.year + PENSION_AGE))


def p_start(birth_date: date, u_from: date, day: date) -> date | None:
    """The day a member with the code U since `u_from` becomes P, when that has come by `day`.

    P starts the day after the last day of the month of turning 67, and never before the U period
    itself started (a U registered later than that is replaced by P from its own start).
    None: not yet (on the last day of the birthday month the member is still U)."""
    last_u_day = u_to_p_date(birth_date)
    if day <= last_u_day:
        return None
    return max(last_u_day + timedelta(days=1), u_from)


def pupil_too_old(birth_date: date, day: date) -> bool:
    """A pupil over 20 (aged 21 or more on `day`) should become a student or a main member."""
    return age_on(birth_date, day) > PUPIL_AGE_LIMIT


# --- changes the users make ------------------------------------------------------------------------

def check_code_change(role: str, old_code: str | None, new_code: str) -> None:
    """A branch or county may change a member from W but never to W; only central sets W."""
    if new_code == old_code:
        raise ChangeRefused(f"Medlemmet har allerede kode {new_code}.")
    if new_code in CENTRAL_ONLY_CODES and role != "central":
        raise ChangeRefused(f"Bare Medlemsregisteret kan sette kode {new_code}.")


def open_period_end(open_from: date, new_from: date) -> date | None:
    """Where the open dues code period ends when a new code starts on `new_from`.

    None: the new code replaces the open period's code (same from date)."""
    if new_from < open_from:
        raise ChangeRefused(
            f"Fra-datoen kan ikke være før gjeldende kode startet ({open_from:%d.%m.%Y})."
        )
    return None if new_from == open_from else new_from - timedelta(days=1)


def type_change_allowed(old_type: str, new_type: str) -> bool:
    return (old_type, new_type) in TYPE_CHANGES


def type_change_targets(old_type: str) -> list[str]:
    """The types a membership of `old_type` may change to, in a stable order."""
    order = ("main", "student", "pupil", "secondary")
    return [t for t in order if (old_type, t) in TYPE_CHANGES]


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week `day` is in."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)
