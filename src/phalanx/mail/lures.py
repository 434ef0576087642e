"""The words of a lure: credential prompts, COVID-19 and vaccine themes, call-back numbers,
BEC requests, prize/advance-fee/crypto scams, and the bulk-mail language of spam.

Each family is a table of phrases (English plus the German and Portuguese that modern phishing
corpora are full of). A family fires once, its weight growing with the number of distinct
phrases found, and only in the context that makes it a lure (credential words need a link or an
attachment to act on; BEC words weigh more from a free mailbox)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from phalanx.config.mail import MailSettings
from phalanx.mail import brands
from phalanx.mail.attachments import Inspected
from phalanx.mail.domains import under_any
from phalanx.mail.headers import FREEMAIL, Envelope
from phalanx.mail.urls import FoundUrls
from phalanx.mail.verdict import (
    BEC,
    CALLBACK,
    CREDENTIAL_PHISHING,
    GENERIC,
    MALWARE,
    SCAM,
    SPAM,
    Signal,
)

_LURE_TEXT_CHARS = 5000  # lures show themselves early; long texts are mostly footers


class Phrase:
    """One lure phrase: a regular expression over lower-cased text, gated by the literal words
    it must start with, so that the expensive search runs only when a cheap substring test
    passes (100+ phrases over 8 KB would otherwise cost tens of milliseconds)."""

    def __init__(self, pattern: str, gate: tuple[str, ...] = ()) -> None:
        self.regex = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")
        # Words that must appear for the phrase to match: given, or read off the pattern.
        self.anchors = gate or _leading_literals(pattern)

    def search(self, text: str) -> bool:
        if self.anchors and not any(a in text for a in self.anchors):
            return False
        return self.regex.search(text) is not None


def _leading_literals(pattern: str) -> tuple[str, ...]:
    """Literal text every match must start with (one per top-level alternative, looking into
    a leading non-capturing group), or () when some alternative has none."""
    anchors: list[str] = []
    for part in _alternatives(pattern):
        if part.startswith("(?:"):
            close = _closing(part)
            if close < 0 or part[close + 1 : close + 2] in ("?", "*", "{"):
                return ()
            inner = _leading_literals(part[3:close])
            if not inner:
                return ()
            anchors.extend(inner)
            continue
        match = re.match(r"[\w' ]{3,}", part)
        if not match:
            return ()
        literal = match.group(0)
        # A quantifier right after the run applies to its last character only.
        if part[len(literal) : len(literal) + 1] in ("?", "*", "{"):
            literal = literal[:-1]
        if len(literal) < 2:
            return ()
        anchors.append(literal)
    return tuple(anchors)


def _alternatives(pattern: str) -> list[str]:
    depth, start, parts = 0, 0, []
    for i, ch in enumerate(pattern):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    return parts


def _closing(part: str) -> int:
    depth = 0
    for i, ch in enumerate(part):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i
    return -1


def _words(*phrases: str | tuple[str, tuple[str, ...]]) -> tuple[Phrase, ...]:
    """One entry per phrase, so that each phrase counts once and none hides another; a phrase
    may come with the words that gate it, when they cannot be read off its start."""
    return tuple(Phrase(p) if isinstance(p, str) else Phrase(*p) for p in phrases)


CREDENTIAL = _words(
    r"verify your (?:account|identity|e-?mail|mailbox|information|wallet)",
    r"confirm (?:your|it'?s really you)",
    r"(?:account|mailbox|password|wallet|access)(?: has been| will be| is| was)? (?:temporarily )?"
    r"(?:suspended|locked|disabled|deactivated|expired?|terminated|restricted|closed|limited)",
    r"password (?:expir\w+|will expire|reset)",
    (
        r"(?:mailbox|storage|quota|e-?mail|cloud) (?:is )?(?:full|exceeded|almost full|limit)",
        ("full", "exceeded", "limit"),
    ),
    r"(?:unusual|suspicious|new|unrecognized) (?:sign.?in|log.?in|activity|device)",
    r"(?:update|validate|reactivate|re-activate|restore|secure) your (?:account|payment|billing|"
    r"information|details)",
    r"(?:log|sign) ?in to (?:view|access|confirm|continue|your)",
    r"(?:shared|sent) (?:a|the) (?:document|file)s? with you",
    r"view (?:the )?(?:document|transaction|message|invoice)",
    r"new voice ?mail",
    r"(?:pending|undelivered|held|blocked) (?:messages|e-?mails|deliver\w*|transaction)",
    (r"(?:within|in) (?:24|48|twenty-four) hours", ("hours",)),
    r"(?:act|respond) (?:now|immediately)|immediate (?:attention|action)",
    r"security (?:alert|notice|warning)",
    r"click (?:here|below|the (?:link|button))",
    r"payment (?:failed|declined|information|details)",
    r"(?:delivery|shipment) (?:failed|attempt|on hold)|parcel|package (?:is )?(?:on hold|waiting)",
    r"withdraw\w*",
    r"if (?:this|it) (?:wasn'?t|was not) you|report the user",
    r"did(?: not|n'?t) (?:make|request|authori[sz]e) this",
    r"sua conta|sua senha|acesso (?:a|à) sua|confirme? (?:seus|sua)|dispositivo",
    r"bloque(?:ad[oa]s?|amos|io)|suspens[ao]",
    r"(?:see|open|view) the attach\w*|em anexo|no anexo|documento anexado|arquivo anexo",
    r"ihr(?:e)? (?:konto|passwort|zugang)|bestätigen sie|verifizieren",
)
COVID = _words(
    r"covid(?:-?19)?",
    r"coronavirus|corona virus|sars-cov-2",
    r"vaccin\w*",
    r"booster (?:shot|dose|jab)",
    r"pandemic (?:relief|support|grant)",
)
CALL_WORDS = _words(
    r"call (?:us|our|the|now|immediately|back|at|toll)",
    r"helpline|help desk number",
    r"(?:customer|technical|billing|tech) (?:support|care|service)",
    r"contact (?:us|our (?:support|billing)) (?:at|on)",
    r"toll[- ]free",
    r"cancel (?:the|your|this) (?:order|subscription|renewal|transaction)",
    (r"(?:auto-?)?renew(?:al|ed)", ("renew",)),
    r"not authori[sz]ed this",
)
PHONE = re.compile(
    r"(?<![\w+])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)"
    r"|(?<![\w+])\+\d{1,3}[\s.-]\d{2,4}[\s.-]\d{3,4}[\s.-]?\d{3,4}(?!\d)"
)
BEC_WORDS = _words(
    r"gift ?cards?",
    r"wire (?:transfer|payment)",
    r"bank (?:details|account)",
    r"are you (?:available|at your desk|free)",
    r"(?:quick|urgent|small) (?:task|favou?r|request)",
    r"i need (?:you|your help)",
    r"do you have a (?:moment|minute)",
    r"kindly (?:process|send|purchase|get)",
    r"payroll|direct deposit",
    (r"w-?2s?", ("w2", "w-2")),
    r"keep (?:this|it) (?:confidential|between us)",
    r"can you (?:send|buy|get) me",
    (
        r"invoices? (?:needs?|must) (?:to )?be (?:paid|settled)|overdue invoice|due invoices?|"
        r"(?:settled|paid) urgently",
        ("invoice", "urgently"),
    ),
)
SCAM_WORDS = _words(
    r"lottery|jackpot",
    (r"(?:you have|you've|you) won", ("won",)),
    r"inheritance|next of kin",
    r"beneficiary",
    r"(?:million|billion) (?:dollars|usd|euros|pounds)",
    r"compensation|restitution",
    r"atm card|western union|moneygram",
    r"bitcoin|btc",
    r"usdt|tether|ethereum|eth|solana|xrp|bnb|binance",
    r"crypto\w*|web3|defi|nft",
    r"wallet",
    r"airdrop|token",
    r"(?:funds|assets|claim|payment|withdrawal) (?:are |is |has been |was )?"
    r"(?:approved|released|ready|available)",
    r"investment opportunity",
    r"barrister|diplomat|consignment",
    r"sextortion|recorded you|webcam|your device",
    r"claim (?:your|the) (?:prize|reward|funds|gift)",
    r"unclaimed|final notice",
    r"congratulations|glückwunsch|parabéns",
    r"reward|prize|gewinn\w*|gutschein|prêmio",
    r"(?:you have been|you were|you've been) (?:selected|chosen)",
    r"giveaway|giving away",
    r"dear (?:friend|beneficiary|winner)",
    r"business proposal",
    r"surprise for",
    r"pontos|resgate|recompensa",
    r"free (?:gift|iphone|reward)",
    r"lucrative|partnership proposal",
    r"elon musk|spacex",
    r"hack(?:ed|eado)|malware|trojan|porn\w*|adult (?:site|video)|v[ií]deo",
    (
        r"\d{1,3}(?:[.,]\d{3})+ ?(?:\$|usd|eur|€)|(?:\$|r\$|€) ?\d{1,3}(?:[.,]\d{3})+",
        ("$", "usd", "eur", "€"),
    ),
    r"pagamento|payment (?:of|in) (?:bitcoin|btc)",
    r"(?:very |strictly )?confidential (?:request|business|transaction|proposal)",
    r"transfer(?:ring)? (?:of )?(?:the |this )?(?:funds?|sum|money)",
    r"nigeria|ghana|ivory coast|sierra leone|south africa|burkina faso|benin republic",
)
ROMANCE_WORDS = _words(
    r"private (?:fotos|photos|pictures)",
    r"lonely|single (?:women|girls|ladies)",
    r"dating|datings?eite",
    r"brides|bräute|girls|beauties|schönheiten",
    r"(?:chat|talk) with me|free to talk|i like you",
    r"❤|😘|💋|😍",
    r"(?:ready|want|wants|like) to meet|find a man|looking for a man",
    (
        r"(?:lonely|alone) (?:\w+ )?(?:lady|woman|girl)|(?:intellectual|lovely|single) lady",
        ("lady", "woman", "girl"),
    ),
    (
        r"how old (?:are|r) (?:you|u)|where (?:are|r) (?:you|u) from|what state are (?:you|u)",
        ("how old", "where", "what state"),
    ),
    (r"\d\d (?:years|jahr\w*) (?:old|alt)", (" old", " alt")),
    r"frauen|women (?:near|in your)",
    r"my (?:photos|profile)",
    r"sweetheart|soulmate|your (?:lady|dame)|ihre dame",
    r"singles|hot (?:russian|girls|women)|(?:russian|ukrainian|slawische) (?:women|girls|frauen)",
)
SPAM_WORDS = _words(
    r"unsubscribe|abmelden|descadastr\w*",
    r"opt[- ]?out",
    r"remove (?:me|yourself)",
    r"viagra|cialis|pharmacy",
    r"mortgage|refinanc\w+",
    r"lowest (?:price|rate)s?",
    r"limited time|hurry",
    r"act now",
    r"100% (?:free|guaranteed)",
    r"free (?:trial|offer|money|quote)",
    r"special (?:offer|promotion)",
    r"buy now|order (?:now|today)",
    r"weight loss|lose weight",
    r"work from home",
    r"make money|earn \$?\d+",
    r"no obligation|risk[- ]free",
    r"credit (?:card|report|score)",
    r"debt",
    r"casino",
    r"discount|promo\w*",
    r"satisfaction guaranteed",
    r"dear (?:sir|madam|customer)",
    r"this (?:is not|isn't) spam",
    r"bulk e-?mail",
    r"\$\d[\d,]*",
    r"herbal|pills?|smokes|cigarettes|tobacco|vegas|adult|xxx|teens",
    r"match ?making|lenders|homeowners?|interest rates?|per month",
    r"stock symbol|strong buy|investors?|work at home|day trader|home ?based business",
    r"you (?:have )?received this (?:e-?mail|message) because|to be removed|mailing list",
    r"save (?:up to )?\d+%",
    r"click here",
)


def check(
    env: Envelope,
    body: str,
    found: FoundUrls,
    items: Sequence[Inspected],
    settings: MailSettings,
) -> list[Signal]:
    text = f"{env.subject} \n {body[:_LURE_TEXT_CHARS]}".lower()
    # Something to act on: a link, an attachment, or an address to write back to.
    actionable = bool(found.urls or items) or "mailto:" in text
    signals = _credential(text, actionable)
    if _distinct(COVID, text):
        signals.append(
            Signal(
                "lure.covid",
                15 if actionable else 8,
                CREDENTIAL_PHISHING,
                "The message uses a COVID-19 or vaccine theme, a common lure.",
            )
        )
    signals += _callback(text, bool(found.urls))
    signals += _bec(env, text, bool(found.urls), len(body))
    scam_hits = _distinct(SCAM_WORDS, text)
    if scam_hits >= 2:
        signals.append(
            Signal(
                "lure.scam",
                8 * min(scam_hits, 6),
                SCAM,
                "The text reads like a prize, advance-fee, extortion or crypto scam.",
            )
        )
    romance_hits = _distinct(ROMANCE_WORDS, text)
    if romance_hits >= 2:
        signals.append(
            Signal(
                "lure.romance",
                10 + 8 * min(romance_hits, 4),
                SCAM,
                "The text reads like a dating or romance scam.",
            )
        )
    signals += _brand_lure(env, text, settings)
    signals += _password_for_attachment(text, items)
    signals += _shared_file_from_freemail(env, body, found)
    signals += _document_from_freemail(env, text, items)
    if "_" in env.subject and " " not in env.subject.strip() and env.subject.count("_") >= 2:
        signals.append(
            Signal(
                "header.underscored_subject",
                10,
                GENERIC,
                "The subject joins its words with underscores, a trick to dodge keyword filters.",
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
    if _invisible_padding(body):
        signals.append(
            Signal(
                "text.invisible_padding",
                20,
                GENERIC,
                "The text is padded with invisible characters, a trick to slip past filters.",
            )
        )
    return signals


def _distinct(phrases: tuple[Phrase, ...], text: str) -> int:
    """How many of the family's phrases appear in the (lower-cased) text."""
    return sum(1 for phrase in phrases if phrase.search(text))


