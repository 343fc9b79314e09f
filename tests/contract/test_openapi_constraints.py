"""/openapi.json states the rules the request fields declare
(server/platform/contract/openapi_constraints.py), the same rules the server enforces."""

import json

from tests.conftest import ROOT

SPEC = json.loads((ROOT / "gen" / "openapi.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]


def _properties(name: str) -> dict:
    return SCHEMAS[name]["properties"]


def _parameters(path: str, verb: str = "get") -> dict:
    return {p["name"]: p for p in SPEC["paths"][path][verb]["parameters"]}


def test_string_rules():
    sign_up = _properties("fingate.auth.v1.SignUpRequest")
    assert sign_up["email"]["format"] == "email" and sign_up["email"]["maxLength"] == 254
    assert (sign_up["password"]["minLength"], sign_up["password"]["maxLength"]) == (8, 128)
    assert sign_up["firstName"]["minLength"] == 1 and sign_up["firstName"]["pattern"] == r"\S"
    assert sign_up["dateOfBirth"]["format"] == "date"
    assert sign_up["phone"]["pattern"].startswith("^")
    assert SCHEMAS["fingate.auth.v1.SignUpRequest"]["required"] == [
        "email",
        "password",
        "firstName",
        "lastName",
    ]
    slug = _properties("fingate.organizations.v1.CreateOrganizationRequest")["slug"]
    assert (slug["minLength"], slug["maxLength"]) == (3, 60)


def test_choices_in_any_letter_case_are_published_as_their_documented_spelling():
    role = _parameters("/api/v1/admin/users")["role"]["schema"]
    assert role["enum"] == ["USER", "PREMIUM", "ADMIN"] and "pattern" not in role


def test_numbers_lists_and_nested_inputs():
    budget = _properties("fingate.budgets.v1.CreateBudgetRequest")
    assert budget["amount"]["minimum"] == 0 and budget["amount"]["exclusiveMinimum"] is True
    assert budget["alerts"]["maxItems"] == 10
    threshold = _properties("fingate.budgets.v1.AlertInput")["threshold"]
    assert (threshold["minimum"], threshold["maximum"]) == (1, 1000)
    token = _properties("fingate.banking.v1.TellerEnrollment")["accessToken"]
    assert token["maxLength"] == 512


def test_query_parameters():
    params = _parameters("/api/v1/banking/transactions")
    assert params["limit"]["schema"]["minimum"] == 1 and params["limit"]["schema"]["maximum"] == 100
    assert params["page"]["schema"]["minimum"] == 1
    assert params["accountId"]["schema"]["format"] == "uuid"
    assert params["searchText"]["schema"]["maxLength"] == 200
