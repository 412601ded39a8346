"""`make serve`: template.yaml on moto, its HTTP API on 127.0.0.1:$PORT (3000 by default).

Its S3 listens on 127.0.0.1 as well ($S3_PORT, else a free port; printed): the presigned
URLs the API hands out point there, so curl or a browser can fetch and upload with them.

Every route but GET /health needs `Authorization: Bearer <JWT>` of the development issuer
(`make token TENANT=mz ROLES=CAMPAIGN_ADMIN` mints one; its key is `--dev-key`, else
$DEV_KEY_FILE, else `.local/dev-signing-key.json`, made on first use). `--auth off` turns
the checks off, for tests of other things only, and says so.
"""

import argparse
import os
import signal
import threading
from collections.abc import Sequence
from types import FrameType

from local.auth import key_path
from local.stack import LocalStack


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"--parameter-overrides takes Key=Value pairs, not {pair!r}")
        overrides[key] = value
    return overrides


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # As Ctrl-C: the stack's context managers run, its servers stop and the port is freed.
    raise KeyboardInterrupt


def _print_auth(stack: LocalStack) -> None:
    if stack.auth == "off":
        print(
            "WARNING: authentication is OFF (--auth off): no token is checked, every caller "
            "may do anything in every tenant. For tests of other things only.",
            flush=True,
        )
        return
    issuer = stack.parameter_overrides["AuthIssuer"]
    audience = stack.parameter_overrides["AuthAudience"]
    print(f"Tokens: issuer {issuer}, audience {audience}", flush=True)
    if stack.dev_issuer is not None and issuer == stack.dev_issuer.issuer:
        print(f"  development key: {stack.dev_issuer.path}", flush=True)
        path = stack.dev_issuer.path
        key = "" if path == key_path() else f" DEV_KEY_FILE={path}"
        print(
            f"  mint one: make token TENANT=mz ROLES=CAMPAIGN_ADMIN{key}  "
            '(then curl -H "Authorization: Bearer $TOKEN" ...)',
            flush=True,
        )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="serve", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--s3-port",
        type=int,
        default=int(os.environ.get("S3_PORT", "0")),
        help="port of the loopback S3 (default: any free port)",
    )
    parser.add_argument(
        "--auth",
        choices=("on", "off"),
        default="on",
        help="check tokens as API Gateway does (default); off: no checks, for tests only",
    )
    parser.add_argument(
        "--dev-key",
        default=None,
        metavar="PATH",
        help="key file of the development issuer (made when missing; default "
        "$DEV_KEY_FILE or .local/dev-signing-key.json)",
    )
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as for sam deploy",
    )
    arguments = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with (
        LocalStack(
            parameter_overrides=parse_overrides(arguments.parameter_overrides),
            s3_port=arguments.s3_port,
            auth=arguments.auth,
            dev_key_path=arguments.dev_key,
        ) as stack,
        stack.http_api(port=arguments.port) as url,
    ):
        print(f"project-factory is serving template.yaml locally at {url}", flush=True)
        for route in sorted(stack.stack.routes, key=lambda route: route.is_default):
            where = "(any other request)" if route.is_default else f"{url}{route.path}"
            print(f"  {route.method:5} {where} -> {route.function_logical_id}")
        print(f"API docs (Swagger UI): {url}/docs", flush=True)
        print(f"S3 (presigned URLs point here): {stack.s3_url}", flush=True)
        _print_auth(stack)
        if any(route.function_logical_id == "ConsoleFunction" for route in stack.stack.routes):
            print(f"Web console: {url}/ (paste a token into its Sign in screen)", flush=True)
        print("Ctrl-C stops it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
