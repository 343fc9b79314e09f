"""The sandbox's data generator (no processes): deterministic, pageable, advanceable."""

from __future__ import annotations

from server.dev.sandbox import ledger


def spec(seed: str = "item-1", count: int = 40) -> ledger.Spec:
    return ledger.Spec(seed=seed, count_per_account=count)


def everything(book: ledger.Ledger, at: int) -> list[ledger.Txn]:
    return list(book.snapshot(at, 0, 10**9))


def test_same_seed_same_data():
    a, b = ledger.Ledger(spec()), ledger.Ledger(spec())
    assert a.accounts == b.accounts
    assert everything(a, 0) == everything(b, 0)
    assert a.advance(added=2, posted=1, modified=1, removed=1) == b.advance(
        added=2, posted=1, modified=1, removed=1
    )
    assert everything(a, 1) == everything(b, 1)


def test_other_seed_other_data():
    a, b = ledger.Ledger(spec("item-1")), ledger.Ledger(spec("item-2"))
    assert [x.id for x in a.accounts] != [x.id for x in b.accounts]
    assert [t.amount_cents for t in everything(a, 0)] != [t.amount_cents for t in everything(b, 0)]


def test_pages_tile_the_snapshot_around_removals():
    book = ledger.Ledger(spec(count=30))
    book.advance(added=3, posted=2, modified=1, removed=4)
    whole = [t.id for t in everything(book, 1)]
    assert len(whole) == book.snapshot_size(1) == len(set(whole))
    for size in (1, 7, 25):
        paged = [
            t.id for offset in range(0, len(whole), size) for t in book.snapshot(1, offset, size)
        ]
        assert paged == whole


def test_old_versions_read_as_they_were():
    book = ledger.Ledger(spec(count=10))
    before = everything(book, 0)
    book.advance(added=1, posted=1, modified=1, removed=1)
    assert everything(book, 0) == before


def test_delta_matches_the_snapshots():
    book = ledger.Ledger(spec(count=12))
    book.advance(added=2, posted=1, modified=1, removed=1)
    book.advance(added=1, posted=1, modified=2, removed=0)
    old = {t.id: t for t in everything(book, 0)}
    new = {t.id: t for t in everything(book, 2)}
    changes = book.delta(0, 2)
    ids = {
        what: {book.txn_id(k) for w, k in changes if w == what}
        for what in ("added", "modified", "removed")
    }
    assert ids["added"] == set(new) - set(old)
    assert ids["removed"] == set(old) - set(new)
    assert ids["modified"] == {i for i in set(old) & set(new) if old[i] != new[i]}


def test_a_hundred_thousand_cost_nothing_until_paged():
    book = ledger.Ledger(spec(count=100_000))
    assert book.snapshot_size(0) == 300_000
    last = list(book.snapshot(0, 299_500, 500))
    assert len(last) == 500 and last[-1].key == (2, "b", 99_999)
