"""Provisioning through the CLI: bad input gets a clear message, a non-zero exit, and no change."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tenants import provision
from tenants.db import db
from tests.support.workers import run_flask


def _registry():
    with db.engine.connect() as conn:
        return conn.execute(
            text("SELECT slug, status, region_code FROM province.tenants ORDER BY slug")
        ).all()


def _schemas():
    with db.engine.connect() as conn:
        return set(
            conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'")).scalars()
        )


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["create", "Bad-Slug", "--name", "x", "--region-code", "139900"], 2, "invalid tenant slug"),
        (["create", "x", "--name", "x", "--region-code", "139901"], 2, "invalid tenant slug"),
        (["create", "okslug", "--name", "x", "--region-code", "13"], 2, "invalid region code"),
        (["create", "shijiazhuang", "--name", "石家庄市", "--region-code", "130100"], 3, "already exists"),
        (["create", "other_city", "--name", "x", "--region-code", "130100"], 3, "already belongs to"),
        (["drop", "tangshan"], 2, "--yes"),
        (["drop", "province", "--yes"], 2, "never dropped"),
        (["drop", "no_such_city", "--yes"], 3, "unknown tenant"),
        (["migrate"], 2, "--all"),
        (["migrate", "--all", "--lock-timeout", "5s; DROP SCHEMA x"], 2, "invalid lock timeout"),
    ],
)
def test_bad_cli_input_fails_clearly_and_changes_nothing(app_ctx, cli, two_tenants, args, code, message):
    before, schemas = _registry(), _schemas()
    result = cli.invoke(args=["tenants", *args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert _registry() == before
    assert _schemas() == schemas


def test_create_list_drop_round_trip(app_ctx, cli):
    result = cli.invoke(
        args=["tenants", "create", "xiongan", "--name", "雄安新区", "--region-code", "133100"]
    )
    assert result.exit_code == 0, result.output
    assert "active in schema t_xiongan" in result.output
    listing = cli.invoke(args=["tenants", "list"])
    assert "xiongan" in listing.output and "active" in listing.output
    assert "t_xiongan" in _schemas()
    result = cli.invoke(args=["tenants", "drop", "xiongan", "--yes"])
    assert result.exit_code == 0, result.output
    assert "t_xiongan" not in _schemas()
    assert "xiongan" not in [r.slug for r in _registry()]


def test_failed_step_leaves_tenant_failed_and_create_resumes(app_ctx):
    calls = {"n": 0}

    def flaky(ref):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("IdP unreachable")

    provision.register_step("test-flaky", flaky)
    try:
        with pytest.raises(provision.ProvisioningFailed, match="IdP unreachable"):
            provision.create_tenant("resumecity", name="续建市", region_code="139800")
        row = next(r for r in _registry() if r.slug == "resumecity")
        assert row.status == "failed"
        ref = provision.create_tenant("resumecity", name="续建市", region_code="139800")
        assert ref.status == "active" and calls["n"] == 2
        with pytest.raises(provision.TenantExists):
            provision.create_tenant("resumecity", name="续建市", region_code="139800")
    finally:
        provision._steps[:] = [s for s in provision._steps if s.name != "test-flaky"]
        provision.drop_tenant("resumecity", yes=True)


def test_cli_exit_code_in_a_real_process(services, two_tenants):
    result = run_flask(services, "tenants", "create", "9bad", "--name", "x", "--region-code", "130100")
    assert result.returncode == 2
    assert "invalid tenant slug" in result.stderr
