"""`make serve`: template.yaml on moto, its HTTP API on 127.0.0.1:$PORT (3000 by default)."""

import argparse
import os
import threading

from local.stack import LocalStack


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    overrides = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator:
            raise SystemExit(f"--parameter-overrides takes Key=Value pairs, not {pair!r}")
        overrides[key] = value
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument(
        "--parameter-overrides",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as for sam deploy",
    )
    arguments = parser.parse_args()
    with (
        LocalStack(parameter_overrides=parse_overrides(arguments.parameter_overrides)) as stack,
        stack.http_api(port=arguments.port) as url,
    ):
        print(f"project-factory is serving template.yaml locally at {url}", flush=True)
        for route in stack.stack.routes:
            print(f"  {route.method:5} {url}{route.path} -> {route.function_logical_id}")
        print("Ctrl-C stops it.", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
