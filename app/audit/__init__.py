"""Append-only, hash-chained audit trail per tenant; also each order's timeline."""
