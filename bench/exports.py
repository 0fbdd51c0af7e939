"""Background exports: what the progress bar costs, and CSV vs Excel, over 100,000 orders, in one run.

- seeds one demo city with the generator and COPY (``bench.province.load_city``: orders and
  PII-free facts), then VACUUM ANALYZE;
- builds the whole order list as the rq job does (``app.exports.service.build``: count, rows from
  ``app.province.exports``, the writer, a progress note in its own transaction every 1,000 rows,
  the file stored in ``province.export_files``) and, interleaved, the same rows written with no
  progress notes and no storing (``formats.write`` alone), for CSV and for Excel.

Target: the job at most 1.2x the bare writer (medians): the progress bar and the stored file
are cheap next to reading and formatting the rows. ``python -m bench exports [--orders N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

from .common import scratch_database, server_urls, table
from .province import load_city

CITY = "shijiazhuang"
RATIO_TARGET = 1.2


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench exports")
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from app import create_app
    from app.auth.principal import Principal
    from app.demo.province import city, ensure_demo_province
    from app.exports import formats, service
    from app.exports.models import ExportFile
    from app.province import exports as province_exports
    from tenants.context import lookup
    from tenants.db import db

    _, redis = server_urls()
    rows, ok = [], True
    with scratch_database("bench_exports") as url:
        app = create_app(database_url=url, redis_url=redis, app_env="test", instance_path=tempfile.mkdtemp())
        with app.app_context():
            ensure_demo_province([CITY], progress=lambda _m: None)
            ref = lookup(CITY, fresh=True)
            started = time.perf_counter()
            load_city((url, city(CITY), ref.id, args.orders))
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
            seeded = time.perf_counter() - started
            who = Principal("user:bench", "province.supervisor", frozenset({"province_supervisor"}))
            service.enqueue = lambda *a, **k: None  # the job runs here, timed, instead of in a worker
            rows.append(("orders (generator -> COPY) / seeding time", f"{args.orders:,} / {seeded:.0f} s"))
            for fmt in ("csv", "xlsx"):
                job_t, bare_t, size = [], [], 0
                for _ in range(args.repeat):  # interleaved: both see the same machine
                    export = service.request(who, "orders", fmt, {})
                    db.session.commit()
                    started = time.perf_counter()
                    assert service.build(export.id) == "done"
                    job_t.append(time.perf_counter() - started)
                    db.session.expire_all()
                    done = db.session.get(ExportFile, export.id)
                    assert done.done_rows == done.total_rows == args.orders, (done.done_rows, done.total_rows)
                    size = len(service.download(who, export.id)[1])
                    started = time.perf_counter()
                    head, _total, it = province_exports.order_table({}, None)
                    formats.write(fmt, "orders", head, it)
                    bare_t.append(time.perf_counter() - started)
                    db.session.rollback()
                ratio = statistics.median(job_t) / statistics.median(bare_t)
                passed = ratio <= RATIO_TARGET
                ok &= passed
                rows += [
                    (
                        f"{fmt}: background job, median",
                        f"{statistics.median(job_t):.2f} s ({size / 1e6:.1f} MB)",
                    ),
                    (f"{fmt}: bare writer, median", f"{statistics.median(bare_t):.2f} s"),
                    (
                        f"{fmt}: job : bare (target <= {RATIO_TARGET}x)",
                        f"{ratio:.2f}x {'ok' if passed else 'MISSED'}",
                    ),
                ]
            db.remove()
    print(table(rows, ("measure", "value")))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