def _credential(text: str, actionable: bool) -> list[Signal]:
    hits = _distinct(CREDENTIAL, text)
    if hits < 2 or not actionable:
        return []
    return [
        Signal(
            "lure.credential",
            5 + 6 * min(hits, 6),
            CREDENTIAL_PHISHING,
            "The text pushes the reader to sign in, verify or act urgently.",
        )
    ]


FILE_SHARING = frozenset(
    {
        "docs.google.com",
        "drive.google.com",
        "onedrive.live.com",
        "1drv.ms",
        "dropbox.com",
        "www.dropbox.com",
        "wetransfer.com",
        "we.tl",
        "box.com",
        "app.box.com",
        "sharepoint.com",
        "my.sharepoint.com",
        "icloud.com",
        "www.icloud.com",
        "mega.nz",
        "mediafire.com",
        "www.mediafire.com",
    }
)
URGENCY = _words(
    r"asap",
    r"urgent\w*",
    r"when you have a (?:moment|minute)",
    r"please (?:review|see|check|look)",
    r"let me know",
    r"right away",
)


def _shared_file_from_freemail(env: Envelope, body: str, found: FoundUrls) -> list[Signal]:
    """A short note from a free mailbox pointing at a shared document: how a compromised or
    impersonated colleague delivers a credential-harvesting page."""
    if env.from_domain not in FREEMAIL or len(body) > 1200:
        return []
    shared = [h for h in found.domains if under_any(h, FILE_SHARING)]
    if not shared:
        return []
    urgent = _distinct(URGENCY, body.lower())
    return [
        Signal(
            "lure.shared_file_from_freemail",
            20 + 10 * min(urgent, 2),
            CREDENTIAL_PHISHING,
            f"A short note from a free mailbox ({env.from_domain}) points to a shared "
            f"document on {shared[0]}.",
        )
    ]


