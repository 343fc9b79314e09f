"""The rate-limit policy from Settings: which limit and which key a call is counted under."""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

from limits import RateLimitItem, parse

from server.platform.config import ANY_PLAN, Settings, TokenBucketRate

# Classes counted per client address; every other class is counted per user.
ADDRESS_CLASSES = frozenset({"AUTH"})
# Classes whose key needs what only the domain knows (the provider of the request's
# connection; APP_SYNC: the app connection, once it is known to be the caller's): the
# interceptor leaves them to the servicer, which calls
# server.platform.ratelimit.deferred.charge once it knows
# (server/platform/interceptors/rate_limit.py).
DEFERRED_CLASSES = frozenset({"PROVIDER_SYNC", "APP_SYNC"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Bucket:
    """One counter: the limit that applies and the identity it is counted for."""

    rate_class: str
    # A fixed window (limits) or a token bucket (seed 003 classes).
    item: RateLimitItem | TokenBucketRate
    identity: str  # "user:<uuid>", "user:<uuid>:<provider>" or "ip:<address>"


class Policy:
    """Rate class + caller → Bucket, or None when the call is not limited."""

    def __init__(self, settings: Settings):
        self._items: dict[str, dict[str, RateLimitItem]] = {
            name: {plan: parse(text) for plan, text in by_plan.items()}
            for name, by_plan in settings.rate_limits.items()
        }
        self._buckets = settings.token_buckets
        self._trusted = settings.rate_limit_trusted_cidrs

    def item(self, rate_class: str, plan: str | None) -> RateLimitItem | TokenBucketRate:
        """The limit of a class for a plan (an unknown plan gets FREE's)."""
        if rate_class in self._buckets:
            return self._buckets[rate_class]
        by_plan = self._items[rate_class]
        if ANY_PLAN in by_plan:
            return by_plan[ANY_PLAN]
        return by_plan.get(plan or "FREE", by_plan["FREE"])

    def trusted(self, address: str | None) -> bool:
        """Whether a client address lies in RATE_LIMIT_TRUSTED_CIDRS."""
        ip = parse_ip(address)
        return ip is not None and any(ip in network for network in self._trusted)

    def bucket(
        self,
        rate_class: str | None,
        *,
        user_id: str | None,
        plan: str | None,
        address: str | None,
        qualifier: str | None = None,
    ) -> Bucket | None:
        """Where this call counts; None when it is not limited. `qualifier` narrows a per-user
        key further (PROVIDER_SYNC: the provider of the request's connection)."""
        if rate_class is None:
            return None
        if rate_class in ADDRESS_CLASSES or user_id is None:
            # A per-user class on a public RPC has no user: count the address instead.
            if address is None or self.trusted(address):
                return None
            return Bucket(rate_class, self.item(rate_class, None), f"ip:{address}")
        identity = f"user:{user_id}" if qualifier is None else f"user:{user_id}:{qualifier}"
        return Bucket(rate_class, self.item(rate_class, plan), identity)

    def account_bucket(self, rate_class: str, email: str) -> Bucket:
        """The per-account counter of an auth flow (SIGN_IN_FAILURES, RESET_MAIL), keyed by a
        digest of the normalised email: counter keys (Redis) never hold an address."""
        digest = hashlib.sha256(email.encode()).hexdigest()[:32]
        return Bucket(rate_class, self.item(rate_class, None), f"account:{digest}")


def parse_ip(text: str | None) -> IPAddress | None:
    """An IP address, or None for anything else (a unix socket peer, garbage)."""
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def peer_address(peer: str | None) -> str | None:
    """The IP of a grpc peer string: `ipv4:1.2.3.4:5678`, `ipv6:[::1]:5678`; else None."""
    if not peer:
        return None
    kind, _, rest = peer.partition(":")
    if kind == "ipv4":
        host = rest.rpartition(":")[0]
    elif kind == "ipv6":
        host = rest.rpartition(":")[0].strip("[]")
    else:
        return None
    ip = parse_ip(host.split("%")[0])
    return str(ip) if ip is not None else None


def client_address(envoy_external_address: str | None, peer: str | None) -> str | None:
    """The caller's address: the peer Envoy saw when the call came through Envoy, else ours.

    Envoy (use_remote_address) sets `x-envoy-external-address` on every request it forwards,
    replacing any value the client sent; `x-forwarded-for` keeps client-sent entries and is
    never read.
    """
    through_envoy = parse_ip(envoy_external_address)
    if through_envoy is not None:
        return str(through_envoy)
    return peer_address(peer)
