"""Bench: what the built-in policy accepts that it should, and refuses of the NCSC list (issue 3).

    .venv/bin/python bench/passwords_acceptance.py [--n 5000] [--ncsc] [--sweep]

Prints the share accepted of: three-word EFF phrases with the default `-` separator and
without one, and random 12-character strings over a-z0-9, over mixed case, digits and
symbols, and over a-z (random.Random(2024) draws). With --ncsc, also the share of the NCSC
top 100k entries of 12+ characters (repaired, de-duplicated) the built-in list refuses, which
is what tests/unit/passwords/test_policy.py asserts. Refused samples are shown to explain the
figures, never used to set a rule. With --sweep (implies --ncsc), the same shares for
stricter bars than the default 3 parts: what refusing more of the NCSC list by raising the bar
would cost the passphrases and random strings people should be allowed.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Sequence

from _corpus import CORPUS
from phalanx.config.passwords import PasswordSettings
from phalanx.passwords.generate import eff_long_words
from phalanx.passwords.loading import build_policy
from phalanx.passwords.normalise import decode_mojibake
from phalanx.passwords.policy import Policy, check_password

NCSC = CORPUS / "passwords" / "ncsc-pwned-top100k.txt"
ALPHABETS = {"a-z0-9": "abcdefghijklmnopqrstuvwxyz0123456789",
             "mixed": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789!@#$%^&*-_=+?",
             "a-z": "abcdefghijklmnopqrstuvwxyz"}


def accepted(label: str, passwords: list[str], policy: Policy) -> None:
    refused = [p for p in passwords if not check_password(p, policy).accepted]
    share = 1 - len(refused) / len(passwords)
    print(f"  {label:30} {share:7.2%} accepted ({len(refused):,} of {len(passwords):,} refused;"
          f" e.g. {', '.join(refused[:3])})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--ncsc", action="store_true")
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    policy = build_policy(PasswordSettings())
    print(f"built-in policy: {len(policy.deny):,} banned base words, built in "
          f"{time.perf_counter() - started:.2f} s")
    chooser = random.Random(2024)
    words = eff_long_words()
    for separator, n in (("-", 2 * args.n), ("", args.n)):
        phrases = [separator.join(chooser.choice(words) for _ in range(3)) for _ in range(n)]
        accepted(f"three words, separator {separator!r}", phrases, policy)
    for label, alphabet in ALPHABETS.items():
        strings = ["".join(chooser.choice(alphabet) for _ in range(12)) for _ in range(args.n)]
        accepted(f"random 12 characters, {label}", strings, policy)
    if args.ncsc or args.sweep:
        long = ncsc_long()
        refused = sum(not check_password(p, policy).accepted for p in long)
        print(f"  NCSC entries of 12+ characters  {refused / len(long):7.2%} refused "
              f"({refused:,} of {len(long):,})")
    if args.sweep:
        sweep(policy, words, ncsc_long(), args.n)


def ncsc_long() -> list[str]:
    lines = NCSC.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
    unique = dict.fromkeys(decode_mojibake(line) for line in lines)
    return [p for p in unique if len(p) >= PasswordSettings().min_length]


def sweep(policy: Policy, words: Sequence[str], long: list[str], n: int) -> None:
    """NCSC share refused against passphrases and random strings accepted, per bar."""
    chooser = random.Random(7)
    phrases = ["-".join(chooser.choice(words) for _ in range(3)) for _ in range(n)]
    joined = ["".join(chooser.choice(words) for _ in range(3)) for _ in range(n)]
    strings = ["".join(chooser.choice(ALPHABETS["a-z0-9"]) for _ in range(12)) for _ in range(n)]
    print("bar (parts) | NCSC 12+ refused | three words '-' accepted | three words '' accepted"
          " | random a-z0-9 accepted")
    for bar in (3.0, 3.25, 3.5, 3.75, 4.0):
        stricter = dataclasses.replace(policy, min_parts=bar)

        def share(passwords: list[str], checked: Policy = stricter) -> float:
            return sum(check_password(p, checked).accepted for p in passwords) / len(passwords)

        print(f"{bar:.2f} | {1 - share(long):.2%} | {share(phrases):.2%} | {share(joined):.2%}"
              f" | {share(strings):.2%}", flush=True)


if __name__ == "__main__":
    main()
