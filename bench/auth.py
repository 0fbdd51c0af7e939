"""Cost of authentication: an authenticated no-op endpoint vs the same endpoint without auth.

One gunicorn (the ``make run`` settings: 2 workers x 4 threads) serves the real app plus the
two bench routes of ``bench/authapp.py``. The same client load, 16 keep-alive connections
(4 processes x 4 threads, each connection with its own token), is driven at each route in
turn, in five interleaved rounds; the overhead is the median of the per-round ratios.
Target: verification costs under 15% of the throughput. The raw RS256 verification (no
token cache) is measured too, in-process, to show what the verified-token cache saves.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from .common import ROOT, scratch_database, server_urls, table

TARGET = 0.15
PROCESSES, THREADS = 4, 4
SECONDS, WARMUP = 2.0, 0.3
ROUNDS = 5


def _client(port: int, path: str, tokens: list[str], seconds: float, out) -> None:
    """One load process: THREADS keep-alive connections hammering ``path`` for ``seconds``."""
    counts = [0] * len(tokens)
    errors = [0]
    start = time.monotonic() + WARMUP
    stop = start + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        headers = {"Authorization": f"Bearer {tokens[i]}"}
        while (now := time.monotonic()) < stop:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors[0] += 1
            elif now >= start:
                counts[i] += 1
        conn.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((sum(counts), errors[0]))


def _load(port: int, path: str, tokens: list[str]) -> float:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(port, path, tokens[i * THREADS : (i + 1) * THREADS], SECONDS, out))
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=SECONDS + 60) for _ in procs]
    for p in procs:
        p.join()
    done, errors = sum(r[0] for r in results), sum(r[1] for r in results)
    if errors:
        raise RuntimeError(f"{errors} non-200 answers from {path}")
    return done / SECONDS


def _wait(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/bench/open")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def _tokens(instance: Path, issuer: str, n: int) -> list[str]:
    """Tokens as the dev IdP issues them (same key, claims and lifetime), one per connection."""
    from integrations.keycloak.devidp.keys import KeyStore

    keys = KeyStore(instance / "idp")
    return [
        keys.sign(
            {
                "iss": issuer,
                "aud": "hotline-api",
                "sub": f"bench-{i}",
                "typ": "Bearer",
                "azp": "hotline-web",
                "preferred_username": f"dispatcher{i}@shijiazhuang",
                "realm_access": {"roles": ["dispatcher"]},
                "tenant": "shijiazhuang",
            },
            lifetime=600,
        )
        for i in range(n)
    ]


def _raw_verify_us(instance: Path, issuer: str, tokens: list[str]) -> tuple[float, float]:
    """Microseconds per verification: without the token cache (RS256 every time) and with it."""
    from app.auth.tokens import TokenVerifier
    from integrations.keycloak.devidp.keys import KeyStore

    keys = KeyStore(instance / "idp")
    cold = TokenVerifier(issuer=issuer, audience="hotline-api", jwks_provider=keys.jwks, cache_size=0)
    warm = TokenVerifier(issuer=issuer, audience="hotline-api", jwks_provider=keys.jwks)
    out = []
    for verifier in (cold, warm):
        verifier.principal(tokens[0])
        started = time.perf_counter()
        for i in range(2000):
            verifier.principal(tokens[i % len(tokens)])
        out.append((time.perf_counter() - started) / 2000 * 1e6)
    return out[0], out[1]


def main(argv: list[str]) -> int:
    _, redis = server_urls()
    instance = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    issuer = f"{public}/idp/realms/hotline"
    with scratch_database("bench_auth") as url:
        env = dict(
            os.environ,
            DATABASE_URL=url,
            REDIS_URL=redis,
            INSTANCE_PATH=str(instance),
            PUBLIC_URL=public,
            APP_ENV="development",
            LOG_LEVEL="WARNING",
        )
        cmd = [
            sys.executable,
            "-m",
            "gunicorn",
            "bench.authapp:create_bench_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ]
        server = subprocess.Popen(cmd, cwd=ROOT, env=env)
        try:
            _wait(port, server)
            tokens = _tokens(instance, issuer, PROCESSES * THREADS)
            rates: dict[str, list[float]] = {"/bench/open": [], "/bench/authed": []}
            for i in range(ROUNDS):  # interleaved, alternating order: drift hits both alike
                for path in list(rates)[:: 1 if i % 2 == 0 else -1]:
                    rates[path].append(_load(port, path, tokens))
        finally:
            server.terminate()
            server.wait(15)
    cold_us, warm_us = _raw_verify_us(instance, issuer, tokens)
    ratios = [a / o for a, o in zip(rates["/bench/authed"], rates["/bench/open"], strict=True)]
    overhead = 1 - statistics.median(ratios)
    rows = [
        (label, f"{statistics.median(rates[path]):,.0f}", " ".join(f"{r:,.0f}" for r in rates[path]))
        for label, path in (("no auth", "/bench/open"), ("bearer auth", "/bench/authed"))
    ]
    print(table(rows, ("endpoint", "req/s (median)", "rounds")))
    print(f"verification overhead: {overhead * 100:.1f}% (median of {ROUNDS} paired rounds; target < 15%)")
    print(
        f"one verification in-process: {cold_us:.0f} us RS256, {warm_us:.1f} us from the verified-token cache"
    )
    return 0 if overhead < TARGET else 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
