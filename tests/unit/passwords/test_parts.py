"""Each way a password can be cheaper than it looks: a positive case and a near miss.

The near miss is the same shape with the guessable piece replaced by random characters; it
must pass, so every rule is shown to refuse what a cracker would try, not the shape itself.
"""

from __future__ import annotations

import pytest

from phalanx.passwords.letters import letter_bits, reads_like_name, word_like
from phalanx.passwords.parts import split_parts
from phalanx.passwords.policy import Policy, check_password


def _refusal(password: str, policy: Policy) -> dict[str, str]:
    return {r.code: r.message for r in check_password(password, policy).reasons}


@pytest.mark.parametrize(("guessable", "near_miss", "said"), [
    # a piece typed twice, or mirrored: a cracker's duplicate and reflect rules
    ("kfjtwqkfjtwq", "kfjtwqpdhxzr", "a repeated piece"),
    # words written backwards (zxcvbn and hashcat's reverse rule try them)
    ("yrtnuoc-noitacude", "yrtnuoc-noitacude-mulch", "a word spelt backwards"),
    # a run counting up or down between two words
    ("lantern-12345-pebble", "lantern-72914-pebble", "a run like 12345"),
    # a name-like word of no list plus a name and a year: a person's name and birth year
    ("korvelina_darya_1987", "qxbgzkpfjr_darya_1987", "reads like a name or a word"),
    ("velminova.darya", "qxwbzkpfjr.darya", "reads like a name or a word"),
    # names of other languages (faker), accents dropped, Slavic surnames in both genders
    ("Svetlana.Shapoval1987", "Svetlana.Qxwzkrbp1987", "a first name, a surname and a year"),
    ("Łukasz.Kowalczyk85", "Łukasz.Qxwzkrbp85", "a first name, a surname"),
    ("alena_plotnikova_1995", "alena_qzxwvkrbtp_1995", "a first name, something that reads"),
    # a first name and a name-like piece run together: a names-by-names combinator
    ("veralipatnikova", "veraqxzwbkpfjtv", "a first name and something that reads like"),
    # a Russian or Ukrainian surname of no list, typed in Latin letters: read by the model of
    # transliterated names (English letter patterns price zhm, rk as rare)
    ("darya.zhmurko", "darya.qxwzkrb", "a first name and something that reads like"),
    ("zhmurko.darya87", "qxwzkrb.darya87", "a first name, something that reads like"),
    # Cyrillic names read by a Cyrillic letter model
    ("плотникова1995", "щцжфхъэыщцжб1995", "reads like a name or a word"),
])
def test_guessable_piece_is_refused_and_the_near_miss_passes(
        builtin_policy: Policy, guessable: str, near_miss: str, said: str) -> None:
    refusal = _refusal(guessable, builtin_policy)
    assert said in refusal.get("guessable_parts", ""), refusal
    assert check_password(near_miss, builtin_policy).accepted, _refusal(near_miss, builtin_policy)


def test_digest_of_a_common_password_is_refused(builtin_policy: Policy) -> None:
    md5_of_123456 = "e10adc3949ba59abbe56e057f20f883e"
    assert "MD5" in _refusal(md5_of_123456, builtin_policy)["digest"]
    assert "digest" in _refusal(md5_of_123456[:20], builtin_policy)  # cut short, as in lists
    one_digit_off = md5_of_123456[:-1] + "f"
    assert check_password(one_digit_off, builtin_policy).accepted


def test_password_typed_with_the_cyrillic_layout_is_refused(builtin_policy: Policy) -> None:
    assert "other_layout" in _refusal("зфыыцщкв2024!", builtin_policy)  # Password2024!
    assert "other_layout" in _refusal("йцукенгшщзхъ", builtin_policy)  # qwertyuiop[]
    assert check_password("щлжхэыбвтюяэ", builtin_policy).accepted  # random keys