_DOCUMENT_TYPES = frozenset({"pdf", "html", "zip", "rar", "7z", "ole", "rtf", "iso"})
ATTACHED_WORDS = _words(r"attach\w*|anexo|anexado|anhang|pièce jointe|adjunto|allegato")


def _document_from_freemail(env: Envelope, text: str, items: Sequence[Inspected]) -> list[Signal]:
    """A document sent from a free mailbox with a few words pointing at it: how invoice,
    statement and "secure message" lures arrive."""
    if env.from_domain not in FREEMAIL or len(text) > 600:
        return []
    documents = [i for i in items if i.real_type in _DOCUMENT_TYPES]
    if not documents or not _distinct(ATTACHED_WORDS, text):
        return []
    return [
        Signal(
            "lure.document_from_freemail",
            15,
            GENERIC,
            f"A short note from a free mailbox ({env.from_domain}) points to the "
            f"attached {documents[0].real_type.upper()} {documents[0].name}.",
        )
    ]


_ATTACHMENT_PASSWORD = re.compile(
    r"(?:password|passcode|senha|passwort|contraseña|mot de passe|kennwort)[^\n.]{0,30}?"
    r"[:\-]\s*\S{3,}"
)


def _password_for_attachment(text: str, items: Sequence[Inspected]) -> list[Signal]:
    """An attachment whose password is in the mail: locked so scanners cannot look inside."""
    if not any(i.real_type not in ("png", "jpeg", "gif") for i in items):
        return []
    if not _ATTACHMENT_PASSWORD.search(text):
        return []
    return [
        Signal(
            "attachment.password_in_text",
            30,
            MALWARE,
            "The message gives a password for its attachment, which keeps scanners "
            "from looking inside it.",
        )
    ]


