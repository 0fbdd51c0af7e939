"""Test infrastructure: a fresh database per session on real PostgreSQL, a Redis db, workers."""
