"""The provincial baseline of time limits (省级基准时限).

Provisioning copies it into each city's ``sla_policies`` table once; a city then
edits its own rows, so an edit never reaches another city and a later change here
reaches only cities provisioned afterwards (or rows a city has not got yet).

Sources (../shared/DOMAIN.md, "Time limits seen in practice"):

- Handling (办理时限, receipt -> final reply, working days): consultation and help
  "same day, at most 3 working days" -> 3; complaint and report 10 (between
  Shandong's 5 and the 13 of a municipal procedure); suggestion 13 (they need study,
  the longest usual limit); praise 5 (forward the thanks and record it).
  ``urgent`` halves them (rounded up, at least 1).
- Sign-for (签收时限, dispatch -> sign-for): 1 working day.
- Return (退单时限, dispatch -> last moment to return a misassigned order):
  2 working days (Shandong); ``urgent`` 1.
- Extension (延期上限): at most 10 working days (Shandong); ``urgent`` 5. Extensions
  are always in working days, also for emergencies (``request-extension`` takes
  ``working_days``).
- Warning (预警): when 80% of the handling working time has elapsed (70% urgent).
- ``emergency`` counts wall-clock HOURS (Weifang): respond (sign-for) within 0.5 h,
  final result within 24 h, return within 1 h, warning at 50% (12 h); extension at
  most 3 working days. Weifang's "first result within 2 h" is not a separate limit.
"""

from __future__ import annotations

from dataclasses import dataclass

APPEAL_TYPES = ("consultation", "help", "complaint", "report", "suggestion", "praise")
URGENCIES = ("normal", "urgent", "emergency")
WORKING_DAYS, HOURS = "working_days", "hours"
UNITS = (WORKING_DAYS, HOURS)


@dataclass(frozen=True)
class Limits:
    """One policy's numbers; ``unit`` applies to the accept, handle and return limits."""

    unit: str
    accept_limit: float  # 签收时限, counted from dispatch
    handle_limit: float  # 办理时限, counted from receipt: the order's due_at
    return_limit: float  # 退单时限, counted from dispatch
    extension_max_working_days: int  # 延期上限
    warn_ratio: float  # 预警: share of the handling time elapsed


_NORMAL_HANDLING = {
    "consultation": 3,
    "help": 3,
    "complaint": 10,
    "report": 10,
    "suggestion": 13,
    "praise": 5,
}


def _limits(appeal_type: str, urgency: str) -> Limits:
    if urgency == "emergency":
        return Limits(HOURS, 0.5, 24, 1, 3, 0.5)
    days = _NORMAL_HANDLING[appeal_type]
    if urgency == "urgent":
        return Limits(WORKING_DAYS, 1, max(1, -(-days // 2)), 1, 5, 0.7)
    return Limits(WORKING_DAYS, 1, days, 2, 10, 0.8)


BASELINE: dict[tuple[str, str], Limits] = {(t, u): _limits(t, u) for t in APPEAL_TYPES for u in URGENCIES}
