"""`python -m server.dev.sandbox --port 8090`: run the provider sandbox until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse

import uvicorn

from server.dev.sandbox.app import build_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fingate provider sandbox")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (loopback only)")
    parser.add_argument("--port", type=int, default=8090, help="listen port")
    args = parser.parse_args(argv)
    uvicorn.run(build_app(), host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
