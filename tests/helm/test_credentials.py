"""Credentials: always from Secrets, each with an existingSecret path, never generated, and every
setting the app reads reaches every container."""

from __future__ import annotations

import ast

import pytest
from sqlalchemy.engine import make_url

from .chart import PII_HASH, PII_KEY, ROOT, RenderError, container_env, env_names, secret_refs, setting

# The chart Secret's keys and the values path of each (the credential objects of values.yaml).
CREDENTIALS = {
    "database-url": ("DATABASE_URL", "database.url"),
    "database-password": ("DATABASE_PASSWORD", "database.password"),
    "redis-url": ("REDIS_URL", "redis.url"),
    "redis-password": ("REDIS_PASSWORD", "redis.password"),
    "keycloak-admin-client-secret": ("KEYCLOAK_ADMIN_CLIENT_SECRET", "keycloak.adminClient.secret"),
    "secret-key": ("SECRET_KEY", "secretKey"),
    "pii-encryption-key": ("PII_ENCRYPTION_KEY", "pii.encryptionKey"),
    "pii-hash-key": ("PII_HASH_KEY", "pii.hashKey"),
}
SECRET_ENV = {
    "DATABASE_URL",
    "REDIS_URL",
    "KEYCLOAK_ADMIN_CLIENT_SECRET",
    "SECRET_KEY",
    "PII_ENCRYPTION_KEY",
    "PII_HASH_KEY",
}
# Environment variables the code reads that the chart deliberately does not set.
NOT_NEEDED = {
    "PORT": "make run only; the chart renders web.port into gunicorn.conf.py",
    "WEB_WORKERS": "make run only; the chart renders web.gunicorn.workers into gunicorn.conf.py",
    "DEMO_ORDERS": "make run only (demo seeding); a cluster never seeds demo orders",
    "DEMO_CITIES": "make run only (which demo cities to provision)",
    "EMERGENCY_SIMULATOR": "make run only (start the 110/119/120/122 simulator or not)",
    "EMERGENCY_SIM_PORT": "make run only (the emergency simulator's port)",
    "UTILITY_SIMULATOR_PORT": "make run only (the utility simulator's port)",
    "UTILITY_SIMULATOR_SECRET": "make run only (the secret `flask demo utilities` shares with the simulator)",
}
# Set on web pods only: the other processes serve no /metrics.
WEB_ONLY = {"PROMETHEUS_MULTIPROC_DIR"}
USER_SECRETS = {
    "hotline-pg-app": {"uri": "postgresql://hotline:pw@pg-rw:5432/hotline"},
    "hotline-credentials": {
        "redis-url": "redis://redis:6379/0",
        "keycloak-admin-client-secret": "kc",
        "secret-key": "sk",
    },
    "hotline-pii": {"pii-encryption-key": PII_KEY, "pii-hash-key": PII_HASH},
}


def env_reads() -> set[str]:
    """Every environment variable name the platform's code reads (env.get / os.environ / getenv)."""
    names: set[str] = set()
    for package in ("app", "tenants", "integrations", "admin_portal", "migrations"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                target, key = None, None
                if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                    func = node.func
                    if isinstance(func, ast.Attribute) and func.attr in ("get", "getenv", "setdefault"):
                        target, key = func.value, node.args[0].value
                elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
                    target, key = node.value, node.slice.value
                if target is None or not isinstance(key, str):
                    continue
                source = ast.unparse(target)
                if source in ("os", "os.environ", "env", "environ") and key.isupper():
                    names.add(key)
    return names


def test_the_scan_finds_what_settings_reads():
    assert {"DATABASE_URL", "PII_ENCRYPTION_KEY", "KEYCLOAK_ADMIN_CLIENT_ID", "DB_POOL_SIZE"} <= env_reads()


def test_every_setting_the_code_reads_reaches_every_container(render, prod_values):
    rendered = render(prod_values)
    wanted = env_reads() - set(NOT_NEEDED)
    assert rendered.containers()
    for workload, container in rendered.containers():
        expected = wanted if workload["metadata"]["name"].endswith("-web") else wanted - WEB_ONLY
        missing = expected - env_names(rendered, container)
        assert not missing, f"{workload['metadata']['name']} lacks {sorted(missing)}"


def test_not_needed_names_are_still_read_somewhere():
    """A stale NOT_NEEDED entry would hide a future variable of the same name."""
    assert set(NOT_NEEDED) <= env_reads()


def test_credentials_never_sit_in_a_configmap(render, inline_values):
    rendered = render(inline_values)
    for cm in rendered.all("ConfigMap"):
        assert not SECRET_ENV & set(cm.get("data", {})), cm["metadata"]["name"]
    for _, container in rendered.containers():
        plain = {e["name"] for e in container.get("env", []) if "value" in e}
        assert plain & SECRET_ENV <= {"DATABASE_URL", "REDIS_URL"}  # assembled from parts ...
        for item in container["env"]:
            if item["name"] in ("DATABASE_URL", "REDIS_URL") and "value" in item:
                assert "$(" in item["value"] or "@" not in item["value"]  # ... never with a literal password


def test_every_chart_secret_key_has_an_existing_secret_path(render, inline_values):
    """Inline mode uses every credential; switching each to existingSecret drops it from the chart's Secret."""
    rendered = render(setting(inline_values, "redis.password.value", "rp"))
    chart_keys = set(rendered.get("Secret", "hotline")["data"])
    assert chart_keys == set(CREDENTIALS) - {"database-url", "redis-url"}
    url_mode = render(
        setting(
            setting(inline_values, "database.url.value", "postgresql://u:p@h/d"),
            "redis.url.value",
            "redis://h",
        )
    )
    assert {"database-url", "redis-url"} <= set(url_mode.get("Secret", "hotline")["data"])
    for key, (env, path) in CREDENTIALS.items():
        values = inline_values
        if key.endswith("-url"):  # URL mode: no host parts
            values = setting(values, path.replace(".url", ".host"), "")
        values = setting(values, f"{path}.existingSecret", "operator-managed")
        values = setting(values, f"{path}.existingSecretKey", f"their-{key}")
        out = render(values)
        for secret in out.all("Secret"):  # the release's Secret and the migration hook's copy
            assert key not in secret["data"], f"{key} is still copied into {secret['metadata']['name']}"
        for _, container in out.containers():
            assert secret_refs(container)[env] == ("operator-managed", f"their-{key}")


def test_all_existing_secrets_render_no_secret_at_all(render, prod_values):
    rendered = render(prod_values)
    assert rendered.all("Secret") == []
    for workload, container in rendered.containers():
        refs = secret_refs(container)
        assert set(refs) == SECRET_ENV, workload["metadata"]["name"]
        assert {name for name, _ in refs.values()} <= set(USER_SECRETS)
        env = container_env(rendered, container, USER_SECRETS)
        assert env["PII_ENCRYPTION_KEY"] == PII_KEY and env["DATABASE_URL"].startswith("postgresql://")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("publicUrl", "publicUrl is required"),
        ("keycloak.url", "keycloak.url is required: APP_ENV=production refuses the dev IdP"),
        ("database.url.existingSecret", "database.url.existingSecret (or database.url.value"),
        ("redis.url.existingSecret", "redis.url.existingSecret (or redis.url.value"),
        ("keycloak.adminClient.secret.existingSecret", "keycloak.adminClient.secret.existingSecret"),
        ("secretKey.existingSecret", "secretKey.existingSecret"),
        ("pii.encryptionKey.existingSecret", "the chart never generates PII keys"),
        ("pii.hashKey.existingSecret", "pii.hashKey.existingSecret"),
    ],
)
@pytest.mark.parametrize("upgrade", [False, True], ids=["install", "upgrade"])
def test_a_missing_credential_fails_the_render_by_name(render, prod_values, path, message, upgrade):
    with pytest.raises(RenderError) as failure:
        render(setting(prod_values, path, ""), upgrade=upgrade)
    assert message in str(failure.value)


