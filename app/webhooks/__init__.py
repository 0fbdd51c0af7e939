"""Webhooks for third parties: per-city subscriptions to order events, delivered by the outbox."""
