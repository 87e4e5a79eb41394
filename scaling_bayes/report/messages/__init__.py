"""Message catalogues of the memo: one TOML file per language (``en.toml``, ``ja.toml``).

A catalogue holds *messages* (templates with named placeholders, ``"Of {n} plans, ..."``,
filled with :meth:`str.format`) under dotted keys, and *tables* (``[tables.input_labels]``:
name -> label) under ``tables``. Every language has the same keys and, per message, the same
placeholders (a test checks it), so the composition in :mod:`scaling_bayes.report.document`
is written once. To add a sentence: one message in each file, one line in the composition.

Examples
--------
>>> from scaling_bayes.report.messages import catalogue
>>> catalogue("en").text("headline.returns", t="20%")
'to return more than 20% on its cost (ROI > 20%)'
>>> catalogue("ja").table("currency_names")["USD"]
'ドル'
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from importlib import resources

from ...core.exceptions import ConfigError, ScalingBayesError

__all__ = ["LANGUAGES", "Catalogue", "catalogue"]

LANGUAGES = ("en", "ja")


class Catalogue:
    """The messages and tables of one language.

    Parameters
    ----------
    language : str
    data : dict
        The parsed TOML file.
    """

    def __init__(self, language: str, data: dict) -> None:
        self.language = language
        self._tables = data.get("tables", {})
        self._messages: dict[str, str] = {}
        _flatten({k: v for k, v in data.items() if k != "tables"}, "", self._messages)

    def keys(self) -> list[str]:
        """The message keys (dotted)."""
        return list(self._messages)

    def tables(self) -> dict[str, dict]:
        """Every table, by name."""
        return dict(self._tables)

    def _entry(self, entries: dict, kind: str, name: str, hint: str = ""):
        try:
            return entries[name]
        except KeyError:
            raise ScalingBayesError(
                f"internal: no {kind} {name!r} in the {self.language!r} catalogue{hint}"
            ) from None

    def template(self, key: str) -> str:
        """The message ``key`` as written in the catalogue, placeholders unfilled."""
        hint = f"; add it to scaling_bayes/report/messages/{self.language}.toml"
        return self._entry(self._messages, "message", key, hint)

    def placeholders(self, key: str) -> set[str]:
        """The named placeholders of a message."""
        fields = string.Formatter().parse(self.template(key))
        return {name for _, name, _, _ in fields if name}

    def text(self, key: str, **fields: object) -> str:
        """The message ``key`` with its placeholders filled (extra fields are ignored)."""
        return self.template(key).format(**fields)

    def table(self, name: str) -> dict:
        """A lookup table, e.g. ``input_labels``."""
        return self._entry(self._tables, "table", name)


def _flatten(data: dict, prefix: str, out: dict) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, f"{name}.", out)
        else:
            out[name] = value


@cache
def catalogue(language: str) -> Catalogue:
    """The catalogue of ``language`` (``"en"`` or ``"ja"``), read once from the package."""
    if language not in LANGUAGES:
        raise ConfigError(f"language must be one of {LANGUAGES}; got {language!r}")
    text = resources.files(__name__).joinpath(f"{language}.toml").read_text(encoding="utf-8")
    return Catalogue(language, tomllib.loads(text))
