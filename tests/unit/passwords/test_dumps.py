"""Hash dump readers: formats detected from content, bad lines named, Hypothesis round trips."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phalanx.core.errors import InputError, PhalanxError
from phalanx.passwords.dumps import parse_dump

NT = "8846f7eaee8fb117ad06bdd830b7586c"
LM = "aad3b435b51404eeaad3b435b51404ee"


def test_secretsdump_with_status_history_and_machines() -> None:
    text = (f"CORP\\jsmith:1104:{LM}:{NT}::: (pwdLastSet=2024-01-02 10:00) (status=Enabled)\n"
            f"CORP\\jsmith_history0:1104:{LM}:{NT}:::\n"
            f"CORP\\WS01$:1105:{LM}:{NT}::: (status=Disabled)\n")
    name, accounts = parse_dump(text, "ntds.txt")
    assert name == "secretsdump"
    assert [(a.account, a.domain, a.rid, a.enabled, a.has_lm) for a in accounts] == [
        ("jsmith", "CORP", 1104, True, False), ("WS01$", "CORP", 1105, False, False)]
    assert accounts[1].is_machine


def test_pwdump_placeholders_and_plain() -> None:
    name, accounts = parse_dump(f"guest:501:NO PASSWORD*********************:{NT}:::\n", "p")
    assert name == "pwdump" and accounts[0].lm is None
    name, accounts = parse_dump(f"alice:{NT}\nbob:{NT.upper()}\n", "h")
    assert name == "plain" and [a.nt.hex() for a in accounts if a.nt] == [NT, NT]


def test_dsinternals_listing() -> None:
    text = ("DistinguishedName: CN=April,DC=contoso\nSid: S-1-5-21-1-2-3-1107\n"
            "SamAccountName: April\nEnabled: True\nSecrets\n  NTHash: " + NT + "\n  LMHash:\n"
            "  NTHashHistory:\n    Hash 01: " + NT + "\n\nSamAccountName: Bob\n  NTHash:\n")
    name, accounts = parse_dump(text, "ds.txt")
    assert name == "dsinternals"
    assert [(a.account, a.rid, a.enabled, a.nt is not None) for a in accounts] == [
        ("April", 1107, True, True), ("Bob", None, None, False)]


@pytest.mark.parametrize(("text", "line", "words"), [
    (f"alice:{NT}\nbob:{NT[:-2]}\n", 2, "30 hex digits"),
    (f"alice:{NT[:-1]}g\n", 1, "not hexadecimal"),
    (f"alice:{NT}\nbob:1106:{LM}:{NT}:::\n", 2, "one file must hold one format"),
    (f"a:1:{LM}:{NT}:::\njust some words\n", 2, "one file must hold one format"),
    ("no colon at all\n", 1, "not a hash dump line"),
    (f"{NT.upper()}:123\n{NT.upper()}:7\n", 1, "Pwned Passwords"),
    (f":{NT}\n", 1, "account name is empty"),
])
def test_bad_input_is_refused_naming_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InputError, match=words) as caught:
        parse_dump(text, "dump.txt")
    assert caught.value.record == line
    assert str(caught.value).startswith(f"dump.txt:{line}: ")


names = st.text(alphabet=st.characters(blacklist_characters=":\\\r\n (#", min_codepoint=33),
                min_size=1, max_size=20).filter(
    # Names are stripped when read (dumps pad with spaces), so a round trip needs names that
    # have no surrounding whitespace; Unicode spaces such as U+0085 count too.
    lambda s: not s.endswith(tuple("0123456789")) and s.strip() == s
)
hashes = st.binary(min_size=16, max_size=16)


@given(st.lists(st.tuples(names, st.integers(500, 10**6), hashes), min_size=1, max_size=20),
       st.sampled_from(["secretsdump", "pwdump", "plain"]))
def test_round_trip(rows: list[tuple[str, int, bytes]], style: str) -> None:
    lines = []
    for name, rid, nt in rows:
        if style == "plain":
            lines.append(f"{name}:{nt.hex()}")
        else:
            user = f"CORP\\{name}" if style == "secretsdump" else name
            lines.append(f"{user}:{rid}:{LM}:{nt.hex()}:::")
    found, accounts = parse_dump("\n".join(lines) + "\n", "gen")
    expected = [name for name, _, _ in rows if "_history" not in name]
    assert found == style
    assert [a.account for a in accounts] == [n.strip() for n in expected]
    assert all(a.nt for a in accounts)


@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text: str) -> None:
    with contextlib.suppress(PhalanxError):
        parse_dump(text, "fuzz")
