"""Front-end assets served from the app (no CDN: government networks are isolated).

Each file comes from a published npm package, pinned here with its licence. ``fetch``
downloads the packages again with the ordinary npm client (``npm pack``, which checks the
registry's integrity hash), copies the listed files under ``static/vendor/`` and writes
``MANIFEST.json`` (package, version, licence, npm integrity, sha256 and size of every file).
``check`` recomputes the sha256 of the files on disk offline; a test runs it.

    python -m admin_portal.vendor fetch     # again from the npm registry
    python -m admin_portal.vendor check     # the files on disk match the manifest
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

VENDOR = Path(__file__).resolve().parent / "static" / "vendor"
MANIFEST = VENDOR / "MANIFEST.json"


@dataclass(frozen=True)
class Package:
    name: str
    version: str
    license: str
    files: dict[str, str]  # path inside the tarball -> path under static/vendor/

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"


PACKAGES = (
    Package(
        "bootstrap",
        "5.3.8",
        "MIT",
        {
            "package/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
            "package/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
            "package/LICENSE": "bootstrap/LICENSE",
        },
    ),
    Package(
        "htmx.org",
        "2.0.11",
        "0BSD",
        {"package/dist/htmx.min.js": "htmx/htmx.min.js", "package/LICENSE": "htmx/LICENSE"},
    ),
    Package(  # the dashboards of the provincial portal (part 2 of the web)
        "echarts",
        "6.1.0",
        "Apache-2.0",
        {
            "package/dist/echarts.min.js": "echarts/echarts.min.js",
            "package/LICENSE": "echarts/LICENSE",
            "package/NOTICE": "echarts/NOTICE",
        },
    ),
    Package(  # 4.9.0 is the last release shipping the province outlines; Hebei's 11 cities
        "echarts",
        "4.9.0",
        "Apache-2.0",
        {
            "package/map/json/province/hebei.json": "echarts-maps/hebei.json",
            "package/LICENSE": "echarts-maps/LICENSE",
        },
    ),
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pack(pkg: Package, workdir: Path) -> tuple[Path, str]:
    """``npm pack`` one package version; returns (tarball, npm integrity)."""
    out = subprocess.run(
        ["npm", "pack", pkg.spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(out.stdout)[0]
    return workdir / info["filename"], info["integrity"]


def fetch() -> dict:
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for pkg in PACKAGES:
            tarball, integrity = _pack(pkg, Path(tmp))
            with tarfile.open(tarball) as tar:
                for inner, target in pkg.files.items():
                    member = tar.extractfile(inner)
                    if member is None:
                        raise SystemExit(f"{pkg.spec} has no {inner}")
                    dest = VENDOR / target
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(member.read())
                    entries.append(
                        {
                            "path": target,
                            "package": pkg.name,
                            "version": pkg.version,
                            "license": pkg.license,
                            "source": f"npm:{pkg.spec} {inner.removeprefix('package/')}",
                            "npm_integrity": integrity,
                            "sha256": sha256(dest),
                            "bytes": dest.stat().st_size,
                        }
                    )
    manifest = {"generated_by": "python -m admin_portal.vendor fetch", "files": entries}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def check() -> list[str]:
    """Problems with the vendored files (empty when every file matches the manifest)."""
    manifest = json.loads(MANIFEST.read_text())
    problems = []
    listed = set()
    for entry in manifest["files"]:
        path = VENDOR / entry["path"]
        listed.add(entry["path"])
        if not path.is_file():
            problems.append(f"missing {entry['path']}")
        elif sha256(path) != entry["sha256"]:
            problems.append(f"{entry['path']} differs from its recorded sha256")
    for path in VENDOR.rglob("*"):
        rel = path.relative_to(VENDOR).as_posix()
        if path.is_file() and rel != MANIFEST.name and rel not in listed:
            problems.append(f"{rel} is not in the manifest")
    return problems


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "fetch":
        manifest = fetch()
        print(f"fetched {len(manifest['files'])} files into {VENDOR}")
        return 0
    if command == "check":
        problems = check()
        for p in problems:
            print(p)
        return 1 if problems else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