def _brand_lure(env: Envelope, text: str, settings: MailSettings) -> list[Signal]:
    """A brand named at the top of a message that asks to sign in, verify, call or claim,
    sent from a free mailbox or from outside that brand's domains."""
    if not env.from_domain:
        return []
    free = env.from_domain in FREEMAIL
    if free and (
        _distinct(CREDENTIAL, text) or _distinct(CALL_WORDS, text) or _distinct(SCAM_WORDS, text)
    ):
        for brand in brands.brands_named(text[:600], settings, display=False):
            if not under_any(env.from_domain, frozenset(brands.brand_domains(brand, settings))):
                return [
                    Signal(
                        "lure.brand_from_freemail",
                        25,
                        CREDENTIAL_PHISHING,
                        f"The message speaks for {brand.title()} but comes from a free "
                        f"mailbox ({env.from_domain}).",
                    )
                ]
    if not _distinct(CREDENTIAL, text):
        return []
    for brand in brands.brands_named(env.subject, settings, display=False):
        if not under_any(env.from_domain, frozenset(brands.brand_domains(brand, settings))):
            return [
                Signal(
                    "lure.brand_credential",
                    20,
                    CREDENTIAL_PHISHING,
                    f"The subject names {brand.title()} and asks the reader to act, "
                    f"but the mail comes from {env.from_domain}.",
                )
            ]
    return []


