"""Keycloak-compatible development identity provider (never in production)."""
