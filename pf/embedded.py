"""The stack `pf` runs in its own process when no --api-url is given.

It is the local stack of `make serve` (template.yaml on moto, the real handlers and state
machines), served on a free loopback port for the length of one command, with a
development token for the tenant: pf then speaks to it over HTTP like any other API.
Its data lasts as long as the command; `pf serve` keeps one running for several.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

#: The source tree pf is installed from (editable, by the Makefile): the local stack and
#: template.yaml live there, not in the package.
SOURCE_TREE = Path(__file__).resolve().parent.parent

#: Roles the embedded stack's token carries: every action of every command.
EMBEDDED_ROLES = ("CAMPAIGN_ADMIN",)


@dataclass(frozen=True)
class Endpoint:
    url: str
    token: str | None


def use_source_tree() -> None:
    """Makes the checkout's `local` package importable (the embedded stack, the dev issuer)."""
    if not (SOURCE_TREE / "template.yaml").is_file():
        raise RuntimeError(
            f"the embedded stack and development tokens need a source checkout; "
            f"{SOURCE_TREE} has no template.yaml (give --api-url and --token)"
        )
    if str(SOURCE_TREE) not in sys.path:
        sys.path.insert(0, str(SOURCE_TREE))


def dev_token(tenant_id: str) -> str:
    """A token of this machine's development issuer, as `make token` mints."""
    use_source_tree()
    from local.auth import DevIssuer

    return DevIssuer.load_or_create().mint(tenants=[tenant_id], roles=list(EMBEDDED_ROLES))


@contextmanager
def embedded_stack(tenant_id: str, quiet: bool = True) -> Iterator[Endpoint]:
    import logging

    use_source_tree()
    # Imported here: moto and samtranslator take seconds to import, and a remote run
    # (--api-url) needs neither.
    from local.stack import LocalStack

    if quiet:
        logging.getLogger().setLevel(logging.ERROR)
    with LocalStack(parameter_overrides={"LogLevel": "ERROR"}) as stack, stack.http_api() as url:
        assert stack.dev_issuer is not None
        token = stack.dev_issuer.mint(tenants=[tenant_id], roles=list(EMBEDDED_ROLES))
        yield Endpoint(url, token)
