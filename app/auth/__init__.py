"""Who is calling (Principal) and what they may do (policy). Tokens come from Keycloak."""

from .principal import Principal, Role
from .policy import allowed, require

__all__ = ["Principal", "Role", "allowed", "require"]
