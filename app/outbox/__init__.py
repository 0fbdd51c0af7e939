"""Transactional outbox: anything leaving the transaction goes through here (docs/architecture.md §7)."""
