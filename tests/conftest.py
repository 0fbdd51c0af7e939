"""Suite-wide fixtures: one fresh database per session, two city tenants, a Redis db.

Under pytest-xdist every worker is a session of its own (its database, its Redis database
number, its ports); the controller finds or starts the servers once (README, "The two commands").
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tests.support import services as svc

_SERVERS = pytest.StashKey[svc.Servers]()


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_setupnodes(config, specs):
    """The xdist controller, before any worker exists: two workers never start embedded servers."""
    config.stash[_SERVERS] = svc.servers()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    found = node.config.stash[_SERVERS]
    node.workerinput["hotline_servers"] = {"admin_url": found.admin_url, "redis_url": found.redis_url}


def pytest_unconfigure(config):
    found = config.stash.get(_SERVERS, None)
    if found is not None:
        svc.stop_servers(found)


@pytest.fixture(scope="session")
def services(request):
    given = getattr(request.config, "workerinput", {}).get("hotline_servers")
    found = svc.Servers(**given) if given else svc.servers()  # a worker, or a serial run (-n 0)
    s = svc.start(found)
    s.test_instance = Path(tempfile.mkdtemp(prefix="hotline-test-instance-"))
    yield s
    svc.stop(s)
    svc.stop_servers(found)  # only what this process started: never under xdist


@pytest.fixture(scope="session")
def app(services):
    from app import create_app
    from tests.support.live import free_port

    services.public_url = f"http://127.0.0.1:{free_port()}"  # tests/identity serves the app there
    application = create_app(
        database_url=services.database_url,
        redis_url=services.redis_url,
        app_env="test",
        instance_path=services.test_instance,
        public_url=services.public_url,
    )
    application.config["TESTING"] = True
    from app.extensions import redis_client

    redis_client.conn.flushdb()
    return application


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture(scope="session")
def two_tenants(app):
    """Two city tenants provisioned once per session (same tables, separate schemas)."""
    from app.demo.province import ensure_demo_province
    from tenants.context import lookup

    with app.app_context():
        ensure_demo_province(["shijiazhuang", "tangshan"], progress=lambda _m: None)
        return lookup("shijiazhuang", fresh=True), lookup("tangshan", fresh=True)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def live_server(app, services):
    """The session app served over real HTTP at its PUBLIC_URL (the dev IdP's issuer matches)."""
    from tests.support.live import serve

    server = serve(app, services.public_url)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def token_for(live_server):
    """token_for("dispatcher@tangshan") -> access token of a real password grant via python-keycloak."""
    from tests.support.identity import RealTokens

    return RealTokens(live_server.idp_url).user


@pytest.fixture(scope="session")
def auth_headers(app):
    """auth_headers("dispatcher@shijiazhuang") -> {"Authorization": "Bearer ..."} (cached per user).

    Tokens live 10 minutes; a cached one is minted again after 5, so a slow run never sends an
    expired token.
    """
    import time

    from tests.support.identity import auth

    cache: dict[str, tuple[float, dict[str, str]]] = {}

    def get(username: str) -> dict[str, str]:
        hit = cache.get(username)
        if hit is None or time.monotonic() - hit[0] > 300:
            hit = cache[username] = (time.monotonic(), auth(app, username))
        return hit[1]

    return get