def test_database_password_is_required_with_parts(render, inline_values):
    with pytest.raises(RenderError, match=r"database\.password\.existingSecret"):
        render(setting(inline_values, "database.password.value", ""))


def test_pii_keys_are_the_given_ones_on_install_and_upgrade(render, inline_values):
    """Nothing random: the same values give the same Secret, so an upgrade never swaps a key."""
    installed = render(inline_values)
    upgraded = render(inline_values, upgrade=True)
    assert installed.get("Secret", "hotline")["data"] == upgraded.get("Secret", "hotline")["data"]
    env = container_env(
        upgraded, upgraded.get("Deployment", "hotline-web")["spec"]["template"]["spec"]["containers"][0]
    )
    assert (env["PII_ENCRYPTION_KEY"], env["PII_HASH_KEY"]) == (
        inline_values["pii"]["encryptionKey"]["value"],
        inline_values["pii"]["hashKey"]["value"],
    )


def test_database_and_redis_urls_from_parts(render, inline_values):
    rendered = render(inline_values)
    for _, container in rendered.containers():
        names = [e["name"] for e in container["env"]]
        assert names.index("DATABASE_PASSWORD") < names.index("DATABASE_URL")  # $(VAR) needs it first
        assert names.index("REDIS_PASSWORD") < names.index("REDIS_URL")
        env = container_env(rendered, container)
        url = make_url(env["DATABASE_URL"])
        assert (url.username, url.password, url.host, url.port, url.database) == (
            "hotline",
            "p@ss word+/",  # the inline password survives URL encoding
            "postgres.hotline.svc",
            5432,
            "hotline",
        )
        assert url.query == {"sslmode": "disable"}
        assert env["REDIS_URL"] == "redis://:redis-pass@redis-master.hotline.svc:6379/0"


def test_redis_by_parts_without_auth_and_with_tls(render, inline_values):
    values = setting(setting(inline_values, "redis.password.value", ""), "redis.tls", True)
    values = setting(values, "redis.db", 3)
    rendered = render(values)
    env = container_env(rendered, rendered.containers()[0][1])
    assert env["REDIS_URL"] == "rediss://redis-master.hotline.svc:6379/3"
    assert "redis-password" not in rendered.get("Secret", "hotline")["data"]


def test_without_a_real_keycloak_outside_production_no_admin_secret_is_needed(render, inline_values):
    values = setting(setting(inline_values, "appEnv", "development"), "keycloak.url", "")
    values = setting(values, "keycloak.adminClient.secret.value", "")
    values = setting(values, "keycloakRealm.enabled", False)
    rendered = render(values)
    env = container_env(rendered, rendered.containers()[0][1])
    assert env["APP_ENV"] == "development" and env["KEYCLOAK_URL"] == ""
    assert "KEYCLOAK_ADMIN_CLIENT_SECRET" not in env
    with pytest.raises(RenderError, match=r"keycloak\.adminClient\.secret"):
        render(setting(values, "keycloak.url", "https://sso.example.test"))
