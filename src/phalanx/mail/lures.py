"""The words of a lure: credential prompts, COVID-19 and vaccine themes, call-back numbers,
BEC requests, advance-fee scams, and the bulk-mail language of spam. Each family is a small
table of phrases; a family fires once, with a weight, however many of its phrases appear."""

from __future__ import annotations

import re
from collections.abc import Sequence

from phalanx.config.mail import MailSettings
from phalanx.mail.attachments import Inspected
from phalanx.mail.headers import FREEMAIL, Envelope
from phalanx.mail.urls import FoundUrls
from phalanx.mail.verdict import BEC, CALLBACK, CREDENTIAL_PHISHING, SCAM, SPAM, Signal


def _words(*phrases: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE)


CREDENTIAL = _words(
    r"verify your (?:account|identity|email|mailbox|information)",
    r"confirm your (?:account|identity|email|password|details)",
    r"(?:account|mailbox|password)(?: has been| will be| is)? (?:suspended|locked|disabled|"
    r"deactivated|expired?|terminated|restricted|closed)",
    r"password (?:expir\w+|will expire|reset required)",
    r"(?:mailbox|storage|quota|e-?mail) (?:is )?(?:full|exceeded|almost full|limit)",
    r"unusual (?:sign-?in|login|activity)",
    r"suspicious (?:sign-?in|login|activity)",
    r"(?:update|validate|re-?activate|restore) your (?:account|payment|billing|information)",
    r"log ?in to (?:view|access|confirm|continue)",
    r"sign in to (?:view|access|confirm)",
    r"(?:shared|sent) (?:a|the) (?:document|file)s? with you",
    r"view (?:the )?document",
    r"new voice ?mail",
    r"pending (?:messages|deliver\w+)",
    r"undelivered (?:messages|mail)",
    r"(?:within|in) (?:24|48|twenty-four) hours",
    r"(?:act|respond) (?:now|immediately)",
    r"security alert",
    r"your account",
    r"click (?:here|below|the link)",
    r"invoice",
    r"payment (?:failed|declined|information)",
    r"delivery (?:failed|attempt)",
    r"parcel|package (?:is )?(?:on hold|waiting|could not)",
    r"reward points?",
    r"verifica\w* (?:sua|seu)",
    r"sua conta",
    r"senha",
)
COVID = _words(
    r"covid(?:-?19)?",
    r"coronavirus",
    r"corona virus",
    r"sars-cov-2",
    r"vaccin\w*",
    r"booster (?:shot|dose|jab)",
    r"pandemic (?:relief|support|grant)",
)
CALL_WORDS = _words(
    r"call (?:us|our|the|now|immediately|back|at|toll)",
    r"helpline",
    r"(?:customer|technical|billing) (?:support|care|service) (?:number|team)",
    r"contact (?:us|our (?:support|billing)) (?:at|on)",
    r"toll[- ]free",
    r"cancel (?:the|your) (?:order|subscription|renewal)",
    r"(?:auto-?)?renew(?:al|ed)",
    r"not authori[sz]ed this",
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[\s.-]\d{2,4}[\s.-]\d{3,4}[\s.-]?\d{3,4}(?!\d)"
)
BEC_WORDS = _words(
    r"gift ?cards?",
    r"wire (?:transfer|payment)",
    r"bank (?:details|account) "
    r"(?:has|have) changed",
    r"change (?:of|to) (?:the )?bank",
    r"are you available",
    r"(?:quick|urgent|small) (?:task|favou?r|request)",
    r"i need you to",
    r"kindly (?:process|send|purchase|get)",
    r"payroll",
    r"direct deposit",
    r"keep (?:this|it) confidential",
    r"are you at your desk",
)
SCAM_WORDS = _words(
    r"lottery",
    r"(?:you have|you've) won",
    r"inheritance",
    r"next of kin",
    r"beneficiary",
    r"(?:million|billion) (?:dollars|usd|euros|pounds)",
    r"\d+(?:[.,]\d+)? million",
    r"compensation fund",
    r"atm card",
    r"western union",
    r"bitcoin",
    r"crypto(?:currency)?",
    r"investment "
    r"opportunity",
    r"barrister",
    r"diplomat",
    r"sextortion|webcam|recorded you",
    r"claim your (?:prize|reward|funds)",
    r"unclaimed",
    r"loan offer",
    r"dear (?:friend|beneficiary|winner)",
    r"business proposal",
)
SPAM_WORDS = _words(
    r"unsubscribe",
    r"opt[- ]?out",
    r"remove (?:me|yourself)",
    r"viagra",
    r"cialis",
    r"mortgage",
    r"refinanc\w+",
    r"lowest (?:price|rate)s?",
    r"limited time",
    r"act now",
    r"100% (?:free|guaranteed)",
    r"free (?:trial|"
    r"offer|gift|money|quote)",
    r"special (?:offer|promotion)",
    r"buy now",
    r"order (?:now|today)",
    r"weight loss",
    r"lose weight",
    r"work from home",
    r"make money",
    r"earn \$?\d+",
    r"no obligation",
    r"risk[- ]free",
    r"credit (?:card|report|score)",
    r"debt",
    r"casino",
    r"discount",
    r"amazing",
    r"satisfaction guaranteed",
    r"dear (?:sir|madam|customer)",
    r"this (?:is not|isn't) spam",
    r"bulk e-?mail",
    r"marketing",
    r"cash",
    r"\$\d[\d,]*",
    r"save (?:up to )?\d+%",
    r"click here",
)


