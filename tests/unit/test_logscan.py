"""The log scanner finds what it is there to find, and names it without repeating it."""

from tests.logscan import scan


def test_finds_literals_and_shapes_and_reports_labels_only(tmp_path):
    log = tmp_path / "server.log"
    log.write_text(
        "\n".join(
            [
                '{"msg": "rpc", "request_id": "abc"}',
                '{"msg": "boom", "hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"}',
                "GET /api/v1/auth/verify-email?token=Q2hhbmdlTWVQbGVhc2UxMjM0NTY",
                '{"exc": "... Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig"}',
                "parameters: ('gAAAAABnZXJhbmRvbWJ5dGVzZm9ydGhldGVzdG9mdGhlc2Nhbm5lcg==',)",
                "the account 123456789012 was synced",
            ]
        )
    )
    leaks = scan([log], {"account number": "123456789012"})
    assert [(leak.line, leak.what) for leak in leaks] == [
        (2, "argon2 hash"),
        (3, "mailed link token"),
        (4, "JWT"),
        (5, "sealed value (Fernet)"),
        (6, "account number"),
    ]
    assert all("123456789012" not in str(leak) for leak in leaks)


def test_clean_lines_pass(tmp_path):
    log = tmp_path / "envoy-access.log"
    log.write_text('[2026] "POST /api/v1/organizations/invitations/{token}/accept HTTP/1.1" 200\n')
    assert scan([log], {"password": "SecurePassword123!"}) == []
