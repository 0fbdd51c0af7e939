"""The realm's declarative user profile (Keycloak 24+), part of ``realm.build_realm``.

``tenant`` and ``department`` are managed attributes, so mappers can read them and the admin API
may set them; nothing is required of demo users.
"""

from __future__ import annotations

USER_PROFILE = {
    "attributes": [
        {
            "name": "username",
            "displayName": "${username}",
            "validations": {"length": {"min": 3, "max": 255}, "username-prohibited-characters": {}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
            "multivalued": False,
        },
        {
            "name": "email",
            "displayName": "${email}",
            "validations": {"email": {}, "length": {"max": 255}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]},
            "multivalued": False,
        },
        {
            "name": "firstName",
            "displayName": "${firstName}",
            "validations": {"length": {"max": 255}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]},
            "multivalued": False,
        },
        {
            "name": "lastName",
            "displayName": "${lastName}",
            "validations": {"length": {"max": 255}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin", "user"]},
            "multivalued": False,
        },
        {
            "name": "tenant",
            "displayName": "Tenant (city slug)",
            "validations": {"pattern": {"pattern": "^[a-z][a-z0-9_]{1,30}$"}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
            "multivalued": False,
        },
        {
            "name": "department",
            "displayName": "Department code",
            "validations": {"length": {"max": 32}},
            "permissions": {"view": ["admin", "user"], "edit": ["admin"]},
            "multivalued": False,
        },
    ],
    "groups": [{"name": "user-metadata", "displayHeader": "User metadata"}],
}
