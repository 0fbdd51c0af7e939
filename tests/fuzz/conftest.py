"""Fuzzing runs last in a session (it writes whatever the API lets each role write: calendar
days, SLA policies, catalog entries, tenants), on orders seeded in every state.

Under xdist that holds for the worker that runs this module as long as files are handed out in
collection order (``make test`` passes ``--dist loadfile --no-loadscope-reorder``; the default
reorder by test count would put this module early and its writes would break later files)."""

from __future__ import annotations

import pytest

FUZZ_MODULE = "tests/fuzz/test_openapi_fuzz.py"
_results: list = []


def pytest_collection_modifyitems(session, config, items):
    fuzz = [item for item in items if item.nodeid.startswith(FUZZ_MODULE)]
    if fuzz:
        items[:] = [item for item in items if not item.nodeid.startswith(FUZZ_MODULE)] + fuzz


def pytest_terminal_summary(terminalreporter):
    if _results:
        terminalreporter.write_sep("-", "schemathesis requests per account")
        for result in _results:
            terminalreporter.write_line(result.summary())
        total = sum(r.generated for r in _results)
        terminalreporter.write_line(f"total: {total} requests over {len(_results)} accounts")


@pytest.fixture(scope="session")
def fuzz_runs(live_server, seeded_orders, tmp_path_factory):
    """Every account's run, started at once on ``FUZZ_JOBS`` workers (2: the server has a core too)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from tests.fuzz import runner

    seed = int(os.environ["FUZZ_SEED"]) if os.environ.get("FUZZ_SEED") else None
    workdir = tmp_path_factory.mktemp("fuzz")
    pool = ThreadPoolExecutor(max_workers=int(os.environ.get("FUZZ_JOBS", "2")))
    seconds = runner.budget_seconds()
    futures = {
        account.name: pool.submit(runner.run, account, live_server.url, workdir, seconds=seconds, seed=seed)
        for account in runner.ACCOUNTS
    }
    yield futures
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture
def fuzz_result(fuzz_runs):
    def result(account):
        done = fuzz_runs[account.name].result()
        _results.append(done)
        return done

    return result


@pytest.fixture(scope="session")
def seeded_orders(app, two_tenants, auth_headers):
    """Orders of shijiazhuang in every state, so lists and links hand the fuzzer real ids."""
    from tests.orders.conftest import OrdersApi

    orders = OrdersApi(app.test_client(), auth_headers)
    states = ("received", "dispatched", "in_progress", "replied", "closed", "returned", "reopened")
    return {state: orders.to_state(state)["id"] for state in states}
