"""How amounts, dates and numbers look to users: `1 234,50 kr`, `dd.mm.yyyy`."""
import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext

OSLO = ZoneInfo("Europe/Oslo")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def kroner(ore: int | None, unit: bool = True) -> str:
    """Øre (an integer) as Norwegian kroner: 123450 → '1 234,50 kr'."""
    if ore is None:
        return ""
    sign = "-" if ore < 0 else ""
    whole, cents = divmod(abs(int(ore)), 100)
    text = f"{sign}{whole:,}".replace(",", " ") + f",{cents:02d}"
    return f"{text} kr" if unit else text


def norwegian_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.replace(tzinfo=UTC).astimezone(OSLO).date()
    return value.strftime("%d.%m.%Y")


def norwegian_datetime(value: datetime | None) -> str:
    """Stored naive UTC, shown in Oslo time."""
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def percent(bp: int | None) -> str:
    """Hundredths of a percent as '1,75 %' or '80 %'."""
    if bp is None:
        return ""
    sign = "-" if bp < 0 else ""
    whole, frac = divmod(abs(bp), 100)
    return sign + f"{whole},{frac:02d}".rstrip("0").rstrip(",") + " %"


def change_value(value) -> str:
    """A value from the audit log's JSON as users read it: Ja/Nei, dates dd.mm.yyyy, – for nothing."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return gettext("Ja") if value else gettext("Nei")
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        try:
            return norwegian_date(date.fromisoformat(value))
        except ValueError:
            pass  # typed text that only looks like a date
    return str(value)


def national_id(value: str | None) -> str:
    return f"{value[:6]} {value[6:]}" if value and len(value) == 11 else (value or "")


def period(day) -> str:
    """A month (a list's or a run's period) as users write it: `03.2026`."""
    return f"{day:%m.%Y}" if day else ""


def register(app) -> None:
    app.add_template_filter(kroner, "kr")
    app.add_template_filter(norwegian_date, "date")
    app.add_template_filter(period, "period")
    app.add_template_filter(norwegian_datetime, "datetime")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(national_id, "nid")
    app.add_template_filter(change_value, "change_value")
