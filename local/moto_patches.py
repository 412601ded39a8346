"""The guard on every patch of moto's private code.

The local stack replaces a few of moto's private names (local/lambdas.py: the stubber
every boto3 call goes through, Lambda's invoke, an event rule's delivery, S3's
notifications; local/s3_server.py: the server's blanket CORS). moto promises nothing
about them. Were one renamed, or its signature changed, by an upgrade, assigning ours
would still succeed, and moto would go on calling its own: Lambda functions that never
run, S3 events that never arrive, calls no longer serialised. So each patch first takes
the original through `replaced`, which fails at once, naming the name, the moto versions
it was checked against and the moto installed; and it refuses a moto outside those
versions even when the names are still there, since a patch's body relies on more of
moto than the one name it replaces.
"""

import inspect
import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

#: The moto versions the patches were read against: from the one requirements/dev.txt
#: pins, up to (not including) the next minor release. On an upgrade past it, read each
#: patched name again in the new moto, then move these on.
CHECKED_FROM = (5, 2, 5)
CHECKED_BELOW = (5, 3)
CHECKED = f"moto >={'.'.join(map(str, CHECKED_FROM))},<{'.'.join(map(str, CHECKED_BELOW))}"


class MotoPatchError(RuntimeError):
    """A private name of moto the local stack replaces is gone or has changed shape."""


def replaced(owner: Any, name: str, *, signature: str | None = None, checked: str = CHECKED) -> Any:
    """The original `owner.name`, which the caller is about to replace.

    `owner` is a class or a module; a class's name must be its own or a base's (not one
    every class has, like `type.__call__`). `signature`, when given, is the original's
    parameters as `inspect` writes them without annotations, e.g. "(self, body)": the
    replacement is called as moto calls the original.
    """
    _check_version(checked)
    where = (
        owner.__name__ if inspect.ismodule(owner) else f"{owner.__module__}.{owner.__qualname__}"
    )
    if not _defines(owner, name):
        raise MotoPatchError(
            f"{where}.{name} is gone: the local stack replaces it, as read in {checked}, "
            f"and moto {_installed()} is installed. Read the patch again against it"
        )
    original = getattr(owner, name)
    if signature is not None:
        if not callable(original):
            raise MotoPatchError(
                f"{where}.{name} is no longer callable (checked in {checked}; moto "
                f"{_installed()} is installed)"
            )
        found = _bare_signature(original)
        if found != signature:
            raise MotoPatchError(
                f"{where}.{name} takes {found}, not {signature} as in {checked} (moto "
                f"{_installed()} is installed): read the patch again against it"
            )
    return original


def _check_version(checked: str) -> None:
    installed = _installed()
    numbers = tuple(int(part) for part in re.findall(r"\d+", installed)[:3])
    if not CHECKED_FROM <= numbers < CHECKED_BELOW:
        raise MotoPatchError(
            f"moto {installed} is installed, but the local stack's patches were read against "
            f"{checked}: read each patched name again against it (local/moto_patches.py)"
        )


def _defines(owner: Any, name: str) -> bool:
    if isinstance(owner, type):
        return any(name in vars(klass) for klass in owner.__mro__ if klass is not object)
    return name in vars(owner)


def _bare_signature(function: Any) -> str:
    found = inspect.signature(function)
    bare = [
        parameter.replace(annotation=inspect.Parameter.empty)
        for parameter in found.parameters.values()
    ]
    return str(found.replace(parameters=bare, return_annotation=inspect.Signature.empty))


@cache  # read once: every patch asks, and the metadata lookup reads the disk
def _installed() -> str:
    try:
        return version("moto")
    except PackageNotFoundError:
        return "(of no known version)"
