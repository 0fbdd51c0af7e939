from tests.calendar.fixtures import restore_calendars, restore_policies

__all__ = ["restore_calendars", "restore_policies"]
