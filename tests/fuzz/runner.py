"""Run schemathesis over the live OpenAPI of a served app, as one account, in its own process.

Used by ``tests/fuzz/test_openapi_fuzz.py`` (a few seconds per account inside ``make test``) and
by ``make fuzz`` (``FUZZ_MINUTES`` per account). The fuzzer gets real tokens from the dev IdP
through ``tests/fuzz/hooks.py``; the accounts are the realm's demo users and service accounts.
Every phase runs (examples, coverage, fuzzing, stateful), sharing the time budget
(schemathesis keeps a share for the later phases); operations come from the spec, so new
endpoints are fuzzed without a change here.
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
    Account("other_city_agent", "user:agent@tangshan"),
    Account("province_admin_any_tenant", "user:province.admin", tenant=None),
)


@dataclass
class FuzzResult:
    account: Account
    seconds: int
    exit_code: int
    report: dict = field(repr=False)
    output: str = field(repr=False)

    @property
    def generated(self) -> int:
        """Test cases schemathesis generated and sent (a stateful scenario counts its steps)."""
        return int(self.report.get("test_cases", {}).get("generated", 0))

    @property
    def failures(self) -> list[dict]:
        return list(self.report.get("failures", []))

    @property
    def errors(self) -> list:
        return list(self.report.get("errors", []))

    @property
    def phases(self) -> dict[str, str]:
        return {name: p.get("status") for name, p in self.report.get("phases", {}).items()}

    def summary(self) -> str:
        phases = ", ".join(f"{k} {v}" for k, v in self.phases.items())
        return f"{self.account}: {self.generated} requests in {self.seconds} s ({phases})"

    def explain(self) -> str:
        """The fuzzer's own account of what failed (with a curl line per failure), for assert messages."""
        failing = self.output.split("FAILURES", 1)[-1] if "FAILURES" in self.output else self.output
        return failing[-20000:]


def budget_seconds() -> int:
    """``FUZZ_MINUTES`` (make fuzz) or ``FUZZ_SECONDS`` per account; a few seconds in make test."""
    if os.environ.get("FUZZ_MINUTES"):
        return max(1, round(float(os.environ["FUZZ_MINUTES"]) * 60))
    return int(os.environ.get("FUZZ_SECONDS", "5"))


def _toml(value) -> str:
    return json.dumps(value)  # JSON strings, numbers, booleans and arrays are valid TOML


def write_config(path: Path, account: Account, workdir: Path, seed: int | None) -> Path:
    lines = [
        "checks.enabled = false",
        *(f"checks.{name}.enabled = true" for name in CHECKS),
        "phases.enabled = false",
        *(f"phases.{name}.enabled = true" for name in PHASES),
        "generation.no-shrink = false",
        f"generation.database = {_toml(str(workdir / 'examples'))}",
        f"cache.directory = {_toml(str(workdir / 'cache'))}",
        "suppress-health-check = [\"all\"]",
        "workers = 1",
    ]
    if seed is not None:
        lines.append(f"seed = {seed}")
    if account.tenant:
        lines += ["[parameters]", f"tenant = {_toml(account.tenant)}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(account: Account, base_url: str, workdir: Path, *, seconds: int, seed: int | None = None) -> FuzzResult:
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(workdir / f"{account.name}.toml", account, workdir, seed)
    report_path = workdir / f"{account.name}.json"
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
    return FuzzResult(account, seconds, proc.returncode, report, proc.stdout + proc.stderr)
