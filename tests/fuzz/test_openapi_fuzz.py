"""Schemathesis over the live OpenAPI, as every role, over real HTTP with real tokens.

Each account gets ``FUZZ_SECONDS`` (10 by default, about a minute for all) or ``FUZZ_MINUTES``
(``make fuzz``) across all four phases. Any 5xx, an undocumented status or a response that does
not match its schema fails the account's test, with the fuzzer's curl line for each failure;
keep that request as a regression in tests/fuzz/test_regressions.py once fixed.
"""

from __future__ import annotations

import pytest

from tests.fuzz import runner


@pytest.mark.slow
@pytest.mark.parametrize("account", runner.ACCOUNTS, ids=str)
def test_no_server_error_and_the_spec_holds(account, fuzz_result):
    result = fuzz_result(account)
    for stage in result.stages:
        assert stage.report, f"schemathesis wrote no report (exit {stage.exit_code}):\n{stage.output[-5000:]}"
    assert not result.errors, result.explain()
    assert not result.failures, result.explain()
    assert all(stage.exit_code == 0 for stage in result.stages), result.explain()
    assert set(result.phases) == set(runner.PHASES), result.summary()
    assert all(status in ("success", "skip") for status in result.phases.values()), result.summary()
    if result.seconds >= 60:
        # a long run really ran: every phase had its turn and requests went out (in seconds on a
        # busy machine a phase may skip when its share of the time is gone before it starts)
        assert all(status == "success" for status in result.phases.values()), result.summary()
        assert result.generated > 100, result.summary()
