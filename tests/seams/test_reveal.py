"""Revealing a phone is an explicit service call that writes exactly one audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.auth.policy import PermissionDenied
from app.auth.principal import Role
from app.orders.models import Order
from app.orders.service import reveal_phone
from app.orders.views import present
from tenants import db, tenant_context

from .conftest import SJZ, principal


def _reveals(order_id: int) -> int:
    stmt = select(func.count()).where(
        AuditEntry.order_id == order_id, AuditEntry.action == "caller.phone_revealed"
    )
    return db.session.scalar(stmt)


def test_reveal_writes_exactly_one_entry_and_present_only_reads(orders, app_ctx):
    phone = "13912345678"
    o = orders.create(caller={"name": "李女士", "phone": phone})
    agent = principal(Role.AGENT)
    with tenant_context(SJZ):
        order = db.session.get(Order, o["id"])
        for _ in range(3):  # presenting never writes anything
            assert present(order, agent)["caller"]["phone"] == "139****5678"
        assert reveal_phone(agent, order) == phone
        db.session.commit()
        assert _reveals(o["id"]) == 1
        assert present(order, agent, phone=phone)["caller"]["phone"] == phone
        db.session.commit()
        assert _reveals(o["id"]) == 1


def test_a_role_that_may_not_reveal_gets_403_and_nothing_is_written(orders, app_ctx):
    o = orders.create()
    with tenant_context(SJZ):
        order = db.session.get(Order, o["id"])
        with pytest.raises(PermissionDenied):
            reveal_phone(principal(Role.HANDLER, department="zjj"), order)
        db.session.commit()
        assert _reveals(o["id"]) == 0


def test_a_hidden_caller_reveals_nothing(orders, app_ctx):
    """A confidential caller is hidden from departments: nothing to reveal, nothing recorded."""
    o = orders.create(confidential=True)
    handler = principal(Role.HANDLER, department="zjj")
    with tenant_context(SJZ):
        order = db.session.get(Order, o["id"])
        assert reveal_phone(handler, order) is None
        assert present(order, handler)["caller"] is None
        db.session.commit()
        assert _reveals(o["id"]) == 0