def check(
    env: Envelope, body: str, found: FoundUrls, items: Sequence[Inspected], settings: MailSettings
) -> list[Signal]:
    text = f"{env.subject} \n {body}"[: settings.max_text_chars]
    signals: list[Signal] = []
    has_links = bool(found.urls)
    credential_hits = _distinct(CREDENTIAL, text)
    if credential_hits >= 2 and (has_links or items):
        signals.append(
            Signal(
                "lure.credential",
                10 + 5 * min(credential_hits, 5),
                CREDENTIAL_PHISHING,
                "The text pushes the reader to sign in, verify or act urgently.",
            )
        )
    if COVID.search(text):
        signals.append(
            Signal(
                "lure.covid",
                15 if has_links or items else 8,
                CREDENTIAL_PHISHING,
                "The message uses a COVID-19 or vaccine theme, a common lure.",
            )
        )
    signals += _callback(text, has_links)
    signals += _bec(env, text, has_links)
    scam_hits = _distinct(SCAM_WORDS, text)
    if scam_hits >= 2:
        signals.append(
            Signal(
                "lure.scam",
                10 + 8 * min(scam_hits, 5),
                SCAM,
                "The text reads like an advance-fee, prize or crypto scam.",
            )
        )
    spam_hits = _distinct(SPAM_WORDS, text)
    if spam_hits >= 2:
        signals.append(
            Signal(
                "lure.spam",
                10 + 6 * min(spam_hits, 8),
                SPAM,
                "The text uses the language of bulk advertising mail.",
            )
        )
    return signals


def _distinct(pattern: re.Pattern[str], text: str) -> int:
    return len({m.lower() for m in pattern.findall(text)})


def _callback(text: str, has_links: bool) -> list[Signal]:
    phones = PHONE.findall(text)
    if not phones or not CALL_WORDS.search(text):
        return []
    weight = 35 if not has_links else 20
    return [
        Signal(
            "lure.callback",
            weight,
            CALLBACK,
            f"The message asks the reader to call {phones[0].strip()}: call-back "
            "phishing gets victims to phone a fake support line.",
        )
    ]


def _bec(env: Envelope, text: str, has_links: bool) -> list[Signal]:
    hits = _distinct(BEC_WORDS, text)
    if not hits:
        return []
    free = env.from_domain in FREEMAIL or env.reply_to.rpartition("@")[2] in FREEMAIL
    weight = 10 * min(hits, 3) + (15 if free else 0) + (5 if not has_links else 0)
    return [
        Signal(
            "lure.bec",
            weight,
            BEC,
            "The text asks for a payment, gift cards or a confidential favour, "
            "the pattern of business e-mail compromise.",
        )
    ]
