"""Keycloak: the realm file, provisioning through KeycloakAdmin, and the dev IdP (devidp/)."""
