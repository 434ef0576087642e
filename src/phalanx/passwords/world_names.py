"""First names and surnames of 105 countries, read from the `names-dataset` package.

faker's locales (names.py) hold a few hundred to a few thousand names each; people build
passwords from the names they and their families have, in whatever country
(`mutalim.gusenov`, `varida.alibaeva`). `names-dataset` (MIT, by Philippe Rémy) ships the
first names and surnames of Facebook users of 105 countries with each name's popularity
rank in the countries where it is common: 730k first names and 980k surnames, of which the
ranked ones (the top 20k or so of each country) are kept here. A cracker targeting an
organisation loads the name list of its country, so a name is worth picking one name of a
country's list (WORLD_NAME_BITS), about as much as one of faker's.

The package's data is large (two pickles that take 10 s and 2 GB to read), so the names are
read once, written in the forms people type them (names.spellings: Latin letters, the four
transliterations of Cyrillic, both genders of Slavic surnames) to a small cache file in the
user's cache folder (about 1.3 million forms, 15 MB), and read from there afterwards. Nothing
is copied into Phalanx.
"""

from __future__ import annotations

import gzip
import math
import os
import pickle  # the installed package's own data, read as its own loader reads it
import tempfile
from functools import cache
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

from phalanx.passwords.names import FIRST_NAME, SURNAME, spellings

MAX_RANK = 20_000  # every ranked name: a country's list is at most this long
WORLD_NAME_BITS = math.log2(MAX_RANK)
MIN_LENGTH = 5  # 8.5 % of all four-letter strings are a name of some country: too many
_FORMAT = 2  # bump when the cache's contents change
_BETWEEN = "\n--\n"  # the cache: first names, one a line, this, then surnames


def cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "phalanx"


@cache
def world_names() -> dict[str, str]:
    """Every ranked name of names-dataset in its typed forms -> FIRST_NAME | SURNAME."""
    path = cache_folder() / f"world-names-{version('names-dataset')}-{MAX_RANK}-{_FORMAT}.txt"
    kinds = read_cache(path)
    if kinds is None:
        kinds = _read_package()
        write_cache(path, kinds)
    return kinds


def read_cache(path: Path) -> dict[str, str] | None:
    try:
        first, surnames = path.read_text(encoding="utf-8").split(_BETWEEN)
    except (OSError, ValueError):
        return None
    return {**dict.fromkeys(surnames.split(), SURNAME), **dict.fromkeys(first.split(), FIRST_NAME)}


def _read_package() -> dict[str, str]:
    root = files("names_dataset") / "v3"
    kinds: dict[str, str] = {}
    # surnames first: a name that is a first name anywhere is called one
    for kind, name in ((SURNAME, "last_names.pkl.gz"), (FIRST_NAME, "first_names.pkl.gz")):
        with gzip.open(str(root / name)) as stream:
            entries = pickle.load(stream)
        for entry, info in entries.items():
            ranks = info.get("rank") or {}
            if not ranks or min(ranks.values()) > MAX_RANK:
                continue
            for form in spellings(entry, surname=kind == SURNAME):
                if len(form) >= MIN_LENGTH:
                    kinds[form] = kind
        del entries
    return kinds


def write_cache(path: Path, kinds: dict[str, str]) -> None:
    """Write the cache whole or not at all (several processes may build it at once)."""
    text = _BETWEEN.join(
        "\n".join(form for form, k in kinds.items() if k == kind) for kind in (FIRST_NAME, SURNAME)
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp"
        ) as out:
            out.write(text)
        os.replace(out.name, path)
    except OSError:
        return  # no cache folder: the names are read from the package again next time
