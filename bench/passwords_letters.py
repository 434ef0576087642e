"""Bench: where the letter model's "reads like a word or a name" threshold falls (issue 3).

    .venv/bin/python bench/passwords_letters.py [--held-out 3000] [--random 20000]

For each script (Latin, Cyrillic) the model is trained without a random sample of surnames
(every spelling of them left out: both genders, every transliteration), then it prints, for a
range of thresholds (mean bits per letter), the share of those held-out surnames of 4-14
letters that read as word-like, and the share of random letter strings of 4-14 letters that
do. The threshold in letters.py is where random strings stay rare (about 0.4 %). Then, for
Cyrillic-origin surnames typed in Latin letters, the same with the second reading letters.py
adds (a run is word-like when the main model passes it at 3.9 bits a letter or the model of
transliterated names at each threshold). No password list is used.
"""

from __future__ import annotations

import argparse
import random

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from phalanx.passwords import letters
from phalanx.passwords.names import SURNAME, _faker_names, dictionary, spellings

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
THRESHOLDS = (3.6, 3.7, 3.8, 3.9, 4.0, 4.1, 4.2, 4.3, 4.4, 4.5)


cost = letters.run_bits


def report(label: str, bits: dict[str, float], held: list[str], alphabet: str,
           n_random: int) -> None:
    chooser = random.Random(1)
    noise = ["".join(chooser.choice(alphabet) for _ in range(chooser.randint(4, 14)))
             for _ in range(n_random)]
    print(f"{label}: {len(held):,} held-out surnames, {n_random:,} random strings")
    for limit in THRESHOLDS:
        names = sum(cost(bits, w) <= limit * len(w) for w in held) / len(held)
        rand = sum(cost(bits, w) <= limit * len(w) for w in noise) / len(noise)
        print(f"  {limit:.1f} bits/letter: surnames {names:6.1%}   random {rand:6.2%}")


def report_transliterated(chooser: random.Random, cyrillic: list[str], n_random: int) -> None:
    """Held-out Cyrillic-origin surnames in Latin letters: main model alone, or either."""
    held = chooser.sample(cyrillic, len(cyrillic) // 3)
    left_out = set().union(*(spellings(n, surname=True) for n in held))
    main_bits = letters.train([w for w in letters.training_words() if w not in left_out])
    second = letters.train(sorted(dictionary().transliterated - left_out))
    tests = [min(forms) for n in held
             if (forms := [f for f in spellings(n) if f.isascii()
                           and len(f) in letters.WORDLIKE_LENGTHS])]
    noise_chooser = random.Random(1)
    noise = ["".join(noise_chooser.choice(letters.LATIN)
                     for _ in range(noise_chooser.randint(4, 14))) for _ in range(n_random)]
    main_limit = letters.WORDLIKE_MEAN_BITS

    def share(words: list[str], limit: float) -> float:
        return sum(cost(main_bits, w) <= main_limit * len(w) or cost(second, w) <= limit * len(w)
                   for w in words) / len(words)

    print(f"Latin spellings of Cyrillic surnames: {len(tests):,} held out, {n_random:,} random"
          f" strings; main model at {main_limit} bits/letter, or transliterated model at")
    print(f"  (main alone: surnames {share(tests, 0):6.1%}   random {share(noise, 0):6.2%})")
    for limit in (3.5, 3.6, 3.7, 3.8, 3.9):
        print(f"  {limit:.1f} bits/letter: surnames {share(tests, limit):6.1%}   "
              f"random {share(noise, limit):6.2%}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--held-out", type=int, default=3000)
    parser.add_argument("--random", type=int, default=20_000)
    args = parser.parse_args()
    chooser = random.Random(7)
    names = dictionary()
    surnames = sorted({name for name, kind in _faker_names() if kind == SURNAME
                       if spellings(name)} | set(FREQUENCY_LISTS["surnames"]))
    latin = [n for n in surnames if n.isascii()]
    cyrillic = [n for n in surnames if any(c in RUSSIAN for c in n.lower())]
    for label, pool, alphabet in (("Latin", latin + cyrillic, letters.LATIN),
                                  ("Cyrillic", cyrillic, RUSSIAN)):
        held = chooser.sample(pool, min(args.held_out, len(pool) // 3))
        left_out = set().union(*(spellings(n, surname=True) for n in held))
        if alphabet == letters.LATIN:
            words = [w for w in letters.training_words() if w not in left_out]
            tests = [min(f for f in spellings(n) if f.isascii()) for n in held]
            bits = letters.train(words)
        else:
            words = [w for w in letters.cyrillic_training_words() if w not in left_out]
            tests = [n.lower() for n in held]
            bits = letters.train(words, letters.CYRILLIC)
        tests = [w for w in tests if len(w) in letters.WORDLIKE_LENGTHS
                 and all(letters.script(c) for c in w)]
        report(label, bits, tests, alphabet, args.random)
    report_transliterated(chooser, [n for n in surnames if any(c in RUSSIAN for c in n.lower())],
                          args.random)
    print(f"dictionary: {len(names.kinds):,} names, {len(names.words):,} words")


if __name__ == "__main__":
    main()
