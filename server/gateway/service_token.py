"""`python -m server.gateway.service_token create NAME | revoke NAME | list`: manage the gateway's
service principals against DATABASE_URL. `create` prints the client id and secret once; only
the secret's hash is kept."""

from __future__ import annotations

import argparse
import asyncio
import sys

from server.gateway import principals
from server.platform import config
from server.platform.db.database import Database
from server.platform.errors import Conflict


async def _run(args: argparse.Namespace) -> int:
    settings = config.load()
    db = Database(settings.database_url, pool_size=1)
    try:
        if args.command == "create":
            try:
                made = await principals.create(db, args.name)
            except Conflict as taken:
                print(taken.message, file=sys.stderr)
                return 1
            print(f"name:          {made.name}")
            print(f"client_id:     {made.client_id}")
            print(f"client_secret: {made.client_secret}")
            print("The secret is shown once; exchange both at POST /api/v1/gateway/token.")
            return 0
        if args.command == "revoke":
            if await principals.revoke(db, args.name):
                print(f"revoked {args.name}: its tokens no longer work")
                return 0
            print(f"no live service principal named {args.name}", file=sys.stderr)
            return 1
        for row in await principals.listing(db):
            state = "revoked" if row.revoked_at else "active"
            print(f"{row.name}\t{row.client_id}\t{state}\t{row.created_at:%Y-%m-%d}")
        return 0
    finally:
        await db.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.gateway.service_token")
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("create", "revoke"):
        command = commands.add_parser(name)
        command.add_argument("name", help="letters, digits, _ . - (1 to 64)")
    commands.add_parser("list")
    args = parser.parse_args(argv)
    if getattr(args, "name", None) is not None and not _valid(args.name):
        parser.error("NAME must be 1 to 64 letters, digits, _ . -")
    return asyncio.run(_run(args))


def _valid(name: str) -> bool:
    return 0 < len(name) <= 64 and all(c.isalnum() or c in "_.-" for c in name) and name.isascii()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
