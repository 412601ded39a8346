"""Localisation: codes to text, and text back to codes.

Headers, sheet names and row errors are localisation codes (the original's convention,
e.g. `HCM_ADMIN_CONSOLE_FACILITY_NAME`). Files show the text of the requester's locale,
and uploads are matched by text, so a file filled in French is read as well as one in
English: a header is recognised by its code or by its text in any known locale.
"""

import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LOCALE = "en_IN"


def normalise_text(text: str) -> str:
    """The form two headers are compared in: case-folded, whitespace collapsed."""
    return " ".join(text.split()).casefold()


class Messages:
    """Catalogues of localised text, one per locale."""

    def __init__(
        self, catalogues: Mapping[str, Mapping[str, str]], default_locale: str = DEFAULT_LOCALE
    ) -> None:
        if default_locale not in catalogues:
            raise ValueError(f"no catalogue for the default locale {default_locale!r}")
        self._catalogues = {locale: dict(texts) for locale, texts in catalogues.items()}
        self.default_locale = default_locale

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(sorted(self._catalogues))

    def locale_or_default(self, locale: str | None) -> str:
        """The catalogue to use for a request's locale (`fr-FR` and `fr_FR` are the same)."""
        if locale:
            wanted = locale.replace("-", "_")
            if wanted in self._catalogues:
                return wanted
        return self.default_locale

    def text(self, code: str, locale: str | None = None) -> str:
        """The text of a code in a locale; the default locale's, else the code itself."""
        catalogue = self._catalogues[self.locale_or_default(locale)]
        return catalogue.get(code) or self._catalogues[self.default_locale].get(code) or code

    def format(self, code: str, locale: str | None = None, **params: Any) -> str:
        """A localised message template with its `{placeholders}` filled in."""
        return self.text(code, locale).format(**params)

    def lookup(self, codes: Iterable[str]) -> dict[str, str]:
        """Normalised text -> code, for every spelling of the given codes in every locale.

        Restricted to the codes a sheet can hold, so the same text meaning something else
        in an unrelated module cannot shadow a header.
        """
        spellings: dict[str, str] = {}
        for code in codes:
            for form in (code, *(texts.get(code) for texts in self._catalogues.values())):
                if form:
                    spellings.setdefault(normalise_text(form), code)
        return spellings


@cache
def load_bundled_messages() -> Messages:
    """The catalogues shipped in `project_factory/data/messages/<locale>.json` (read once)."""
    folder = resources.files("project_factory").joinpath("data", "messages")
    catalogues = {
        entry.name.removesuffix(".json"): json.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    }
    return Messages(catalogues)
