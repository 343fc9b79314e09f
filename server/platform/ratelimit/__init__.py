"""Rate limits, in one place (seed 004 "API Tiers" and "Rate Limiting").

Every RPC has a rate class (the contract's `rate_class` option, else derived by
server/platform/contract/registry.py); the policy gives each class a limit and a key:

| class   | key                | default limit (per plan: FREE / PRO / ULTIMATE) |
|---------|--------------------|-------------------------------------------------|
| GENERAL | user               | 100 / 500 / 2000 per 15 minutes                 |
| WRITE   | user               | 10 / 50 / 200 per minute                        |
| SYNC    | user               | 3 per 5 minutes                                 |
| LIVE    | user               | 50 per minute                                   |
| ADMIN   | user               | 200 per hour                                    |
| AUTH    | client address     | 10 per minute (brute-force protection)          |
| API_READ      | user             | token bucket: 100, refilled 100 per minute (seed 003) |
| PROVIDER_SYNC | user + provider  | token bucket: 10, refilled 5 per minute (seed 003)    |
| APP_CONNECT   | user             | 5 per minute (seed 002 connection creation)           |
| APP_SYNC      | user + connection| 10 per minute (seed 002 syncs, per connection)        |
| APP_OAUTH     | user             | 20 per minute (seed 002 OAuth flows)                  |

- The plan is the caller's current plan (the authenticator reads it from the database on every
  call), so a plan change applies from the next request. A plan change starts a fresh counter:
  each limit has its own key.
- AUTH is skipped for client addresses in RATE_LIMIT_TRUSTED_CIDRS; per-user limits still apply
  to users calling from those addresses.
- The client address is the one Envoy saw (`x-envoy-external-address`, which Envoy always
  overwrites; a client-sent value or `x-forwarded-for` cannot choose the key), else the gRPC
  peer of a direct call. The gRPC port is for trusted internal callers only: a direct caller
  could send that header itself.
- Algorithm: fixed window (`limits.FixedWindowRateLimiter`): `X-RateLimit-Limit` is the
  window's allowance, `X-RateLimit-Remaining` what is left of it, `X-RateLimit-Reset` the unix
  time (seconds) the window ends. A refused call answers 429 RATE_LIMIT_EXCEEDED with
  `details {retryAfter, limitReset}` and `Retry-After` (seconds), plus the same three headers.
- Token buckets (API_READ, PROVIDER_SYNC; server/platform/ratelimit/buckets.py):
  `X-RateLimit-Limit` is the capacity, `X-RateLimit-Remaining` the whole tokens left,
  `X-RateLimit-Reset` the unix time the bucket is full again; a refused call's `Retry-After` is
  the time until the next token. PROVIDER_SYNC's key includes the provider of the request's
  connection, which only the domain knows: the interceptor leaves the charge to it
  (server/platform/ratelimit/deferred.py), after the connection is found and before the
  provider is called.
- Storage: Redis when REDIS_URL is set (every server process shares the counters; keys start
  with RATE_LIMIT_KEY_PREFIX), process memory otherwise. When Redis cannot be reached the call
  is let through without rate-limit headers and a warning is logged (at most once a minute):
  an outage of the counter store must not take the API down with it.
"""
