"""Credentials the test stack is started with (tests only; never a real secret)."""

JWT_SECRET = "fingate-test-suite-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
ADMIN = {"email": "admin@example.com", "password": "AdminPassword123!"}
