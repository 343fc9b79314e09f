from server.auth.cookies import clear_cookie, read_cookie, set_cookie


def test_cookie_attributes():
    value = set_cookie("abc", max_age=604800)
    assert value.startswith("session_token=abc;")
    for attr in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/api/v1/auth", "Max-Age=604800"):
        assert attr in value
    assert "Max-Age=0" in clear_cookie()


def test_read_cookie_from_several_headers():
    assert read_cookie(["theme=dark", "a=1; session_token=tok123; b=2"]) == "tok123"
    assert read_cookie(["session_token="]) == ""
    assert read_cookie([]) == ""
