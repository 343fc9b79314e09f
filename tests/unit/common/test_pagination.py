import pytest

from server.platform.common.pagination import PageRequest, page_request, pagination


def test_absent_page_and_limit_take_the_defaults():
    assert page_request(None, None) == PageRequest(page=1, limit=50)
    assert page_request(None, None, default_limit=20).limit == 20


def test_given_values_are_kept():
    # Their bounds are the declared `page`/`limit` rules (tests/unit/contract).
    assert page_request(1, 1) == PageRequest(page=1, limit=1)
    assert page_request(7, 100).offset == 600


@pytest.mark.parametrize(("total", "pages"), [(0, 0), (1, 1), (50, 1), (51, 2), (1234, 25)])
def test_pages_is_total_over_limit_rounded_up(total, pages):
    p = pagination(PageRequest(page=1, limit=50), total)
    assert (p.page, p.limit, p.total, p.pages) == (1, 50, total, pages)
