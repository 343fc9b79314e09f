"""The request constraints /openapi.json declares, read from the contract's comments, match
what the server enforces (issue 10: the document was looser than the validation)."""

import json

import pytest

from server.contract.openapi_constraints import constrain
from tests.conftest import ROOT


@pytest.mark.parametrize(
    "doc, kind, expected",
    [
        ("Optional. Only this account's transactions (UUID).", "string", {"format": "uuid"}),
        ("The invitation's id (UUID), or the token of its link.", "string", {}),
        (
            "Optional. Page size, 1 to 100; 50 by default.",
            "integer",
            {"minimum": 1, "maximum": 100},
        ),
        ("Optional. 1-based page; 1 by default.", "integer", {"minimum": 1}),
        ("Required. 1 to 100 characters.", "string", {"minLength": 1, "maxLength": 100}),
        (
            "Required. At least 8 and at most 128 characters.",
            "string",
            {"minLength": 8, "maxLength": 128},
        ),
        (
            "Optional. `MONTHLY`, `QUARTERLY`, `YEARLY` or `CUSTOM`.",
            "string",
            {"enum": ["MONTHLY", "QUARTERLY", "YEARLY", "CUSTOM"]},
        ),
        ("Required for `custom`: the first day, `YYYY-MM-DD`.", "string", {"format": "date"}),
        ("Optional. From this date (`YYYY-MM-DD`) or instant (RFC 3339).", "string", {}),
        ("The asset's path below `/docs/`, e.g. `swagger-ui.css`.", "string", {}),
    ],
)
def test_wording_becomes_constraints(doc, kind, expected):
    assert constrain({"type": kind}, doc) == {"type": kind, **expected}


def test_the_document_declares_them():
    spec = json.loads((ROOT / "gen" / "openapi.json").read_text())
    sign_up = spec["components"]["schemas"]["fingate.auth.v1.SignUpRequest"]["properties"]
    assert sign_up["email"]["format"] == "email"
    assert (sign_up["password"]["minLength"], sign_up["password"]["maxLength"]) == (8, 128)
    params = {
        p["name"]: p["schema"]
        for p in spec["paths"]["/api/v1/banking/transactions"]["get"]["parameters"]
    }
    assert params["limit"]["minimum"] == 1 and params["limit"]["maximum"] == 100
    assert params["accountId"]["format"] == "uuid"
