"""Identity fixtures: python-keycloak clients against the dev IdP over real HTTP."""

from __future__ import annotations

import pytest

from integrations.keycloak.realm import client_secret
from tests.support.identity import RealTokens, keycloak_openid


@pytest.fixture(scope="session")
def idp_url(live_server) -> str:
    return live_server.idp_url


@pytest.fixture(scope="session")
def web(idp_url):
    """The portals' public client (password grant on in the dev realm)."""
    return keycloak_openid(idp_url)


@pytest.fixture(scope="session")
def api_client(idp_url):
    """The API's confidential client (introspection)."""
    return keycloak_openid(idp_url, "hotline-api", client_secret("hotline-api"))


@pytest.fixture(scope="session")
def real_tokens(idp_url) -> RealTokens:
    return RealTokens(idp_url)
