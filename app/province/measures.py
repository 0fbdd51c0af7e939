"""The hotline KPIs (考核指标): numerator, denominator and time basis of each, in one place.

Every KPI is a ratio of two *counters*; a counter is a condition over one order's fact row.
The same SQL conditions feed the daily rollups (``facts.py``), their rebuild, the benchmark's
naive query over the tenant schemas, and the API documentation, so a definition cannot drift
between what is stored, what is served and what is documented.
"""

from __future__ import annotations

from dataclasses import dataclass

# Time basis, for every KPI: the receipt cohort.
TIME_BASIS = (
    "Orders received (受理) from `from` to `to` inclusive, by receipt date in Asia/Shanghai, "
    "in their state as of the query. Merged (并单) and transferred (转办/移交) orders are left "
    "out: a transferred order counts in the city that handles it."
)

# The base population: what counts as a received order in a city.
BASE = "status NOT IN ('merged', 'transferred')"

# counter -> condition (ANDed with BASE). ``{is_repeat}`` differs between facts and tenant rows.
COUNTERS: dict[str, str] = {
    "received": "TRUE",
    "dispatched": "dispatched_at IS NOT NULL",
    "signed_on_time": "dispatched_at IS NOT NULL AND accepted_at <= COALESCE(accept_due_at, accepted_at)",
    "closed": "status = 'closed'",
    "closed_on_time": "status = 'closed' AND closed_at <= COALESCE(due_at, closed_at)",
    "called_back": "resolved IS NOT NULL",
    "resolved": "resolved IS TRUE",
    "rated": "satisfaction IS NOT NULL",
    "satisfied": "satisfaction IN ('satisfied', 'basically_satisfied')",
    "direct_closed": "direct_closure",
    "returned": "return_count > 0",
    "ever_closed": "closed_at IS NOT NULL OR reopen_count > 0",
    "reopened": "reopen_count > 0",
    "overdue": "overdue_at IS NOT NULL",
    "repeats": "{is_repeat}",
}
# The one summed (not counted) measure: working days receipt -> closure of closed orders.
HANDLING_DAYS = "handling_days"
MEASURES = (*COUNTERS, HANDLING_DAYS)

FACT_COLUMNS = {"is_repeat": "is_repeat", "handling_days": "handling_days"}


def measure_exprs(sign: str = "1", columns: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(name, SQL) per measure over one row: ``sign`` times the row's contribution."""
    cols = columns or FACT_COLUMNS
    out = [
        (name, f"{sign} * (CASE WHEN {BASE} AND ({cond.format(**cols)}) THEN 1 ELSE 0 END)")
        for name, cond in COUNTERS.items()
    ]
    closed_days = (
        f"CASE WHEN {BASE} AND status = 'closed' THEN COALESCE({cols['handling_days']}, 0) ELSE 0 END"
    )
    days = f"{sign} * ({closed_days})"
    out.append((HANDLING_DAYS, days))
    return out


@dataclass(frozen=True)
class Kpi:
    id: str
    zh: str
    numerator: str  # a counter (or HANDLING_DAYS)
    denominator: str  # a counter
    numerator_text: str
    denominator_text: str
    average: bool = False  # a mean (value = numerator / denominator, in working days), not a rate


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "on_time_sign_for",
        "及时签收率",
        "signed_on_time",
        "dispatched",
        "dispatched orders whose lead department signed for (签收) by the sign-for deadline "
        "(accepted_at <= accept_due_at)",
        "orders dispatched (派单) at least once",
    ),
    Kpi(
        "on_time_completion",
        "按时办结率",
        "closed_on_time",
        "closed",
        "closed orders closed by their due date (closed_at <= due_at; approved extensions count)",
        "orders closed (办结), including direct closures",
    ),
    Kpi(
        "resolution",
        "解决率",
        "resolved",
        "called_back",
        "callbacks (回访) in which the caller said the problem was solved",
        "orders with a callback",
    ),
    Kpi(
        "satisfaction",
        "满意率",
        "satisfied",
        "rated",
        "callbacks rated satisfied (满意) or basically satisfied (基本满意)",
        "orders with a callback rating",
    ),
    Kpi(
        "direct_closure",
        "直接办结率",
        "direct_closed",
        "received",
        "orders closed at intake without dispatch (直接办结)",
        "orders received",
    ),
    Kpi(
        "return",
        "退单率",
        "returned",
        "dispatched",
        "orders a lead department returned (退单) at least once",
        "orders dispatched at least once",
    ),
    Kpi(
        "reopen",
        "重办率",
        "reopened",
        "ever_closed",
        "orders reopened (重办) at least once",
        "orders closed at least once (closed now or reopened)",
    ),
    Kpi(
        "overdue",
        "超期率",
        "overdue",
        "received",
        "orders the deadline sweep marked overdue (due date passed while open; cleared by an approved "
        "extension or a new handling cycle)",
        "orders received",
    ),
    Kpi(
        "avg_handling_days",
        "平均办理时长",
        HANDLING_DAYS,
        "closed",
        "sum over closed orders of the working days from receipt to closure (each working day of "
        "the city's calendar counts 24 h, prorated; other days count zero)",
        "orders closed",
        average=True,
    ),
    Kpi(
        "repeat_appeal",
        "重复诉求率",
        "repeats",
        "received",
        "orders flagged at intake as repeating an earlier appeal (same caller, or same place and "
        "subject, within 30 days)",
        "orders received",
    ),
)


def values(sums: dict[str, float]) -> dict[str, dict]:
    """KPI id -> {numerator, denominator, value} from summed measures (value None when 0/0)."""
    out = {}
    for k in KPIS:
        num, den = sums.get(k.numerator) or 0, sums.get(k.denominator) or 0
        if k.average:
            num = round(float(num), 3)
            value = round(num / den, 3) if den else None
        else:
            num = int(num)
            value = round(num / den, 4) if den else None
        out[k.id] = {"numerator": num, "denominator": int(den), "value": value}
    return out


def markdown_table() -> str:
    """The definitions as a Markdown table (API docs and README)."""
    rows = ["| KPI | numerator | denominator |", "|---|---|---|"]
    for k in KPIS:
        value = "mean, in working days" if k.average else "rate"
        rows.append(f"| `{k.id}` {k.zh} ({value}) | {k.numerator_text} | {k.denominator_text} |")
    return "\n".join(rows) + "\n\nTime basis: " + TIME_BASIS
