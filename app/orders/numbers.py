"""Order numbers (工单编号): ``SJZ-20261128-000123``, the one definition.

The city's prefix, the receipt date in Asia/Shanghai, and the city's serial
(``order_number_seq`` of its schema) zero-padded to six digits. Intake numbers new orders
in its INSERT (``next_number``); imports of history and bulk loaders that number rows
themselves use ``format_number``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Sequence, Text, cast, func, literal, literal_column

from .models import ORDER_NUMBER_SEQ

LOCAL = ZoneInfo("Asia/Shanghai")
SERIAL_DIGITS = 6


def number_prefix(city_prefix: str, received_at: datetime) -> str:
    """``SJZ-20261128-``: everything but the serial."""
    return f"{city_prefix}-{received_at.astimezone(LOCAL):%Y%m%d}-"


def next_number(prefix: str | ColumnElement[str], schema: str | None = None) -> ColumnElement[str]:
    """SQL: ``prefix`` followed by the city's next serial (the sequence of ``schema``, default the
    bound one through the tenant placeholder)."""
    head = literal(prefix) if isinstance(prefix, str) else prefix
    seq = ORDER_NUMBER_SEQ if schema is None else Sequence(ORDER_NUMBER_SEQ.name, schema=schema)
    serial = cast(seq.next_value(), Text)
    return head.concat(func.lpad(serial, literal_column(str(SERIAL_DIGITS)), literal_column("'0'")))


def format_number(city_prefix: str, received_at: datetime, serial: int) -> str:
    """The number of the ``serial``-th order, for loaders that assign serials themselves."""
    return f"{number_prefix(city_prefix, received_at)}{serial:0{SERIAL_DIGITS}d}"
