"""The real app plus two bench-only routes (never registered by ``app/``).

``gunicorn 'bench.authapp:create_bench_app()'``: ``/bench/open`` answers without looking at the
caller; ``/bench/authed`` first authenticates the bearer token exactly as every API view does
(``current_principal``: header parsing, verification, Principal). Nothing else differs.
"""

from __future__ import annotations

from flask import Flask, jsonify


def create_bench_app() -> Flask:
    from app import create_app
    from app.auth.http import current_principal

    app = create_app()

    @app.get("/bench/open")
    def bench_open():
        return jsonify(ok=True)

    @app.get("/bench/authed")
    def bench_authed():
        current_principal()
        return jsonify(ok=True)

    return app
