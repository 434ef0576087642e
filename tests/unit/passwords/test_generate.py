"""generate: three random EFF words pass check."""

from __future__ import annotations

from phalanx.passwords.generate import draw, eff_long_words, generate
from phalanx.passwords.policy import Policy, check_password


def test_eff_list_comes_from_the_package() -> None:
    words = eff_long_words()
    assert len(words) == 7776
    assert "abacus" in words


def test_ten_thousand_raw_draws_are_almost_all_accepted(builtin_policy: Policy) -> None:
    draws = [draw()[0] for _ in range(10_000)]
    accepted = sum(check_password(p, builtin_policy).accepted for p in draws)
    assert accepted / len(draws) >= 0.995


def test_generated_phrases_always_pass_and_show_entropy(builtin_policy: Policy) -> None:
    def accept(text: str) -> bool:
        return check_password(text, builtin_policy).accepted

    for _ in range(50):
        phrase = generate(words=3, separator="", capital=True, digit=True, accept=accept)
        assert accept(phrase.text)
        assert any(c.isupper() for c in phrase.text) and phrase.text[-1].isdigit()
        assert 38.7 + 1.5 + 3.3 < phrase.bits < 44
