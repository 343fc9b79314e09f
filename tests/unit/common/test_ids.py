import time
import uuid

from server.platform.common.ids import new_id, new_ids


def _millis(u: uuid.UUID) -> int:
    return u.int >> 80


def test_bulk_ids_are_version_7_distinct_and_stamped_now():
    before = time.time_ns() // 1_000_000
    ids = new_ids(1000)
    after = time.time_ns() // 1_000_000
    assert len(set(ids)) == 1000
    assert {u.version for u in ids} == {7}
    assert {u.variant for u in ids} == {uuid.RFC_4122}
    assert all(before <= _millis(u) <= after for u in ids)


def test_bulk_ids_sort_after_earlier_ids():
    earlier = new_id()
    time.sleep(0.002)
    assert all(u > earlier for u in new_ids(10))


def test_no_ids_asked_none_given():
    assert new_ids(0) == []
