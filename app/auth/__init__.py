"""Who is calling (Principal) and what they may do (policy). Tokens come from Keycloak."""

from .policy import allowed, require
from .principal import Principal, Role

__all__ = ["Principal", "Role", "allowed", "require"]
