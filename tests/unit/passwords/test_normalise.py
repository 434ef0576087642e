"""Mojibake repair and keyboard layouts: what a password was before software garbled it."""

from __future__ import annotations

import pytest

from phalanx.passwords.normalise import (
    decode_mojibake,
    fold,
    from_cyrillic_layout,
    to_cyrillic_layout,
)


@pytest.mark.parametrize(("garbled", "meant"), [
    ("Ã¼berpass", "überpass"),  # UTF-8 read as Windows-1252
    ("Ð¿Ð°Ñ€Ð¾Ð»ÑŒ", "пароль"),  # the same, Cyrillic
    ("Ð Ñ—Ð Â°Ð¡Ð‚Ð Ñ•Ð Â»Ð¡ÐŠ", "пароль"),  # twice over, via Windows-1251, no-break spaces lost
    ("Ð¼Ð°ÐºÑ\ufffdÐ¸Ð¼", "мак\ufffdим"),  # a byte lost on the way: the letter stays unknown
])
def test_mojibake_is_repaired(garbled: str, meant: str) -> None:
    assert decode_mojibake(garbled) == meant


@pytest.mark.parametrize("text", ["password", "пароль", "naïve-café", "1\ufffd2\ufffd\ufffd3",
                                  "Ðiego"])
def test_text_that_is_not_mojibake_is_left_alone(text: str) -> None:
    assert decode_mojibake(text) == text


def test_cyrillic_layout_reads_as_qwerty_keys() -> None:
    assert from_cyrillic_layout("зфыыцщкв") == "password"
    assert from_cyrillic_layout("password") == "password"


def test_mojibake_with_every_no_break_space_lost_is_repaired() -> None:
    # UTF-8 read as Windows-1251, then again as Windows-1252, no-break spaces turned to spaces
    garbled = ("йцукен".encode().decode("cp1251").encode().decode("cp1252")
               .replace("\xa0", " "))
    assert " " in garbled
    assert decode_mojibake(garbled) == "йцукен"


def test_english_layout_reads_as_russian_keys() -> None:
    assert to_cyrillic_layout("ghbdtn") == "привет"
    assert to_cyrillic_layout("12345!") == "12345!"


def test_accented_latin_letters_fold_to_what_people_type() -> None:
    assert fold("Łukasz.MÜLLER-Straße") == "lukasz.muller-strasse"
    assert fold("Юлия") == "юлия"  # Cyrillic stays Cyrillic
