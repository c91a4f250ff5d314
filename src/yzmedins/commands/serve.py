"""``yzmedins serve`` — the settlement service for hospital systems (specification §23).

Serves the platform's envelope over HTTP with uvicorn, answering from the ledger store, which it
holds (and locks) while it runs: CLI commands on the same store wait for it to stop. Needs the
``service`` extra (``pip install 'yzmedins[service]'``). Loopback by default; another address
needs a signing secret.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from yzmedins.batch.store import StoreError, policy_options
from yzmedins.commands.common import (
    EXIT_OK,
    UsageError,
    add_policy_arguments,
    codes_from_args,
    policies_from_args,
)
from yzmedins.commands.store_records import open_store
from yzmedins.service.desk import Desk
from yzmedins.service.signing import Signatures
from yzmedins.service.writer import Writer


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="the settlement service: the platform's envelope over HTTP (2303 2304 2305 2601 "
        "5203 5206)",
        description=(
            "Serve the national platform's settlement transactions over the ledger store, which "
            "the service holds while it runs. Needs pip install 'yzmedins[service]'."
        ),
    )
    parser.add_argument("--ledger", metavar="DB", required=True, help="SQLite ledger store")
    parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--paasid", metavar="ID", help="the caller's x-tif-paasid (with a secret)")
    parser.add_argument(
        "--secret-file",
        metavar="FILE",
        help="the signing secret (or the YZMEDINS_SECRET environment variable); when set, "
        "every request must carry the platform's x-tif-* signature headers",
    )
    parser.add_argument(
        "--nhsa-codes", metavar="FILE", help="the platform's code list (default: bundled)"
    )
    add_policy_arguments(parser)
    parser.set_defaults(run=run)


def _secret(args: argparse.Namespace) -> str | None:
    if args.secret_file:
        try:
            with open(args.secret_file, encoding="utf-8") as handle:
                secret = handle.read().strip()
        except OSError as error:
            raise UsageError(f"cannot read {args.secret_file}: {error.strerror}") from None
        if not secret:
            raise UsageError(f"{args.secret_file} holds no secret")
        return secret
    return os.environ.get("YZMEDINS_SECRET") or None


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        # The one project module imported late: it needs the optional extra (litestar).
        from yzmedins.service.app import create_app
    except ImportError as error:
        raise UsageError(
            f"the service needs its extra ({error.name} is missing): "
            "pip install 'yzmedins[service]'"
        ) from None

    secret = _secret(args)
    if secret is not None and not args.paasid:
        raise UsageError("a signing secret needs --paasid (the caller's x-tif-paasid)")
    if secret is None and not _loopback(args.host):
        raise UsageError(
            f"{args.host} is not a loopback address: serving personal data beyond this machine "
            "needs a signing secret (--secret-file or YZMEDINS_SECRET) and --paasid"
        )
    policies = policies_from_args(args)
    codes = codes_from_args(args)
    store = open_store(args.ledger)
    try:
        try:
            store.check_options(policy_options(policies))
            writer = Writer(Desk(store, policies, codes))
        except StoreError as error:
            raise UsageError(str(error)) from None
        signatures = None if secret is None else Signatures(args.paasid, secret)
        app = create_app(writer, signatures)
        print(
            f"yzmedins serve: {args.ledger} on http://{args.host}:{args.port} "
            f"({'signed requests' if signatures else 'unsigned requests, loopback'})",
            file=sys.stderr,
        )
        try:
            uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
        finally:
            writer.close()
    finally:
        store.close()
    return EXIT_OK
