"""The chart's files: balanced templates, metadata in step with the project, the realm copy, lint."""

from __future__ import annotations

import re
import tomllib

import pytest

from .chart import CHART, ROOT, ci_values, load_yaml

TEMPLATES = sorted(p for p in (CHART / "templates").iterdir() if p.suffix in (".yaml", ".tpl", ".txt"))
ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
OPENERS = ("if", "range", "with", "define", "block")


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_are_balanced(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("{{") == text.count("}}"), "unpaired {{ }}"
    depth = 0
    for action in ACTION.findall(text):
        if action.startswith("/*"):
            assert action.endswith("*/"), f"unterminated comment: {action[:40]}"
            continue
        word = action.split(None, 1)[0] if action else ""
        if word in OPENERS:
            depth += 1
        elif word == "end":
            depth -= 1
            assert depth >= 0, "an end without its opener"
    assert depth == 0, f"{depth} block(s) without end"


def test_defines_live_in_partials_and_are_unique():
    names: list[str] = []
    for path in TEMPLATES:
        found = re.findall(r'\{\{-?\s*define\s+"([^"]+)"', path.read_text(encoding="utf-8"))
        if found:
            assert path.name.startswith("_"), f"{path.name} defines templates but is not a partial"
        names += found
    assert len(names) == len(set(names))
    assert all(n.startswith("hotline.") for n in names)


def test_chart_metadata_matches_the_project():
    chart = load_yaml(CHART / "Chart.yaml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "hotline"
    assert chart["type"] == "application"
    assert chart["appVersion"] == project["version"]


def test_the_realm_in_the_chart_is_the_repository_realm():
    """files/realm-hotline.json must be a byte copy; after regenerating the realm, run
    cp integrations/keycloak/realm-hotline.json helm/hotline/files/realm-hotline.json"""
    source = ROOT / "integrations" / "keycloak" / "realm-hotline.json"
    copy = CHART / "files" / "realm-hotline.json"
    assert copy.read_bytes() == source.read_bytes(), (
        "helm/hotline/files/realm-hotline.json is stale: cp integrations/keycloak/realm-hotline.json "
        "helm/hotline/files/realm-hotline.json"
    )


def test_the_image_build_context_holds_every_package():
    """Dockerfile.dockerignore allow-lists the context; a new top-level package must be added."""
    allowed = {
        line[1:].rstrip("/")
        for line in (CHART / "Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = {p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert packages | {"wsgi.py", "pyproject.toml"} <= allowed
    assert "instance" not in allowed  # embedded data and dev secrets never enter the image
    dockerfile = (CHART / "Dockerfile").read_text()
    assert "USER 10001" in dockerfile  # podSecurityContext.runAsUser
    assert re.search(r"^FROM .* AS build$", dockerfile, re.M)  # multi-stage: no compiler at runtime


def test_the_packaged_chart_leaves_the_image_build_out():
    ignored = (CHART / ".helmignore").read_text().splitlines()
    assert "Dockerfile" in ignored and "Dockerfile.dockerignore" in ignored


@pytest.mark.parametrize("name", ["existing-secrets", "inline"])
def test_helm_lint_strict_finds_nothing(render, name):
    report = render.lint(ci_values(name))
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []
