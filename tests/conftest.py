"""Shared fixtures: retries that do not wait."""

from __future__ import annotations

import pytest

from sspr_audit.collect import retry
from tests.builders import FAST_BASE_DELAY


@pytest.fixture
def fast_retries(monkeypatch):
    """Lower the collector's default back-off, so the demo's failing users are given up in milliseconds.

    Only the pace changes: every retry is still made, and the users still come out as failed.
    """
    monkeypatch.setattr(retry, "DEFAULT_BASE_DELAY", FAST_BASE_DELAY)
