"""What observers of orders receive: one typed event per change, carrying what changed.

Observers (province facts, supervision facts, the transfer timeline) run inside the order's
transaction and read everything they need from the event, so they never query for what the
writer already knew (docs/architecture.md §4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from .models import Order

# Every column of the order: what a change is measured on.
ORDER_COLUMNS = tuple(c.key for c in Order.__mapper__.column_attrs)
_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class OrderChanged:
    """An order was created or changed by ``action`` (a workflow action, ``received``, ``overdue``...).

    ``changes`` maps each changed column to ``(before, after)``; ``details`` is what the action
    recorded in the audit trail (reason, note, lead department...); ``added`` holds the rows the
    action created beside the order (an assignment, a supervision record...).
    """

    order: Order
    action: str
    before_status: str | None  # None: the order was just created
    after_status: str
    changes: Mapping[str, tuple[Any, Any]] = field(default_factory=lambda: _EMPTY)
    details: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)
    added: tuple[Any, ...] = ()

    @property
    def created(self) -> bool:
        return self.before_status is None

    def added_of(self, kind: type) -> list[Any]:
        return [row for row in self.added if isinstance(row, kind)]

    @classmethod
    def of_new(cls, order: Order, action: str = "received", **details: Any) -> OrderChanged:
        """A new order (intake, imported history): nothing existed before."""
        return cls(order, action, None, order.status, details=MappingProxyType(details))


def snapshot(order: Order) -> dict[str, Any]:
    """The order's column values now, to measure a change against (``changed``)."""
    state = order.__dict__
    return {c: state.get(c) for c in ORDER_COLUMNS}


def changed(
    order: Order,
    action: str,
    before: Mapping[str, Any],
    *,
    details: Mapping[str, Any] | None = None,
    added: tuple[Any, ...] = (),
) -> OrderChanged:
    """The event of ``action`` on ``order``, its columns compared with ``before`` (a ``snapshot``)."""
    state = order.__dict__
    diff = {c: (before.get(c), state.get(c)) for c in ORDER_COLUMNS if state.get(c) != before.get(c)}
    return OrderChanged(
        order,
        action,
        before.get("status"),
        order.status,
        MappingProxyType(diff),
        MappingProxyType(dict(details or {})),
        added,
    )


OrderObserver = Callable[[OrderChanged], None]
_observers: list[OrderObserver] = []


def observe(observer: OrderObserver) -> None:
    """Register an observer from the composition root (never at import)."""
    if observer not in _observers:
        _observers.append(observer)


def notify(event: OrderChanged) -> None:
    """Tell every observer, in the order's transaction (an observer's failure aborts the change)."""
    for observer in _observers:
        observer(event)
