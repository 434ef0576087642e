"""Verdicts on the real corpus: phishing flagged, ham left alone, Sublime's samples caught.

Flagged means verdict malicious or suspicious. Rates are printed (pytest -s) for the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import Analysis, analyze, read_message_file

FLAGGED = ("malicious", "suspicious")
Verdicts = Callable[[str], dict[str, Analysis]]


def _rate(results: dict[str, Analysis], verdicts: tuple[str, ...]) -> float:
    return sum(a.verdict in verdicts for a in results.values()) / len(results)


def test_phishing_is_flagged(corpus_verdicts: Verdicts) -> None:
    results = corpus_verdicts("phishing")
    rate = _rate(results, FLAGGED)
    print(
        f"phishing flagged: {rate:.1%} of {len(results)}",
        Counter(a.verdict for a in results.values()),
    )
    # Measured 96.0% (383 of 399); docs/mail-analysis.md says what the misses are.
    assert rate >= 0.95


def test_phishing_goal_of_the_issue(corpus_verdicts: Verdicts) -> None:
    # Issue #4: at least 95% of real phishing flagged as malicious or suspicious.
    assert _rate(corpus_verdicts("phishing"), FLAGGED) >= 0.95


def test_ham_is_left_alone(corpus_verdicts: Verdicts) -> None:
    results = corpus_verdicts("ham")
    flagged = {name: a.rules for name, a in results.items() if a.verdict in FLAGGED}
    print(f"ham flagged: {len(flagged) / len(results):.2%}", flagged)
    assert len(flagged) / len(results) <= 0.01


def test_every_sublime_sample_is_flagged(corpus_verdicts: Verdicts) -> None:
    results = corpus_verdicts("sublime")
    missed = {
        name: (a.verdict, a.score, a.rules)
        for name, a in results.items()
        if a.verdict not in FLAGGED
    }
    assert not missed


def test_spam_is_mostly_spam_or_suspicious(corpus_verdicts: Verdicts) -> None:
    results = corpus_verdicts("spam")
    rate = _rate(results, ("spam", "suspicious", "malicious"))
    print(
        f"spam caught (spam/suspicious/malicious): {rate:.1%}",
        Counter(a.verdict for a in results.values()),
    )
    assert rate >= 0.5  # no requirement in the issue; old 2002 spam without headers to judge


def test_verdicts_explain_themselves(corpus_verdicts: Verdicts) -> None:
    for analysis in corpus_verdicts("phishing").values():
        if analysis.verdict in FLAGGED:
            assert analysis.reasons, "a flagged message must say why"
            assert analysis.category != "none"
            assert 0 <= analysis.score <= 100


def test_both_outlook_msg_samples_parse(mail_corpus: Path) -> None:
    settings = MailSettings()
    by_name = {}
    for path in sorted((mail_corpus / "samples-msg").glob("*.msg")):
        [raw] = read_message_file(path)
        by_name[path.name] = analyze(raw, settings)
    unicode_msg = by_name["unicode.msg"]
    assert unicode_msg.subject == "Test for TIF files"
    assert unicode_msg.indicators.sender == "brizhou@gmail.com"
    assert "MS Outlook MSG Extractor" in unicode_msg.text
    assert [a.name for a in unicode_msg.indicators.attachments] == [
        "import OleFileIO.tif",
        "raised value error.tif",
    ]
    assert unicode_msg.date is not None and unicode_msg.date.year == 2013
    strange = by_name["strangeDate.msg"]
    assert strange.subject == "MSG Test File"
    assert strange.text.startswith("MSG test file")
    assert strange.error is None


def test_indicators_are_collected(corpus_verdicts: Verdicts) -> None:
    results = corpus_verdicts("phishing")
    with_urls = sum(bool(a.indicators.urls) for a in results.values())
    assert with_urls / len(results) > 0.7
    sample = next(a for a in results.values() if a.indicators.urls)
    data = sample.to_dict()
    assert set(data["indicators"]) >= {"urls", "domains", "ips", "sender", "attachments"}
    assert all(u.startswith(("http://", "https://", "ftp://")) for u in data["indicators"]["urls"])
