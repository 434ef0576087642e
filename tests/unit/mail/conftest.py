"""Shared fixtures of the mail analysis tests: the corpus analysed once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import Analysis, analyze
from phalanx.mail.extract import split_report

RANK = {"malicious": 4, "suspicious": 3, "spam": 2, "clean": 1, "error": 0}


def report_verdict(raw: bytes, settings: MailSettings) -> Analysis:
    """What the service concludes for one report: the worst analysis among the messages it
    carries (the phishing corpus is partly honeypot forwards of the original)."""
    analyses = [analyze(extracted.raw, settings) for extracted in split_report(raw)]
    return max(analyses, key=lambda a: RANK[a.verdict])


@pytest.fixture(scope="session")
def mail_corpus(corpus: Path) -> Path:
    return corpus / "mail"


@pytest.fixture(scope="session")
def corpus_verdicts(mail_corpus: Path) -> Callable[[str], dict[str, Analysis]]:
    """folder -> {file name: analysis}, computed once per folder."""
    cache: dict[str, dict[str, Analysis]] = {}
    settings = MailSettings()

    def verdicts(folder: str) -> dict[str, Analysis]:
        if folder not in cache:
            cache[folder] = {
                path.name: report_verdict(path.read_bytes(), settings)
                for path in sorted((mail_corpus / folder).iterdir())
            }
        return cache[folder]

    return verdicts
