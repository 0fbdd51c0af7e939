"""Run a rendered container's command on this machine, the way the kubelet would start it.

The environment is exactly what the pod spec builds (ConfigMaps, Secrets, ``$(VAR)``) plus what
the image provides (PATH, PYTHONPATH); nothing is inherited from the test process. Mounts are
directories under a scratch folder: the /tmp emptyDir and every configMap volume.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .chart import ROOT, Rendered, container_env

VENV_BIN = Path(sys.executable).parent


@dataclass
class Pod:
    proc: subprocess.Popen
    root: Path  # the scratch folder holding the mounts
    mounts: dict[str, Path]

    def path(self, in_container: str) -> Path:
        """Where a path inside the container lives on this machine."""
        return Path(_remap(in_container, self.mounts))

    def stop(self, timeout: float) -> int:
        """SIGTERM, as Kubernetes sends it, then wait up to the grace period."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
            raise

    def output(self) -> str:
        log = self.root / "pod.log"
        return log.read_text(errors="replace") if log.exists() else ""


def _remap(value: str, mounts: dict[str, Path]) -> str:
    for mount, local in sorted(mounts.items(), key=lambda m: -len(m[0])):
        if value == mount or value.startswith(mount + "/"):
            return str(local) + value[len(mount) :]
    return value


def start(
    rendered: Rendered,
    kind: str,
    name: str,
    scratch: Path,
    *,
    secrets: dict[str, dict[str, str]],
    extra_args: tuple[str, ...] = (),
) -> Pod:
    workload = rendered.get(kind, name)
    spec: dict[str, Any] = workload["spec"]["template"]["spec"]
    container = spec["containers"][0]
    root = scratch / name
    root.mkdir(parents=True, exist_ok=True)
    mounts: dict[str, Path] = {}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        volume = volumes[mount["name"]]
        local = root / mount["name"]
        local.mkdir(parents=True, exist_ok=True)
        if "configMap" in volume:
            data = rendered.get("ConfigMap", volume["configMap"]["name"])["data"]
            for key, text in data.items():
                (local / key).write_text(text, encoding="utf-8")
        else:
            assert "emptyDir" in volume, f"unexpected volume {volume}"
        mounts[mount["mountPath"]] = local
    env = {key: _remap(value, mounts) for key, value in container_env(rendered, container, secrets).items()}
    env["PATH"] = f"{VENV_BIN}{os.pathsep}/usr/local/bin:/usr/bin:/bin"  # the image's ENV
    env["PYTHONPATH"] = str(ROOT)
    command = [_remap(arg, mounts) for arg in container["command"]] + list(extra_args)
    command[0] = str(VENV_BIN / command[0])
    # a file, not a pipe: an unread pipe fills up and blocks a chatty process mid-way
    with (root / "pod.log").open("w") as log:
        proc = subprocess.Popen(
            command,
            cwd=ROOT,  # the image's WORKDIR /app holds the source
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
    return Pod(proc, root, mounts)
