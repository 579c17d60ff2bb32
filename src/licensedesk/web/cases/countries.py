"""Countries and regions for a shareholder's nationality or place of incorporation, with their names
from Babel's CLDR locale data (no list of our own to keep up to date).

The contract stores ISO 3166-1 alpha-2 (``company.shareholders[].jurisdiction``, ``^[A-Z]{2}$``): people
pick 「美国」, not ``US``. CLDR's pseudo-regions (EU, UN, ZZ …) are not nationalities and are left out.
Mainland China, Hong Kong, Macau and Taiwan come first: most shareholders are one of them, and the
latter three count as foreign for telecom licensing.
"""

from __future__ import annotations

from functools import cache

from babel import Locale

_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
_FIRST = ("CN", "HK", "MO", "TW")
_LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


@cache
def _names(lang: str) -> dict[str, str]:
    territories = Locale.parse(_LOCALES.get(lang, "en")).territories
    return {
        code: str(name)
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def country_codes() -> tuple[str, ...]:
    """The alpha-2 codes offered: the four most common first, the rest by their Chinese name."""
    names = _names("zh")
    rest = sorted((code for code in names if code not in _FIRST), key=lambda code: (names[code], code))
    return _FIRST + tuple(rest)


def country_name(code: str, lang: str) -> str:
    """「美国」 for ``US`` in Chinese; the code itself when CLDR does not know it."""
    return _names(lang).get(code, code)
