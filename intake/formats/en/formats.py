"""English dates without the month-first ambiguity of Django's American defaults ("12/01/2026 8:51 a.m."
reads as 12 January in most of the world): ISO order and a 24-hour clock, e.g. 2026-12-01 08:51.
Input formats are Django's English ones (ISO first), which these files do not touch."""

DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
