"""Outbox topics the orders domain publishes (routes are registered in the app factory)."""

TRANSFER_REQUESTED = "order.transfer_requested"  # 跨市转办: to the target city
ESCALATED = "order.escalated"  # to the 110/119/120/122 platform (emergency linkage)
DEADLINE_WARNING = "order.deadline_warning"  # 预警: to the lead department
OVERDUE = "order.overdue"  # 超期: to the lead department
