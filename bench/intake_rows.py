"""The same order row, as raw SQL, for the two floors of the intake bench."""

from __future__ import annotations

import os

INSERT_SQL = """
INSERT INTO t_shijiazhuang.orders (number, status, channel, appeal_type, category_code, urgency, title, content,
    caller_name, caller_phone_enc, caller_phone_hash, caller_phone_masked, confidential, address, created_by,
    due_at, warn_at)
VALUES ('RAW-' || nextval('t_shijiazhuang.order_number_seq'), 'received', %(channel)s, %(appeal_type)s,
    %(category_code)s, 'normal', %(title)s, %(content)s, %(name)s, %(enc)s, %(hash)s, %(masked)s, false,
    %(address)s, 'bench', now() + interval '3 days', now() + interval '2 days')
RETURNING id
"""


def body(i: int = 0) -> dict:
    return {
        "channel": "phone",
        "appeal_type": "complaint",
        "category_code": "0105",
        "title": "夜间施工噪音扰民",
        "content": "裕华区建华小区东侧工地每晚十一点后仍在施工，噪音很大，影响休息，希望尽快处理。",
        "caller": {"name": "张先生", "phone": f"139{i % 100_000_000:08d}"},
        "address": "建华南大街88号",
    }


def row_params(b: dict) -> dict:
    return {
        "channel": b["channel"],
        "appeal_type": b["appeal_type"],
        "category_code": b["category_code"],
        "title": b["title"],
        "content": b["content"],
        "name": b["caller"]["name"],
        "enc": os.urandom(40),
        "hash": "0" * 64,
        "masked": "139****0000",
        "address": b["address"],
    }
