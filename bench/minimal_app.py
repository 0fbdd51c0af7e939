"""The floor for the intake bench: a minimal Flask endpoint doing one raw INSERT of the same row."""

from __future__ import annotations

import os
import threading

import psycopg
from flask import Flask, jsonify, request

from .intake_rows import INSERT_SQL, row_params

app = Flask(__name__)
_local = threading.local()
_URL = os.environ["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")


def _conn() -> psycopg.Connection:
    conn = getattr(_local, "conn", None)
    if conn is None or conn.closed:
        conn = _local.conn = psycopg.connect(_URL)
    return conn


@app.post("/raw")
def raw_insert():
    body = request.get_json()
    conn = _conn()
    with conn.transaction():
        order_id = conn.execute(INSERT_SQL, row_params(body)).fetchone()[0]
    return jsonify(id=order_id), 201
