"""Names of 105 countries read from the `names-dataset` package (world_names.py)."""

from __future__ import annotations

from pathlib import Path

from phalanx.passwords.denylist import BUILTIN_WORLD_NAMES
from phalanx.passwords.names import FIRST_NAME, SURNAME, dictionary
from phalanx.passwords.policy import Policy, check_password
from phalanx.passwords.world_names import read_cache, world_names, write_cache

# Kazakh, Uzbek and Tajik names that faker's locales do not have
NAMES = ("aigerim", "tokhtarova", "zhaksylyk", "nurlanovna", "dilnoza")


def test_names_faker_lacks_are_read_in_their_typed_forms() -> None:
    names = world_names()
    assert len(names) > 1_000_000
    faker = dictionary().kinds
    for name in NAMES:
        assert name in names and name not in faker, name
    assert names["nurlanovna"] == SURNAME and names["aigerim"] == FIRST_NAME
    assert all(len(name) >= 5 and " " not in name for name in list(names)[:10_000])


def test_cache_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "names.txt"
    assert read_cache(path) is None
    write_cache(path, {"aigerim": FIRST_NAME, "tokhtarova": SURNAME, "dilnoza": FIRST_NAME})
    assert read_cache(path) == {"aigerim": FIRST_NAME, "tokhtarova": SURNAME, "dilnoza": FIRST_NAME}
    assert not list(path.parent.glob("*.tmp"))


def test_a_name_and_a_surname_are_refused_and_random_letters_pass(builtin_policy: Policy) -> None:
    assert builtin_policy.deny.source_of("tokhtarova") == BUILTIN_WORLD_NAMES
    refused = check_password("aigerim.tokhtarova", builtin_policy)
    assert not refused.accepted
    assert {"aigerim", "tokhtarova"} <= set(refused.matched_terms)
    assert "a first name" in refused.reasons[0].message
    assert check_password("aigerim.qxwzkrbpvt", builtin_policy).accepted


def test_names_are_not_read_into_look_alike_digits(builtin_policy: Policy) -> None:
    # "zhaksylyk" is a name of the list; read with 5 -> s it would be found in this string
    assert "zhak5ylyk" not in builtin_policy.deny.terms
    split = check_password("zhak5ylyk-qxwbvt-mrplk", builtin_policy)
    assert "zhaksylyk" not in split.matched_terms
