"""Fixtures of the chart tests: one Helm renderer per session and the two ci/ values files."""

from __future__ import annotations

import pytest

from .chart import Renderer, ci_values


@pytest.fixture(scope="session")
def render():
    renderer = Renderer()
    yield renderer
    renderer.close()


@pytest.fixture
def prod_values():
    """Production-shaped: every credential from Secrets the operator manages."""
    return ci_values("existing-secrets")


@pytest.fixture
def inline_values():
    """Trial-shaped: inline credentials, PostgreSQL and Redis by parts, realm import on."""
    return ci_values("inline")
