"""The dev IdP as a deployment: never in production, keys kept under instance/, state shared by workers."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import Flask
from keycloak import KeycloakPostError

from app.config import ConfigError, Settings
from integrations.keycloak.devidp.keys import KeyStore
from tests.support.identity import keycloak_openid
from tests.support.live import free_port
from tests.support.services import ROOT


def test_refuses_production_without_keycloak(tmp_path):
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": "postgresql://db/x",
        "REDIS_URL": "redis://r",
        "SECRET_KEY": "s",
        "PII_ENCRYPTION_KEY": "k",
        "PII_HASH_KEY": "h",
        "KEYCLOAK_ADMIN_CLIENT_SECRET": "c",
    }
    with pytest.raises(ConfigError, match="KEYCLOAK_URL"):
        Settings.from_env(env)
    from app import _register_identity

    settings = Settings(app_env="production", instance_path=tmp_path)  # even if validation were skipped
    with pytest.raises(ConfigError, match="dev IdP"):
        _register_identity(Flask("prod"), settings)
    assert not (tmp_path / "idp").exists()


def test_production_needs_the_provisioning_secret():
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": "postgresql://db/x",
        "REDIS_URL": "redis://r",
        "KEYCLOAK_URL": "https://sso.example.gov.cn",
        "SECRET_KEY": "s",
        "PII_ENCRYPTION_KEY": "k",
        "PII_HASH_KEY": "h",
    }
    with pytest.raises(ConfigError, match="KEYCLOAK_ADMIN_CLIENT_SECRET"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "KEYCLOAK_ADMIN_CLIENT_SECRET": "c"}).keycloak_admin_client_id == (
        "hotline-provisioner"
    )


def test_signing_keys_persist_and_rotation_is_seen_by_other_processes(tmp_path):
    first = KeyStore(tmp_path, recheck=0)
    kid = first.kid
    key_file = tmp_path / "signing-key.json"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert KeyStore(tmp_path).kid == kid  # a restart keeps the key
    other = KeyStore(tmp_path, recheck=0)  # stands for another worker
    assert other.kid == kid
    new_kid = first.rotate()
    assert other.kid == new_kid and [k["kid"] for k in other.jwks()["keys"]] == [new_kid, kid]
    assert all("d" not in k for k in other.jwks()["keys"])


@pytest.fixture(scope="module")
def gunicorn(services, two_tenants):
    """The app under gunicorn with two worker processes, as ``make run`` serves it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=services.database_url,
        REDIS_URL=services.redis_url,
        APP_ENV="test",
        INSTANCE_PATH=str(services.test_instance),
        PUBLIC_URL=url,
    )
    log = services.test_instance / f"gunicorn-{port}.log"  # a file: an unread pipe blocks when full
    with log.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "wsgi:app", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
            text=True,
        )
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/healthz", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("gunicorn did not start: " + log.read_text(errors="replace"))
        time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(15)


@pytest.mark.slow
def test_sessions_and_codes_work_across_worker_processes(gunicorn):
    """Every request on a new connection, so the two workers share the work; state is in the database."""
    oidc = keycloak_openid(gunicorn + "/idp/")
    oidc.connection.add_param_headers("Connection", "close")
    body = oidc.token("dispatcher@tangshan", "demo")
    for _ in range(6):
        body = oidc.refresh_token(body["refresh_token"])
        assert oidc.userinfo(body["access_token"])["tenant"] == "tangshan"
        me = requests.get(gunicorn + "/api/v1/tenants/tangshan/me", headers={
            "Authorization": f"Bearer {body['access_token']}", "Connection": "close"})  # fmt: skip
        assert me.status_code == 200
    oidc.logout(body["refresh_token"])
    for _ in range(4):
        with pytest.raises(KeycloakPostError, match="Session not active"):
            oidc.refresh_token(body["refresh_token"])

    # authorization code issued by one request, exchanged by another
    verifier = "v" * 64
    import base64
    import hashlib

    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect_uri = gunicorn + "/portal/cb"
    url = oidc.auth_url(redirect_uri, state="s", code_challenge=challenge, code_challenge_method="S256")
    form = requests.get(url, headers={"Connection": "close"})
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.text))
    login = {**fields, "username": "agent@shijiazhuang", "password": "demo"}
    resp = requests.post(
        url.split("?")[0], data=login, allow_redirects=False, headers={"Connection": "close"}
    )
    code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    tokens = oidc.token(
        grant_type="authorization_code", code=code, redirect_uri=redirect_uri, code_verifier=verifier
    )
    assert oidc.decode_token(tokens["access_token"])["tenant"] == "shijiazhuang"
