"""A read-through cache of hot reads (seed 000 "Cache Invalidation"), Redis or process memory.

Keys are the documented ones: `connectionId:{connectionId}`, `user:{userId}:connections`,
`user:{userId}:accounts` (in Redis behind the RATE_LIMIT_KEY_PREFIX, `fingate:` by default, so
deployments or test runs sharing one Redis stay apart). Each key is a hash whose fields are the
variants of the read: the organization id first (a user is a member of several organizations,
and one organization must never be answered from another's entry), then the query. Deleting a
documented key therefore drops every variant at once.

- Values are the serialized response protos, so a hit costs no database round trip and no
  conversion.
- TTL: CACHE_TTL_SECONDS (60 by default), counted from a key's first field. Writes this
  process does not see (the sync engine's, another server's through memory caches) are
  therefore visible within the TTL at the latest; the writes fingate makes through its own
  routes (reconnect, disconnect, delete, account sync) invalidate at once.
- A read that began before an invalidation can store what it read just after it; the TTL bounds
  that too (the window is one database read long).
- Redis errors never fail a request: a failed read is a miss, a failed write or delete is
  logged (the TTL bounds what a lost delete leaves behind).
"""
