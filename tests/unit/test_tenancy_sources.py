"""Which organization a request names, from its four sources."""

from __future__ import annotations

import uuid

import pytest

from server.platform.errors import InvalidInput, NotFound
from server.platform.tenancy.sources import read_sources, requested_organization

A, B = str(uuid.uuid4()), str(uuid.uuid4())


def named(path=None, query=None, header=None, field=""):
    return read_sources(original_path=path, query=query, header=header, field=field)


@pytest.mark.parametrize(
    "sources",
    [
        named(path=f"/api/v1/organizations/{A}/budgets"),
        named(path=f"/api/v1/organizations/{A}"),
        named(query=A),
        named(header=A),
        named(field=A),
        named(path=f"/api/v1/organizations/{A}/budgets", query=A, header=A, field=A),
    ],
)
def test_each_source_alone_or_agreeing(sources):
    assert requested_organization(sources) == uuid.UUID(A)


def test_none_means_the_personal_organization():
    assert requested_organization(named(path="/api/v1/budgets?page=2")) is None


@pytest.mark.parametrize(
    "sources",
    [
        named(path=f"/api/v1/organizations/{A}/budgets", header=B),
        named(query=A, field=B),
        named(query=f"{A},{B}"),
        named(header=A, field=B),
    ],
)
def test_disagreeing_sources_are_refused(sources):
    with pytest.raises(InvalidInput) as raised:
        requested_organization(sources)
    assert raised.value.violations[0].field == "organizationId"


def test_malformed_ids():
    with pytest.raises(NotFound):
        requested_organization(named(path="/api/v1/organizations/acme/budgets"))
    with pytest.raises(InvalidInput):
        requested_organization(named(header="org_123"))
