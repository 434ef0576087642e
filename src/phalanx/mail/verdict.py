"""From signals to a verdict: every rule that fires adds its weight and a reason in plain words.

Two tallies are kept apart on purpose. Threat signals (phishing, malware, BEC, scams) make a
message suspicious (>= settings.suspicious_score) or malicious (>= settings.malicious_score).
Spam signals (bulk-mail language, opt-out links) only ever make it spam: a newsletter must never
be called phishing because it says "unsubscribe" and "free".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from phalanx.config.mail import MailSettings

CREDENTIAL_PHISHING = "credential_phishing"
MALWARE = "malware"
BEC = "bec"
SCAM = "scam"
CALLBACK = "callback_phishing"
SPAM = "spam"
NONE = "none"
PHISHING = "phishing"
# Signals that say something is off without naming the kind of attack.
GENERIC = "generic"


@dataclass(frozen=True)
class Signal:
    rule: str  # stable identifier, e.g. "auth.dmarc_fail"
    weight: int
    category: str
    reason: str  # plain words, shown to analysts and reporters


@dataclass(frozen=True)
class Verdict:
    verdict: str
    score: int
    category: str


def decide(signals: Iterable[Signal], settings: MailSettings) -> Verdict:
    """The verdict, 0-100 score and attack category of a message's signals."""
    threat = 0
    spam = 0
    by_category: dict[str, int] = defaultdict(int)
    for signal in signals:
        if signal.category == SPAM:
            spam += signal.weight
        else:
            threat += signal.weight
            if signal.category != GENERIC:
                by_category[signal.category] += signal.weight
    threat = max(0, min(100, threat))
    spam = max(0, min(100, spam))
    if threat >= settings.suspicious_score:
        verdict = "malicious" if threat >= settings.malicious_score else "suspicious"
        # Only generic signals (forged sender, disguised letters...): phishing of no one kind.
        category = max(by_category, key=by_category.__getitem__) if by_category else PHISHING
        return Verdict(verdict, threat, category)
    if spam >= settings.spam_score:
        return Verdict("spam", max(spam, threat), SPAM)
    return Verdict("clean", max(threat, spam), NONE)
