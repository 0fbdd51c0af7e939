"""Transactional outbox: anything leaving the transaction goes through here (DESIGN 8)."""
