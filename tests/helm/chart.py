"""The chart under test: values, Helm rendering (Helm's own Go engine) and what pods would see.

Rendering goes through ``helm-python-sdk`` (libhelm_c: Helm v4's Go SDK behind a C ABI), run in
one subprocess per session (tests/helm/renderer.py) so the Go runtime never lives inside the
pytest process that forks rq workers and migration processes.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: the realm ConfigMap is 260 kB
ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "hotline"
RELEASE = "hotline"
NAMESPACE = "hotline"

# A throwaway 32-byte key per PII secret (base64url, no padding), never used outside tests.
PII_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
PII_HASH = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def default_values() -> dict[str, Any]:
    return load_yaml(CHART / "values.yaml")


def ci_values(name: str) -> dict[str, Any]:
    return load_yaml(CHART / "ci" / f"{name}-values.yaml")


def merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of a values file over the chart's defaults (maps merge, the rest replaces)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def setting(values: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``values`` with ``a.b.c`` set (None deletes the key)."""
    out = copy.deepcopy(values)
    node = out
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    if value is None:
        node.pop(last, None)
    else:
        node[last] = value
    return out


class RenderError(Exception):
    """Helm refused to render (a failed `required`, `fail` or schema validation)."""


@dataclass
class Rendered:
    files: dict[str, str]
    objects: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name, text in self.files.items():
            if name.endswith(".yaml"):
                self.objects.extend(doc for doc in yaml.load_all(text, Loader=_Loader) if doc)

    @property
    def notes(self) -> str:
        return next((text for name, text in self.files.items() if name.endswith("NOTES.txt")), "")

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.all(kind) if o["metadata"]["name"] == name]
        assert found, (
            f"no {kind} {name}; rendered: {[(o['kind'], o['metadata']['name']) for o in self.objects]}"
        )
        return found[0]

    def has(self, kind: str, name: str) -> bool:
        return any(o["metadata"]["name"] == name for o in self.all(kind))

    def workloads(self) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] in ("Deployment", "Job")]

    def containers(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(workload, container) for every container of every Deployment and Job."""
        return [(w, c) for w in self.workloads() for c in w["spec"]["template"]["spec"]["containers"]]


class Renderer:
    """One long-lived renderer process; each call sends values and reads back manifests."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("renderer.py")), str(CHART)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def __call__(self, values: dict[str, Any] | None, *, upgrade: bool = False) -> Rendered:
        request = {"values": values, "name": RELEASE, "namespace": NAMESPACE, "upgrade": upgrade}
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("renderer died: " + (self.proc.stderr.read() if self.proc.stderr else ""))
        answer = json.loads(line)
        if "error" in answer:
            raise RenderError(answer["error"])
        return Rendered(answer["files"])

    def lint(self, values: dict[str, Any] | None) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps({"lint": True, "values": values}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(10)


# -- what a container would see ---------------------------------------------------------------

_VAR_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def container_env(
    rendered: Rendered, container: dict[str, Any], secrets: dict[str, dict[str, str]] | None = None
) -> dict[str, str]:
    """The environment the kubelet would build: envFrom ConfigMaps, then env in order, with
    secretKeyRefs read from the rendered Secrets or ``secrets`` (Secrets the user manages) and
    ``$(VAR)`` expanded from variables defined before."""
    import base64

    known: dict[str, dict[str, str]] = {}
    for secret in rendered.all("Secret"):
        data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        known[secret["metadata"]["name"]] = data | (secret.get("stringData") or {})
    known.update(secrets or {})
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(rendered.get("ConfigMap", source["configMapRef"]["name"])["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = _VAR_REF.sub(lambda m: env.get(m.group(1), m.group(0)), str(item["value"]))
        else:
            ref = item["valueFrom"]["secretKeyRef"]
            assert ref["name"] in known, f"{item['name']}: Secret {ref['name']} is neither rendered nor given"
            assert ref["key"] in known[ref["name"]], f"{item['name']}: no key {ref['key']} in {ref['name']}"
            env[item["name"]] = known[ref["name"]][ref["key"]]
    return env


def env_names(rendered: Rendered, container: dict[str, Any]) -> set[str]:
    """Names a container gets, without resolving any value."""
    names = {item["name"] for item in container.get("env", [])}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            names |= set(rendered.get("ConfigMap", source["configMapRef"]["name"])["data"])
    return names


def secret_refs(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """env name -> (Secret name, key) of every secretKeyRef."""
    return {
        item["name"]: (item["valueFrom"]["secretKeyRef"]["name"], item["valueFrom"]["secretKeyRef"]["key"])
        for item in container.get("env", [])
        if "secretKeyRef" in item.get("valueFrom", {})
    }
