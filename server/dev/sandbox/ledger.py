"""Deterministic bank data behind the Plaid and Teller sandboxes: accounts and a transaction
history derived from a seed, plus a history of "advances" (new, posted, modified, removed
transactions) that a sync engine can be tested against.

Nothing here is stored per transaction: a transaction is derived from its key (account, kind,
index) and the seed, so a 100,000-transaction history costs nothing until a page of it is
rendered, and the same seed always renders the same data. Only advances are remembered; they
touch a handful of keys each.

Keys:
- `(a, "b", i)`: base transaction i of account a (i = 0 is the newest; the first few pending);
- `(a, "a", k, j)`: transaction j added by advance k (j = 0 is pending);
- `(a, "p", k, pending_key)`: the posted transaction that replaced `pending_key` at advance k.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

Key = tuple[Any, ...]

# A fixed end of history: the sandbox answers the same data whatever day it runs.
DEFAULT_END_DATE = dt.date(2025, 1, 31)
DEFAULT_DAYS = 90
DEFAULT_COUNT_PER_ACCOUNT = 25
MAX_COUNT_PER_ACCOUNT = 1_000_000
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class AccountKind:
    key: str  # what a client asks for (`options.accounts`)
    type: str  # Plaid account type
    subtype: str  # Plaid account subtype
    name: str
    has_transactions: bool
    teller_type: str = "depository"
    teller_subtype: str = "checking"


KINDS: dict[str, AccountKind] = {
    k.key: k
    for k in (
        AccountKind("checking", "depository", "checking", "Checking", True),
        AccountKind("savings", "depository", "savings", "Savings", True, "depository", "savings"),
        AccountKind("money market", "depository", "money market", "Money Market", True),
        AccountKind("cd", "depository", "cd", "CD", False),
        AccountKind("credit card", "credit", "credit card", "Credit Card", True, "credit"),
        AccountKind("brokerage", "investment", "brokerage", "Brokerage", False),
        AccountKind("ira", "investment", "ira", "IRA", False),
        AccountKind("roth", "investment", "roth", "Roth IRA", False),
        AccountKind("401k", "investment", "401k", "401k", False),
        AccountKind("hsa", "depository", "hsa", "Health Savings", False),
        AccountKind("mortgage", "loan", "mortgage", "Mortgage", False),
        AccountKind("student", "loan", "student", "Student Loan", False),
    )
}
DEFAULT_KINDS = ("checking", "savings", "credit card")


@dataclass(frozen=True, slots=True)
class Merchant:
    name: str | None
    description: str
    primary: str  # Plaid personal_finance_category.primary
    detailed: str  # Plaid personal_finance_category.detailed
    low: int  # amount range in cents, positive = money out (Plaid's sign)
    high: int
    channel: str  # Plaid payment_channel
    teller_category: str  # Teller details.category
    teller_type: str  # Teller transaction type


_SPENDING = (
    Merchant(
        "Starbucks",
        "STARBUCKS STORE #0412",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_COFFEE",
        350,
        1250,
        "in store",
        "dining",
        "card_payment",
    ),
    Merchant(
        "McDonald's",
        "MCDONALD'S F1234",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_FAST_FOOD",
        500,
        1800,
        "in store",
        "dining",
        "card_payment",
    ),
    Merchant(
        "Chipotle",
        "CHIPOTLE 0921",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_RESTAURANT",
        900,
        3200,
        "in store",
        "dining",
        "card_payment",
    ),
    Merchant(
        "Whole Foods Market",
        "WHOLEFDS MKT 10234",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        2500,
        18000,
        "in store",
        "groceries",
        "card_payment",
    ),
    Merchant(
        "Trader Joe's",
        "TRADER JOE'S #552",
        "FOOD_AND_DRINK",
        "FOOD_AND_DRINK_GROCERIES",
        1800,
        12000,
        "in store",
        "groceries",
        "card_payment",
    ),
    Merchant(
        "Shell",
        "SHELL OIL 57442",
        "TRANSPORTATION",
        "TRANSPORTATION_GAS",
        2500,
        8500,
        "in store",
        "fuel",
        "card_payment",
    ),
    Merchant(
        "Uber",
        "UBER *TRIP HELP.UBER.COM",
        "TRANSPORTATION",
        "TRANSPORTATION_TAXIS_AND_RIDE_SHARES",
        900,
        5500,
        "online",
        "transport",
        "card_payment",
    ),
    Merchant(
        "Amazon",
        "AMAZON.COM*2K4LM1",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_ONLINE_MARKETPLACES",
        1200,
        25000,
        "online",
        "shopping",
        "card_payment",
    ),
    Merchant(
        "Target",
        "TARGET T-1842",
        "GENERAL_MERCHANDISE",
        "GENERAL_MERCHANDISE_SUPERSTORES",
        1500,
        16000,
        "in store",
        "shopping",
        "card_payment",
    ),
    Merchant(
        "Netflix",
        "NETFLIX.COM",
        "ENTERTAINMENT",
        "ENTERTAINMENT_TV_AND_MOVIES",
        1549,
        2299,
        "online",
        "entertainment",
        "card_payment",
    ),
    Merchant(
        "Spotify",
        "SPOTIFY USA",
        "ENTERTAINMENT",
        "ENTERTAINMENT_MUSIC_AND_AUDIO",
        1099,
        1699,
        "online",
        "entertainment",
        "card_payment",
    ),
    Merchant(
        "Comcast",
        "COMCAST CABLE COMM",
        "RENT_AND_UTILITIES",
        "RENT_AND_UTILITIES_INTERNET_AND_CABLE",
        6000,
        12000,
        "online",
        "utilities",
        "ach",
    ),
    Merchant(
        "PG&E",
        "PGANDE WEB ONLINE",
        "RENT_AND_UTILITIES",
        "RENT_AND_UTILITIES_GAS_AND_ELECTRICITY",
        4000,
        22000,
        "online",
        "utilities",
        "ach",
    ),
    Merchant(
        "CVS Pharmacy",
        "CVS/PHARMACY #07731",
        "MEDICAL",
        "MEDICAL_PHARMACIES_AND_SUPPLEMENTS",
        600,
        6500,
        "in store",
        "health",
        "card_payment",
    ),
    Merchant(
        "Delta Air Lines",
        "DELTA AIR 0062345",
        "TRAVEL",
        "TRAVEL_FLIGHTS",
        12000,
        65000,
        "online",
        "transport",
        "card_payment",
    ),
    Merchant(
        "Marriott",
        "MARRIOTT SF DOWNTOWN",
        "TRAVEL",
        "TRAVEL_LODGING",
        15000,
        60000,
        "in store",
        "accommodation",
        "card_payment",
    ),
    Merchant(
        "Planet Fitness",
        "PLANET FITNESS CLUB",
        "PERSONAL_CARE",
        "PERSONAL_CARE_GYMS_AND_FITNESS_CENTERS",
        1000,
        2500,
        "other",
        "sport",
        "card_payment",
    ),
)
_PAYROLL = Merchant(
    "Employer Inc",
    "EMPLOYER INC DIRECT DEP",
    "INCOME",
    "INCOME_WAGES",
    -350000,
    -150000,
    "other",
    "income",
    "deposit",
)
_INTEREST = Merchant(
    None,
    "INTEREST PAYMENT",
    "INCOME",
    "INCOME_INTEREST_EARNED",
    -2500,
    -100,
    "other",
    "income",
    "interest",
)
_TO_SAVINGS = Merchant(
    None,
    "ONLINE TRANSFER TO SAVINGS",
    "TRANSFER_OUT",
    "TRANSFER_OUT_SAVINGS",
    10000,
    50000,
    "other",
    "general",
    "transfer",
)
_FROM_CHECKING = Merchant(
    None,
    "ONLINE TRANSFER FROM CHECKING",
    "TRANSFER_IN",
    "TRANSFER_IN_SAVINGS",
    -50000,
    -10000,
    "other",
    "general",
    "transfer",
)
_CARD_PAYMENT = Merchant(
    None,
    "AUTOPAY PAYMENT - THANK YOU",
    "LOAN_PAYMENTS",
    "LOAN_PAYMENTS_CREDIT_CARD_PAYMENT",
    -90000,
    -20000,
    "other",
    "loan",
    "payment",
)


def h(*parts: object) -> int:
    """A stable 64-bit hash of the parts (Python's hash() is salted per process)."""
    raw = ":".join(map(str, parts)).encode()
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big")


# Byte → id character: 256 = 4 × 62 + 8, so the first 8 characters come up 5 times in 256
# rather than 4: a skew no test data cares about, for one hash and one C call per id.
_BYTE_TO_CHAR = bytes((_ALPHABET * 5)[:256], "ascii")


def token(*parts: object, length: int = 37) -> str:
    """A stable id in Plaid's style (letters and digits) derived from the parts. The sandbox
    renders every transaction of a sync page, so this runs 100,000 times for a bench's
    first sync: one blake2b per id."""
    raw = ":".join(map(str, parts)).encode()
    digest = hashlib.blake2b(raw, digest_size=length).digest()  # blake2b: 1 to 64 bytes
    return digest.translate(_BYTE_TO_CHAR).decode("ascii")


@functools.lru_cache(maxsize=4096)
def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def digits(count: int, *parts: object) -> str:
    return str(h("digits", *parts) % 10**count).zfill(count)


@dataclass(frozen=True, slots=True)
class Account:
    index: int
    kind: AccountKind
    id: str
    mask: str
    number: str  # full account number
    routing: str
    current: int  # cents
    available: int | None
    limit: int | None


@dataclass(frozen=True, slots=True)
class Txn:
    """One rendered transaction, provider-neutral; Plaid's sign (positive = money out)."""

    key: Key
    id: str
    account: Account
    merchant: Merchant
    amount_cents: int
    date: dt.date
    authorized_at: dt.datetime
    pending: bool
    pending_id: str | None
    revision: int


@dataclass(frozen=True, slots=True)
class Spec:
    seed: str
    kinds: tuple[str, ...] = DEFAULT_KINDS
    count_per_account: int = DEFAULT_COUNT_PER_ACCOUNT
    days: int = DEFAULT_DAYS
    end_date: dt.date = DEFAULT_END_DATE
    id_prefix: str = ""  # Teller ids start with acc_/txn_
    names: str = ""  # institution name prefixed to account names ("Chase Checking Account")


@dataclass
class Change:
    version: int
    kind: str  # "add" | "remove" | "modify"
    key: Key


@dataclass
class Ledger:
    """One item's (enrollment's) data: the seed-derived base plus every advance so far."""

    spec: Spec
    version: int = 0
    accounts: list[Account] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    added: list[tuple[int, Key]] = field(default_factory=list)  # (version, key) in order
    removed_at: dict[Key, int] = field(default_factory=dict)
    revisions: dict[Key, list[tuple[int, int]]] = field(default_factory=dict)
    _next_touch: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = self.spec
        self.accounts = []
        for index, kind_key in enumerate(s.kinds):
            kind = KINDS[kind_key]
            number = digits(12, s.seed, index, "number")
            current = h(s.seed, index, "balance") % 2_500_000 + 50_000
            limit = None
            available: int | None = current
            if kind.type == "credit":
                limit = 1_000_000
                available = limit - current
            elif kind.type in ("investment", "loan"):
                available = None
            self.accounts.append(
                Account(
                    index=index,
                    kind=kind,
                    id=s.id_prefix + token(s.seed, "account", index),
                    mask=number[-4:],
                    number=number,
                    routing="011401533",
                    current=current,
                    available=available,
                    limit=limit,
                )
            )
        self.txn_accounts = [a for a in self.accounts if a.kind.has_transactions]
        self._pending_base = min(3, s.count_per_account // 4)
        self._removed_sorted: list[int] | None = None

    # -- rendering -------------------------------------------------------------------------

    def txn_id(self, key: Key) -> str:
        return self.spec.id_prefix + token(self.spec.seed, "txn", *key)

    def _merchant(self, account: Account, n: int, slot: int | None) -> Merchant:
        """Base transactions follow a rhythm by position (`slot`): a payroll deposit and a
        transfer to savings in every 20 checking transactions, a card payment in every 25;
        the rest, and every added one, is spending picked by hash."""
        kind = account.kind
        spending = _SPENDING[n % len(_SPENDING)]
        if kind.subtype == "savings":
            return (_INTEREST, _FROM_CHECKING, _FROM_CHECKING)[n % 3]
        if slot is None:
            return spending
        if kind.type == "credit":
            return _CARD_PAYMENT if slot % 25 == 12 else spending
        if slot % 20 == 5:
            return _PAYROLL
        if slot % 20 == 15:
            return _TO_SAVINGS
        return spending

    def render(self, key: Key, at: int | None = None) -> Txn:
        """The transaction `key` as it reads at version `at` (default: now)."""
        s = self.spec
        account = self.accounts[key[0]]
        kind = key[1]
        pending_id = None
        slot = None
        if kind == "b":
            i = key[2]
            n = h(s.seed, account.index, i)
            day = s.end_date - dt.timedelta(days=(i * s.days) // max(s.count_per_account, 1))
            pending = i < self._pending_base
            slot = i
        elif kind == "a":
            n = h(s.seed, *key)
            day = s.end_date + dt.timedelta(days=key[2])
            pending = key[3] == 0
        else:  # posted replacement: the pending one's merchant and amount, a new id
            pend_key = key[3]
            base = self.render(pend_key, at)
            return Txn(
                key=key,
                id=self.txn_id(key),
                account=account,
                merchant=base.merchant,
                amount_cents=base.amount_cents,
                date=s.end_date + dt.timedelta(days=key[2]),
                authorized_at=base.authorized_at,
                pending=False,
                pending_id=base.id,
                revision=0,
            )
        merchant = self._merchant(account, n >> 8, slot)
        span = merchant.high - merchant.low
        cents = merchant.low + (n >> 20) % (span + 1)
        revision = self.revision(key, at)
        if revision:
            # A modification: the amount changed (a tip added, a correction).
            cents += 100 * revision if cents > 0 else -100 * revision
        authorized = _midnight(day) + dt.timedelta(seconds=(n >> 40) % 86_400)
        return Txn(
            key=key,
            id=self.txn_id(key),
            account=account,
            merchant=merchant,
            amount_cents=cents,
            date=day,
            authorized_at=authorized,
            pending=pending,
            pending_id=pending_id,
            revision=revision,
        )

    def revision(self, key: Key, at: int | None = None) -> int:
        found = 0
        for version, rev in self.revisions.get(key, ()):
            if at is None or version <= at:
                found = rev
        return found

    # -- snapshot: every live transaction at a version, addressed by position --------------

    def _virtual_key(self, j: int) -> Key:
        n = self.spec.count_per_account
        base_total = n * len(self.txn_accounts)
        if j < base_total:
            return (self.txn_accounts[j // n].index, "b", j % n)
        return self.added[j - base_total][1]

    def _virtual_total(self, at: int) -> int:
        added = bisect.bisect_right([v for v, _ in self.added], at)
        return self.spec.count_per_account * len(self.txn_accounts) + added

    def _removed_positions(self, at: int) -> list[int]:
        n = self.spec.count_per_account
        pos_of_account = {a.index: p for p, a in enumerate(self.txn_accounts)}
        added_pos = {key: p for p, (_, key) in enumerate(self.added)}
        base_total = n * len(self.txn_accounts)
        out: list[int] = []
        for key, version in self.removed_at.items():
            if version > at:
                continue
            if key[1] == "b":
                out.append(pos_of_account[key[0]] * n + key[2])
            else:
                out.append(base_total + added_pos[key])
        return sorted(out)

    def snapshot_size(self, at: int) -> int:
        return self._virtual_total(at) - len(self._removed_positions(at))

    def snapshot(self, at: int, offset: int, count: int) -> Iterator[Txn]:
        """Live transactions at version `at`, positions [offset, offset+count)."""
        removed = self._removed_positions(at)
        total = self._virtual_total(at)
        j = offset + bisect.bisect_right(removed, offset)
        while True:  # smallest virtual position with `offset` live ones before it
            nj = offset + bisect.bisect_right(removed, j)
            if nj == j:
                break
            j = nj
        removed_set = set(removed)
        produced = 0
        while produced < count and j < total:
            if j not in removed_set:
                yield self.render(self._virtual_key(j), at)
                produced += 1
            j += 1

    # -- deltas ----------------------------------------------------------------------------

    def _exists(self, key: Key, at: int) -> bool:
        if key[1] != "b":
            added_at = next((v for v, k in self.added if k == key), None)
            if added_at is None or added_at > at:
                return False
        removed = self.removed_at.get(key)
        return removed is None or removed > at

    def delta(self, since: int, at: int) -> list[tuple[str, Key]]:
        """Changes from version `since` to `at` as [("added"|"modified"|"removed", key)]."""
        touched: list[Key] = []
        seen = set()
        for change in self.changes:
            if since < change.version <= at and change.key not in seen:
                seen.add(change.key)
                touched.append(change.key)
        out: list[tuple[str, Key]] = []
        for key in touched:
            before, after = self._exists(key, since), self._exists(key, at)
            if not before and after:
                out.append(("added", key))
            elif before and not after:
                out.append(("removed", key))
            elif before and after and self.revision(key, since) != self.revision(key, at):
                out.append(("modified", key))
        order = {"added": 0, "modified": 1, "removed": 2}
        out.sort(key=lambda item: order[item[0]])
        return out

    # -- advancing -------------------------------------------------------------------------

    def _live_pending(self, account: int) -> list[Key]:
        keys: list[Key] = [(account, "b", i) for i in range(self._pending_base)] + [
            k for _, k in self.added if k[0] == account and k[1] == "a" and k[3] == 0
        ]
        return [k for k in keys if self._exists(k, self.version)]

    def _touchable(self, account: int) -> Key | None:
        """The next posted base transaction an advance may modify or remove (newest first)."""
        i = self._next_touch.get(account, self._pending_base)
        if i >= self.spec.count_per_account:
            return None
        self._next_touch[account] = i + 1
        return (account, "b", i)

    def advance(self, *, added: int, posted: int, modified: int, removed: int) -> dict[str, Any]:
        """One step of time for every account with transactions; returns the ids touched."""
        self.version += 1
        v = self.version
        report: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}

        def add(key: Key) -> None:
            self.added.append((v, key))
            self.changes.append(Change(v, "add", key))
            report["added"].append(self.txn_id(key))

        def remove(key: Key) -> None:
            self.removed_at[key] = v
            self.changes.append(Change(v, "remove", key))
            report["removed"].append(self.txn_id(key))

        for account in self.txn_accounts:
            a = account.index
            for pend in self._live_pending(a)[:posted]:
                remove(pend)
                add((a, "p", v, pend))
            for _ in range(modified):
                key = self._touchable(a)
                if key is None:
                    break
                revs = self.revisions.setdefault(key, [])
                revs.append((v, (revs[-1][1] if revs else 0) + 1))
                self.changes.append(Change(v, "modify", key))
                report["modified"].append(self.txn_id(key))
            for _ in range(removed):
                key = self._touchable(a)
                if key is None:
                    break
                remove(key)
            for j in range(added):
                add((a, "a", v, j))
        return {"version": v, **report}
