"""moto's S3 URL patterns, loaded once per set of custom endpoints instead of once per call.

moto reloads its `moto.s3.urls` module every time it asks the S3 backend for its URL
patterns (`S3Backend._url_module`), because the patterns depend on one setting
(MOTO_S3_CUSTOM_ENDPOINTS, read when the module loads). Every boto3 call to any service
asks every backend whose pattern matches, so each S3 call re-ran the module: about 0.7 ms
of import machinery (path stats, compiling) under the local stack's one lock, a few
percent of a create flow's CPU. The local stack reloads it only when that setting has
changed, and hands back the module as loaded otherwise.
"""

from typing import Any

from local.moto_patches import replaced

_installed = False


def install() -> None:
    """Replaces S3Backend._url_module (once per process)."""
    global _installed
    if _installed:
        return
    from moto import settings
    from moto.s3.models import S3Backend

    reloading = replaced(S3Backend, "_url_module")
    loaded: dict[tuple[str, ...], Any] = {}

    def url_module(self: Any) -> Any:
        endpoints = tuple(settings.get_s3_custom_endpoints())
        module = loaded.get(endpoints)
        if module is None:
            loaded.clear()  # one module object: reloaded for other endpoints, it is theirs
            module = loaded[endpoints] = reloading.fget(self)
        return module

    S3Backend._url_module = property(url_module)  # type: ignore[method-assign,assignment]
    _installed = True
