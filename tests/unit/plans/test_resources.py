"""The counted-resource catalog (server/plans/resources.py) is complete and consistent."""

from __future__ import annotations

import dataclasses

import pytest

from server.plans import limits
from server.plans.catalog import PLANS, PlanLimits
from server.plans.resources import CATALOG, NOT_YET_COUNTED


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_resource_has_a_limit_or_none_on_every_plan(name):
    for plan in PLANS:
        limit = CATALOG[name].limit(plan)
        assert limit is None or (isinstance(limit, int) and limit >= 0)


@pytest.mark.parametrize("name", sorted(CATALOG))
def test_every_resource_reads_the_plan_limit_named_for_it(name):
    for plan in PLANS:
        assert CATALOG[name].limit(plan) == getattr(plan.limits, f"max_{name}")


def test_every_limit_the_plans_state_is_counted_or_known_to_be_still_to_come():
    stated = {f.name for f in dataclasses.fields(PlanLimits)}
    assert {f"max_{n}" for n in CATALOG} | {f"max_{n}" for n in NOT_YET_COUNTED} == stated
    assert not set(CATALOG) & set(NOT_YET_COUNTED)


def test_the_catalog_holds_what_creates_count():
    assert {"bank_accounts", "budgets"} <= set(CATALOG)


def test_an_unknown_resource_is_a_programming_error():
    with pytest.raises(KeyError):
        limits.counted("wigdets")
    # Not counted yet is not counted: a create that names one fails loudly, not silently.
    for name in NOT_YET_COUNTED:
        with pytest.raises(KeyError):
            limits.counted(name)


def test_every_catalogued_resource_takes_part_in_downgrade_checks():
    assert set(CATALOG) <= {r.name for r in limits.registered()}


def test_each_resource_counts_an_existing_table_by_organization():
    import server.schema  # noqa: F401  (every model on the metadata)
    from server.plans.resources import TABLES
    from server.schema import metadata

    assert set(TABLES) == set(CATALOG)
    for table_name in TABLES.values():
        assert "organization_id" in metadata.tables[table_name].c
