"""The sandbox's JSON responses, serialized by orjson: a first sync of the bench renders
100,000 Plaid transactions, and the standard library's encoder was a quarter of the sandbox's
CPU (py-spy), on the cores the sync engine it feeds also needs."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
