"""Time limits (限时办结): per-city SLA policies and the deadlines of an order.

``service`` is what the orders domain calls; ``baseline`` is the provincial default
that provisioning copies into each city.
"""
