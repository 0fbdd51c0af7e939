"""The hand-written caches became cachetools caches: same promises (expiry, scoped forgetting)."""

from __future__ import annotations

import time

from app import memo
from tenants import tenant_context

from .conftest import SJZ, TS


def test_memo_is_per_city_and_scope_and_forgotten_after_a_write(app_ctx, two_tenants, monkeypatch):
    loads: list[str] = []

    def load(tag):
        def run():
            loads.append(tag)
            return tag

        return run

    with tenant_context(SJZ):
        assert memo.memo("seams", "k", load("a")) == "a"
        assert memo.memo("seams", "k", load("b")) == "a"  # remembered
        assert memo.memo("other", "k", load("c")) == "c"  # another scope
    with tenant_context(TS):
        assert memo.memo("seams", "k", load("d")) == "d"  # another city
    with tenant_context(SJZ):
        memo.forget("seams")
        assert memo.memo("seams", "k", load("e")) == "e"
        assert memo.memo("other", "k", load("f")) == "c"  # other scopes stay
    with tenant_context(TS):
        assert memo.memo("seams", "k", load("g")) == "d"  # other cities stay
    assert loads == ["a", "c", "d", "e"]


def test_memo_entries_expire(app_ctx, two_tenants, monkeypatch):
    from cachetools import TTLCache

    monkeypatch.setattr(memo, "TTL", 0.05)
    monkeypatch.setattr(memo, "_caches", {})
    with tenant_context(SJZ):
        assert isinstance(memo._caches, dict)
        memo.memo("seams-ttl", 1, lambda: "old")
        assert isinstance(memo._caches[("t_shijiazhuang", "seams-ttl")], TTLCache)
        time.sleep(0.1)
        assert memo.memo("seams-ttl", 1, lambda: "new") == "new"


def test_a_verified_token_is_cached_until_it_expires(app):
    from app.auth.tokens import TokenVerifier
    from tests.support.identity import mint

    keys = app.extensions["devidp_keys"]
    calls = []

    def jwks():
        calls.append(1)
        return keys.jwks()

    live = app.extensions["token_verifier"]
    verifier = TokenVerifier(issuer=live.issuer, audience=live.audience, jwks_provider=jwks, leeway=0)
    token = mint(app, "agent@shijiazhuang", lifetime=2)
    first = verifier.principal(token)
    assert verifier.principal(token) is first  # the cache, not a second verification
    time.sleep(2.2)
    from app.auth.http import Unauthenticated

    try:
        verifier.principal(token)
    except Unauthenticated as exc:
        assert "expired" in str(exc)
    else:
        raise AssertionError("an expired token must not come back from the cache")


def test_the_tenant_registry_cache_is_dropped_on_invalidate(app_ctx, two_tenants):
    from tenants import context

    first = context.lookup(SJZ)
    assert context.lookup(SJZ) is first
    context.invalidate(SJZ)
    again = context.lookup(SJZ)
    assert again == first and again is not first
