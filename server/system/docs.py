"""Swagger UI from the swagger-ui-bundle package, pointed at /openapi.json."""

from __future__ import annotations

import mimetypes
import re
from functools import cache
from pathlib import Path

from swagger_ui_bundle import swagger_ui_path

ASSETS = Path(swagger_ui_path)
OPENAPI = Path(__file__).resolve().parents[2] / "gen" / "openapi.json"
_ASSET_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


@cache
def index_html() -> bytes:
    """The bundle's index template with our spec URL and absolute asset paths.

    /docs has no trailing slash, so the template's `./x` links would resolve to `/x`.
    """
    html = (ASSETS / "index.j2").read_text()
    html = re.sub(r"\{%.*?%\}.*?\{%\s*endif\s*%\}", "", html, flags=re.S)
    html = html.replace("{{ openapi_spec_url }}", "/openapi.json")
    html = re.sub(r"\{\{\s*validatorUrl[^}]*\}\}", "null", html)
    return html.replace('"./', '"/docs/').encode()


def asset(name: str) -> tuple[str, bytes] | None:
    """(content type, bytes) of a bundled asset, or None; never leaves the bundle folder."""
    if not _ASSET_NAME.match(name) or name.startswith(".") or name.endswith(".j2"):
        return None
    path = ASSETS / name
    if not path.is_file():
        return None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return content_type, path.read_bytes()


@cache
def openapi_json() -> bytes:
    """The OpenAPI document `make gen` derived from the descriptor set."""
    return OPENAPI.read_bytes()
