"""Languages of the web pages: Korean first, English second, from YAML message catalogues.

Every user-visible string of a page comes from ``messages/<lang>.yaml`` and the fragments in
``messages/<lang>/*.yaml`` (one per feature; nested keys, read as dotted names; a key defined
twice is an error). The language is chosen by ``?lang=``, then the ``ilteo_lang`` cookie, then
Korean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

LANGUAGES: Final = ("ko", "en")
DEFAULT_LANGUAGE: Final = "ko"
LANG_COOKIE: Final = "ilteo_lang"
MESSAGES_DIR: Final = Path(__file__).parent / "messages"


def flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Flatten nested catalogue keys into dotted names.

    >>> flatten({"a": {"b": "x"}, "c": "y"})
    {'a.b': 'x', 'c': 'y'}
    """
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@lru_cache(maxsize=len(LANGUAGES))
def load_catalogue(lang: str) -> dict[str, str]:
    """Return the flattened message catalogue of ``lang`` (read once per process)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language: {lang!r}")
    catalogue: dict[str, str] = {}
    files = [MESSAGES_DIR / f"{lang}.yaml", *sorted((MESSAGES_DIR / lang).glob("*.yaml"))]
    for path in files:
        with path.open(encoding="utf-8") as handle:
            part = flatten(yaml.safe_load(handle) or {})
        if twice := sorted(set(part) & set(catalogue)):
            raise ValueError(f"message keys defined twice ({path.name}): {twice[:5]}")
        catalogue.update(part)
    return catalogue


def pick_language(query: str | None, cookie: str | None) -> str:
    """Choose the page language: the query parameter, then the cookie, then Korean.

    >>> pick_language("en", None), pick_language(None, "en"), pick_language("xx", None)
    ('en', 'en', 'ko')
    """
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return str(candidate)
    return DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Translator:
    """Look up messages of one language; callable from templates as ``t("key", n=3)``."""

    lang: str

    def __call__(self, key: str, **params: object) -> str:
        """Return the message ``key``, formatted with ``params`` (``{name}`` placeholders).

        Raises:
            KeyError: The key is in no catalogue (a template bug; the catalogue test catches it).
        """
        message = load_catalogue(self.lang)[key]
        return message.format(**params) if params else message

    def label(self, group: str, value: object) -> str:
        """The message ``group.value`` when the catalogue has one, else ``value`` as it is.

        For data-driven labels (systems, levels) that may grow before the catalogue does.
        """
        return load_catalogue(self.lang).get(f"{group}.{value}", str(value))

    @property
    def other(self) -> str:
        """The language a page offers to switch to."""
        return "en" if self.lang == "ko" else "ko"
