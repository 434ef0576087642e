"""Bench: what the built-in policy accepts that it should, and refuses of the NCSC list (issue 3).

    .venv/bin/python bench/passwords_acceptance.py [--n 5000] [--ncsc]

Prints the share accepted of: three-word EFF phrases with the default `-` separator and
without one, and random 12-character strings over a-z0-9, over mixed case, digits and
symbols, and over a-z (random.Random(2024) draws). With --ncsc, also the share of the NCSC
top 100k entries of 12+ characters (repaired, de-duplicated) the built-in list refuses, which
is what tests/unit/passwords/test_policy.py asserts. Refused samples are shown to explain the
figures, never used to set a rule.
"""

from __future__ import annotations

import argparse
import random
import time

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
    if args.ncsc:
        lines = NCSC.read_text(encoding="utf-8", errors="replace").splitlines()[6:]
        unique = dict.fromkeys(decode_mojibake(line) for line in lines)
        long = [p for p in unique if len(p) >= PasswordSettings().min_length]
        refused = sum(not check_password(p, policy).accepted for p in long)
        print(f"  NCSC entries of 12+ characters  {refused / len(long):7.2%} refused "
              f"({refused:,} of {len(long):,})")


if __name__ == "__main__":
    main()
