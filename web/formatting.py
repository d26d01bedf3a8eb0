"""How amounts, dates and numbers look to users: `1 234,50 kr`, `dd.mm.yyyy`."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

OSLO = ZoneInfo("Europe/Oslo")


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
    whole, frac = divmod(bp, 100)
    return (f"{whole},{frac:02d}".rstrip("0").rstrip(",")) + " %"


def national_id(value: str | None) -> str:
    return f"{value[:6]} {value[6:]}" if value and len(value) == 11 else (value or "")


def register(app) -> None:
    app.add_template_filter(kroner, "kr")
    app.add_template_filter(norwegian_date, "date")
    app.add_template_filter(norwegian_datetime, "datetime")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(national_id, "nid")
