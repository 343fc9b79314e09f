from argon2 import PasswordHasher, Type

from server.auth.passwords import HASHER, hash_password, needs_rehash, verify_password


def test_parameters_are_pinned_at_or_above_owasp():
    params = HASHER._parameters
    assert params.type is Type.ID
    assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2 and params.parallelism == 1


async def test_hash_and_verify():
    stored = await hash_password("correct horse")
    assert stored.startswith("$argon2id$")
    assert await verify_password(stored, "correct horse")
    assert not await verify_password(stored, "wrong horse")
    assert not await verify_password(None, "anything")
    assert not await verify_password("not-a-hash", "anything")


def test_weaker_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("pw")
    assert needs_rehash(weak)
    assert not needs_rehash(HASHER.hash("pw"))