def _callback(text: str, has_links: bool) -> list[Signal]:
    phones = PHONE.findall(text) if any(c.isdigit() for c in text) else []
    if not phones or not _distinct(CALL_WORDS, text):
        return []
    return [
        Signal(
            "lure.callback",
            20 if has_links else 35,
            CALLBACK,
            f"The message asks the reader to call {phones[0].strip()}: call-back "
            "phishing gets victims to phone a fake support line.",
        )
    ]


def _bec(env: Envelope, text: str, has_links: bool, body_chars: int) -> list[Signal]:
    hits = _distinct(BEC_WORDS, text)
    if not hits:
        return []
    free = env.from_domain in FREEMAIL or env.reply_to.rpartition("@")[2] in FREEMAIL
    short = body_chars < 1500  # BEC openers are a few lines; newsletters are not
    weight = 10 * min(hits, 3) + (15 if free else 0) + (5 if short and not has_links else 0)
    return [
        Signal(
            "lure.bec",
            weight,
            BEC,
            "The text asks for a payment, documents, gift cards or a confidential "
            "favour, the pattern of business e-mail compromise.",
        )
    ]


_INVISIBLE = re.compile("[\u200b-\u200f\u034f\u2060-\u2064\ufeff\u00ad\u180e]")


def _invisible_padding(body: str) -> bool:
    return len(_INVISIBLE.findall(body[:_LURE_TEXT_CHARS])) >= 20