def test_russian_typed_with_the_english_layout_is_refused(builtin_policy: Policy) -> None:
    assert "other_layout" in _refusal("dfczcghjcbnm", builtin_policy)  # васяспросить
    assert "other_layout" in _refusal("vfrcbv1990!!", builtin_policy)  # максим1990
    assert check_password("dfqzxghjwbnm", builtin_policy).accepted  # random keys
    assert check_password("coffee-train-fish", builtin_policy).accepted  # reads as English


def test_text_that_is_not_what_a_person_typed(builtin_policy: Policy) -> None:
    hashcat = "$HEX[" + b"Password2024!".hex() + "]"
    assert "hex_notation" in _refusal(hashcat, builtin_policy)
    assert check_password("$HEX[" + b"x7Kp2mQ9vL4s#Tzq".hex() + "]",
                          builtin_policy).accepted
    assert "unreadable" in _refusal("correct\ufffdhorse\ufffdbattery", builtin_policy)


def test_slavic_names_grow_surname_and_endearing_suffixes(builtin_policy: Policy) -> None:
    deny = builtin_policy.deny
    assert split_parts("davidyuk", deny, set()).pieces == (("surname", "davidyuk"),)
    assert split_parts("marinochka", deny, set()).pieces == (("first_name", "marinochka"),)
    assert split_parts("xqzwbyuk", deny, set()).kinds.isdisjoint({"surname", "first_name"})


def test_a_keyboard_walk_is_one_piece(builtin_policy: Policy) -> None:
    assert ("walk", "rfvgyhn") in split_parts("pebble_rfvgyhn_lantern", builtin_policy.deny,
                                              set()).pieces
    assert "walk" not in split_parts("pebble_rqvmyzn_lantern", builtin_policy.deny,
                                     set()).kinds


@pytest.mark.parametrize("password", ["passwordpassword", "1qaz2wsx3edc4rfv", "aaaaaaaaaaaa",
                                      "123456789012", "iloveyou1234", "qwertyuiopasdf"])
def test_brief_examples_are_refused(builtin_policy: Policy, password: str) -> None:
    assert not check_password(password, builtin_policy).accepted


def test_transliterated_names_have_their_own_model() -> None:
    """zhmurko reads as a name only to the model of Cyrillic names in Latin letters."""
    bits = letter_bits("zhmurko")
    assert not word_like(bits)
    assert reads_like_name("zhmurko", bits)
    assert not reads_like_name("qxwzkrb", letter_bits("qxwzkrb"))


def test_letter_model_prices_names_below_random_letters() -> None:
    name, noise = letter_bits("korvelina"), letter_bits("qxbgzkpfj")
    assert sum(name) + 20 < sum(noise)
    assert word_like(name) and not word_like(noise)


def test_a_date_is_one_day_in_a_century(builtin_policy: Policy) -> None:
    assert ("date", "050387") in split_parts("kettle050387pond", builtin_policy.deny,
                                             set()).pieces
    assert "date" not in split_parts("kettle950387pond", builtin_policy.deny, set()).kinds


def test_double_letters_of_ordinary_words_are_not_repeats(builtin_policy: Policy) -> None:
    pieces = split_parts("coffeebookkeeper", builtin_policy.deny, set()).kinds
    assert "repeat" not in pieces
    assert "repeat" in split_parts("bqbqbqmz", builtin_policy.deny, set()).kinds


def test_run_of_known_words_is_a_phrase_not_one_name(builtin_policy: Policy) -> None:
    split = split_parts("coffeetrainfish", builtin_policy.deny, set())
    assert "wordlike" not in split.kinds
    assert split.parts >= 3


def test_sprayer_endings_count_only_on_a_word(builtin_policy: Policy) -> None:
    assert not check_password("Sunflower2024!", builtin_policy).accepted
    # around random letters the same digits are random characters, not a rule
    assert check_password("27978bskmxy7", builtin_policy).accepted
