"""provider_for: the adapter per provider name; MX and unknown names refused clearly."""

from __future__ import annotations

import pytest

from server.providers.plaid import PlaidProvider
from server.providers.registry import UnsupportedProvider, provider_for
from server.providers.teller import TellerProvider
from tests.secrets import make_settings


def test_known_providers_any_case():
    settings = make_settings()
    assert isinstance(provider_for("PLAID", settings), PlaidProvider)
    assert isinstance(provider_for("teller", settings), TellerProvider)
    assert provider_for("Plaid", settings).name == "PLAID"


def test_mx_is_coming_soon():
    with pytest.raises(UnsupportedProvider, match="MX is coming soon"):
        provider_for("MX", make_settings())


def test_unknown_provider():
    with pytest.raises(UnsupportedProvider, match="unknown provider 'YODLEE'"):
        provider_for("YODLEE", make_settings())
