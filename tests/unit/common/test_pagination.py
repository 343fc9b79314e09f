import pytest

from server.common.pagination import PageRequest, page_request, pagination
from server.common.validation import Violations
from server.errors import InvalidInput


def test_absent_page_and_limit_take_the_defaults():
    v = Violations()
    assert page_request(v, None, None) == PageRequest(page=1, limit=50)
    assert page_request(v, None, None, default_limit=20).limit == 20
    assert v.items == []


@pytest.mark.parametrize(
    ("page", "limit", "fields"),
    [(0, None, ["page"]), (-3, None, ["page"]), (None, 0, ["limit"]), (None, 101, ["limit"]),
     (0, 101, ["page", "limit"])],
)  # fmt: skip
def test_out_of_range_values_are_field_violations(page, limit, fields):
    v = Violations()
    page_request(v, page, limit)
    assert [i.field for i in v.items] == fields
    with pytest.raises(InvalidInput):
        v.raise_if_any()


def test_bounds_are_accepted():
    v = Violations()
    assert page_request(v, 1, 1) == PageRequest(page=1, limit=1)
    assert page_request(v, 7, 100).offset == 600
    assert v.items == []


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (50, 1), (51, 2), (1234, 25)])
def test_pages_is_total_over_limit_rounded_up(total, pages):
    p = pagination(PageRequest(page=1, limit=50), total)
    assert (p.page, p.limit, p.total, p.pages) == (1, 50, total, pages)
