"""names: first names and surnames of many languages from faker, in the forms people type."""

from __future__ import annotations

from phalanx.passwords.names import FIRST_NAME, SURNAME, dictionary, spellings


def test_dictionary_holds_names_of_many_languages_in_latin_and_cyrillic() -> None:
    kinds = dictionary().kinds
    assert kinds["svetlana"] == FIRST_NAME and kinds["юлия"] == FIRST_NAME
    for surname in ("shevchenko", "шевченко", "kuznetsova", "schmidt", "mueller", "nowak",
                    "rossi", "kovacs"):
        assert kinds[surname] == SURNAME, surname
    assert len(kinds) > 50_000


def test_cyrillic_names_in_every_transliteration_people_use() -> None:
    assert spellings("Юлия") == {"юлия", "yuliya", "iuliia", "julija"}


def test_slavic_surnames_in_both_genders() -> None:
    assert {"plotnikov", "plotnikova", "плотников", "плотникова"} <= spellings(
        "Плотников", surname=True)
    assert "kowalska" in spellings("Kowalski", surname=True)
    assert spellings("Плотников") == {"plotnikov", "плотников"}  # a first name: one form


def test_accents_dropped_and_umlauts_also_spelt_out() -> None:
    assert spellings("Müller") == {"muller", "mueller"}
    assert spellings("Łukasz") == {"lukasz"}


def test_scripts_written_without_vowels_are_left_out() -> None:
    assert spellings("أحمد") == set()  # Arabic: anyascii gives 'hmd'
    assert spellings("Анна-Мария") >= {"anna", "mariya", "annamariya"}
