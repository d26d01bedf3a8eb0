"""Moments at which the tests freeze the app's clock (fixture `frozen_clock`): 23:30 UTC, when Oslo's
date is already the next day, on both days of each daylight-saving switch of 2026 (summer time from
01:00 UTC on Sunday 29 March, winter time from 01:00 UTC on Sunday 25 October) and on an ordinary
winter day, and 22:30 UTC on a summer day (00:30 in Oslo)."""
from datetime import date, datetime

MOMENTS = [  # (the moment in UTC, Oslo's date then)
    (datetime(2026, 3, 28, 23, 30), date(2026, 3, 29)),  # the night into the switch: 00:30 CET
    (datetime(2026, 3, 29, 23, 30), date(2026, 3, 30)),  # the switch day: 01:30 CEST
    (datetime(2026, 10, 24, 23, 30), date(2026, 10, 25)),  # the night into the switch back: 01:30 CEST
    (datetime(2026, 10, 25, 23, 30), date(2026, 10, 26)),  # the switch-back day: 00:30 CET
    (datetime(2026, 12, 7, 23, 30), date(2026, 12, 8)),  # winter: 00:30 CET
    (datetime(2026, 6, 15, 22, 30), date(2026, 6, 16)),  # summer: 00:30 CEST
]
IDS = [f"{moment:%d.%m %H:%M}-UTC" for moment, _ in MOMENTS]
