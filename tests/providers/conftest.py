"""Adapters against the test stack's provider sandbox (its own process, as in production the
providers are): the real plaid-python client and httpx, no mocks. The fixtures (`knobs`,
`plaid_provider`, `teller_provider`, `provider_settings`) live in tests/conftest.py."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def teller_token() -> str:
    """A fresh enrollment per test: sandbox state (knobs) is per token."""
    return f"test_token_{uuid.uuid4().hex}"
