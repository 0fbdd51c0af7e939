"""Working-day calendars (工作日历): national library, province entries, city entries.

Precedence for a day: city entry > province entry > chinese-calendar > weekends only
(the fallback, flagged in responses and logged). ``service`` is the interface other
domains call; ``arithmetic`` holds the pure deadline arithmetic.
"""
