"""Trestle's one date and one datetime form ("Dec 6, 2026", "Dec 6, 2026 14:05").

Django's own English formats write "Dec. 6, 2026", and locale formats win over the DATE_FORMAT
setting, so the forms live here (FORMAT_MODULE_PATH) where both `{{ value }}` and `|date` find them.
"""

DATE_FORMAT = "M j, Y"
DATETIME_FORMAT = "M j, Y H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
MONTH_DAY_FORMAT = "M j"
