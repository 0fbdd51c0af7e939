"""Run schemathesis over the live OpenAPI of a served app, as one account, in its own process.

Used by ``tests/fuzz/test_openapi_fuzz.py`` (a few seconds per account inside ``make test``) and
by ``make fuzz`` (``FUZZ_MINUTES`` per account). The fuzzer gets real tokens from the dev IdP
through ``tests/fuzz/hooks.py``; the accounts are the realm's demo users and service accounts.
Operations come from the spec, so new endpoints are fuzzed without a change here.

Every phase runs (examples, coverage, fuzzing, stateful). In a long run one schemathesis process
shares the budget across them; in a budget of seconds, the first phases would spend it all, so
the short run splits them over three processes (``stages``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.services import ROOT

TARGET_TENANT = "shijiazhuang"
CHECKS = ("not_a_server_error", "status_code_conformance", "response_schema_conformance")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# In a short run each group of phases gets its own process and share of the time: coverage
# (boundary values: ids past the maximum, the longest strings), the documented examples, then
# fuzzing and stateful (which share theirs).
SHORT_STAGES = ((("coverage",), 0.3), (("examples",), 0.2), (("fuzzing", "stateful"), 0.5))


@dataclass(frozen=True)
class Account:
    """Who the fuzzer is: ``user:<username>`` (password grant) or ``client:<client_id>``."""

    name: str
    login: str
    tenant: str | None = TARGET_TENANT  # the {tenant} of every URL; None lets the fuzzer pick

    def __str__(self) -> str:
        return self.name


# Every role of the realm against shijiazhuang's URLs, another city's agent among them.
ACCOUNTS = (
    Account("agent", "user:agent@shijiazhuang"),
    Account("dispatcher", "user:dispatcher@shijiazhuang"),
    Account("handler", "user:handler.zjj@shijiazhuang"),
    Account("city_supervisor", "user:city_supervisor@shijiazhuang"),
    Account("province_supervisor", "user:province.supervisor"),
    Account("province_admin", "user:province.admin"),
    Account("api_client", "client:api-demo-shijiazhuang"),
    Account("emergency_system", "client:emergency-110-shijiazhuang"),
    Account("data_partner", "client:partner-demo-shijiazhuang"),
    Account("other_city_agent", "user:agent@tangshan"),
    Account("province_admin_any_tenant", "user:province.admin", tenant=None),
)


@dataclass
class StageResult:
    """One schemathesis process: its phases, exit code, JSON report and console output."""

    phases: tuple[str, ...]
    seconds: int
    exit_code: int
    report: dict = field(repr=False)
    output: str = field(repr=False)

    @property
    def generated(self) -> int:
        """Test cases schemathesis generated and sent (a stateful scenario counts its steps)."""
        return int(self.report.get("test_cases", {}).get("generated", 0))


@dataclass
class FuzzResult:
    account: Account
    stages: list[StageResult]

    @property
    def generated(self) -> int:
        return sum(stage.generated for stage in self.stages)

    @property
    def seconds(self) -> int:
        return sum(stage.seconds for stage in self.stages)

    @property
    def failures(self) -> list[dict]:
        return [f for stage in self.stages for f in stage.report.get("failures", [])]

    @property
    def errors(self) -> list:
        return [e for stage in self.stages for e in stage.report.get("errors", [])]

    @property
    def phases(self) -> dict[str, str]:
        """Each phase's status in the stage that ran it (success, failure, error or skip)."""
        return {
            name: stage.report.get("phases", {}).get(name, {}).get("status", "missing")
            for stage in self.stages
            for name in stage.phases
        }

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v}" for k, v in self.phases.items())
        return f"{self.account}: {self.generated} requests in {self.seconds} s ({phases})"

    def explain(self) -> str:
        """The fuzzer's own account of what failed (with a curl line per failure), for assert messages."""
        parts = []
        for stage in self.stages:
            out = stage.output
            parts.append(out.split("FAILURES", 1)[-1] if "FAILURES" in out else out[-3000:])
        return "\n".join(parts)[-20000:]


def budget_seconds() -> int:
    """``FUZZ_MINUTES`` (make fuzz) or ``FUZZ_SECONDS`` per account; a few seconds in make test."""
    if os.environ.get("FUZZ_MINUTES"):
        return max(1, round(float(os.environ["FUZZ_MINUTES"]) * 60))
    return int(os.environ.get("FUZZ_SECONDS", "10"))


def _toml(value) -> str:
    return json.dumps(value)  # JSON strings, numbers, booleans and arrays are valid TOML


def write_config(
    path: Path, account: Account, workdir: Path, phases: tuple[str, ...], seconds: int, seed: int | None
) -> Path:
    # few examples per operation and pass: the fuzzing phase cycles through every operation
    # again and again until the time is spent, instead of spending it all on the first ones
    max_examples = 5 if seconds < 60 else 25
    lines = [
        f"generation.max-examples = {max_examples}",
        "checks.enabled = false",
        *(f"checks.{name}.enabled = true" for name in CHECKS),
        *(f"phases.{name}.enabled = {_toml(name in phases)}" for name in PHASES),
        "generation.no-shrink = false",
        f"generation.database = {_toml(str(workdir / 'examples'))}",
        f"cache.directory = {_toml(str(workdir / 'cache'))}",
        'suppress-health-check = ["all"]',
        "workers = 1",
    ]
    if seed is not None:
        lines.append(f"seed = {seed}")
    if account.tenant:
        lines += ["[parameters]", f"tenant = {_toml(account.tenant)}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def stages(seconds: int) -> list[tuple[tuple[str, ...], int]]:
    """(phases, seconds) per process: all phases in one when the budget is minutes, else halves."""
    if seconds >= 30:
        return [(PHASES, seconds)]
    return [(phases, max(1, round(seconds * share))) for phases, share in SHORT_STAGES]


def run(
    account: Account, base_url: str, workdir: Path, *, seconds: int, seed: int | None = None
) -> FuzzResult:
    return FuzzResult(
        account,
        [
            run_stage(account, base_url, workdir / f"{account.name}-{i}", phases=phases, seconds=s, seed=seed)
            for i, (phases, s) in enumerate(stages(seconds))
        ],
    )


def run_stage(
    account: Account, base_url: str, workdir: Path, *, phases: tuple[str, ...], seconds: int, seed: int | None
) -> StageResult:
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(workdir / "schemathesis.toml", account, workdir, phases, seconds, seed)
    report_path = workdir / "report.json"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
        "FUZZ_IDP_URL": base_url + "/idp/",
        "FUZZ_ACCOUNT": account.login,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/api/openapi.json",
        "--max-time",
        str(seconds),
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
        "--no-color",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds * 2 + 300)
    report = json.loads(report_path.read_text()) if report_path.exists() else {}
    return StageResult(phases, seconds, proc.returncode, report, proc.stdout + proc.stderr)
