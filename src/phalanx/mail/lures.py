"""The words of a lure: credential prompts, COVID-19 and vaccine themes, call-back numbers,
BEC requests, prize/advance-fee/crypto scams, and the bulk-mail language of spam.

Each family is a table of phrases (English plus the German and Portuguese that modern phishing
corpora are full of). A family fires once, its weight growing with the number of distinct
phrases found, and only in the context that makes it a lure (credential words need a link or an
attachment to act on; BEC words weigh more from a free mailbox)."""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from phalanx.config.mail import MailSettings
from phalanx.mail import brands
from phalanx.mail.attachments import Inspected
from phalanx.mail.domains import registrable_domain, under_any
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
_INVISIBLE = re.compile("[\u200b-\u200f\u034f\u2060-\u2064\ufeff\u00ad\u180e]")
_ACCENTS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """Text as phrases are matched: accents and invisible characters dropped, compatibility
    forms (full-width, mathematical letters, ligatures) made plain. Lures are written without
    accents as often as with them ("informacoes", "liberacao"), and zero-width characters
    wedged inside words ("H\u200cello") exist only to break keyword filters."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text)
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text))


def lure_text(subject: str, body: str) -> str:
    """The subject and the start of the visible text, lower-cased and folded for matching."""
    # Words joined by underscores ("Microsoft_unusual_sign-in") are words all the same.
    text = f"{subject.replace('_', ' ')} \n {body[:_LURE_TEXT_CHARS]}"
    if "&" in text:  # plain-text parts written with HTML entities ("Ol&#225;")
        text = html.unescape(text)
    return fold(text).lower()


class Words:
    """The words of a text, read once for all the phrases looked for in it (count_hits): only the
    phrases one of whose anchors can begin a word of the text are looked for. Scanning the text
    for each of 380 anchors was a quarter of a message's analysis."""

    def __init__(self, text: str) -> None:
        self.whole = frozenset(_WORD_RUN.findall(text))
        self.starts = frozenset([word[:3] for word in self.whole])


_WORD_RUN = re.compile(r"\w+")
_LEAD = re.compile(r"\w*")


def _word_key(anchor: str) -> tuple[bool, str] | None:
    """What a word of the text must be for `anchor` to begin a match there: (True, w), the word
    w itself (the anchor goes on past the word: "my " -> "my"); (False, s), a word starting with
    s (the anchor's first three characters); None when words cannot tell (the anchor starts
    with no word character, or is shorter than three). A match begins after no word character
    (each phrase looks behind for one), so where it begins a word of the text begins too."""
    lead = _LEAD.match(anchor)
    word = lead.group() if lead else ""
    if not word:
        return None
    if len(word) < len(anchor):
        return (True, word)
    return (False, anchor[:3]) if len(anchor) >= 3 else None


@dataclass(frozen=True)
class _Index:
    """A family's anchors by what a word of the text must be for them to begin a match."""

    by_word: dict[str, list[tuple[Phrase, str]]]
    by_start: dict[str, list[tuple[Phrase, str]]]
    always: tuple[Phrase, ...]  # words cannot tell: looked for in every text

    def count(self, text: str, words: Words) -> int:
        """How many of the family's phrases are in `text`, trying only the anchors that can
        begin one of its words."""
        anchors: dict[Phrase, list[str]] = {}
        for key in self.by_word.keys() & words.whole:
            for phrase, anchor in self.by_word[key]:
                anchors.setdefault(phrase, []).append(anchor)
        for key in self.by_start.keys() & words.starts:
            for phrase, anchor in self.by_start[key]:
                anchors.setdefault(phrase, []).append(anchor)
        found = sum(1 for phrase in self.always if phrase.search(text))
        return found + sum(1 for phrase, at in anchors.items() if phrase.found_at(text, at))


@functools.cache
def _index(phrases: tuple[Phrase, ...]) -> _Index:
    by_word: dict[str, list[tuple[Phrase, str]]] = {}
    by_start: dict[str, list[tuple[Phrase, str]]] = {}
    always: list[Phrase] = []
    for phrase in phrases:
        keys = [_word_key(a) for a in phrase.anchors] if phrase.at_anchors else [None]
        if None in keys:
            always.append(phrase)
            continue
        for anchor, key in zip(phrase.anchors, keys, strict=True):
            if key is not None:
                (by_word if key[0] else by_start).setdefault(key[1], []).append((phrase, anchor))
    return _Index(by_word, by_start, tuple(always))


class Phrase:
    """One lure phrase: a regular expression over lower-cased text, gated by the literal words
    it must start with, so that the expensive search runs only when a cheap substring test
    passes (100+ phrases over 8 KB would otherwise cost tens of milliseconds)."""

    def __init__(self, pattern: str, gate: tuple[str, ...] = ()) -> None:
        pattern = fold(pattern)
        self.regex = re.compile(rf"(?<!\w)(?:{pattern})(?!\w)")
        leading = _leading_literals(pattern)
        # Words that must appear for the phrase to match: given, or read off the pattern.
        self.anchors = tuple(fold(g) for g in gate) or leading
        # When every alternative starts with one of the anchors, a match can only begin where
        # an anchor occurs: the regex is tried there instead of at every position of the text.
        self.at_anchors = not gate and bool(leading)

    def search(self, text: str) -> bool:
        if self.at_anchors:
            return self.found_at(text, self.anchors)
        if self.anchors:
            for anchor in self.anchors:
                if anchor in text:
                    break
            else:
                return False
        return self.regex.search(text) is not None

    def found_at(self, text: str, anchors: Iterable[str]) -> bool:
        """Whether the phrase matches where one of `anchors` (its own) occurs in `text`."""
        match = self.regex.match
        for anchor in anchors:
            at = text.find(anchor)
            while at >= 0:
                if match(text, at):
                    return True
                at = text.find(anchor, at + 1)
        return False


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
        match = re.match(r"[\w' -]{3,}", part)
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
    r"password (?:is |has )?(?:expir\w+|will expire|reset)",
    r"keep (?:using )?(?:your |the )?(?:current|same|old|existing) password",
    r"(?:closure|deactivation|suspension|termination|deletion) of (?:your )?"
    r"(?:account|mailbox|e-?mail)",
    r"(?:stop|cease) (?:sending|receiving)|(?:unable|not be able) to (?:send|receive)",
    r"kindly (?:verify|confirm|validate|update|click|use|follow)",
    r"(?:account|wallet|email|e-mail) (?:is |has )?not (?:yet )?(?:been )?verified",
    r"authenticate your (?:account|wallet|e-?mail|mailbox)",
    (
        r"(?:mailbox|storage|quota|e-?mail|cloud) (?:is )?(?:full|exceeded|almost full|limit)",
        ("full", "exceeded", "limit"),
    ),
    r"(?:unusual|suspicious|new|unrecognized) (?:sign.?in|log.?in|activity|device)",
    r"(?:update|validate|reactivate|re-activate|restore|secure|upgrade) your (?:account|payment|"
    r"billing|information|details|mailbox|e-?mail)",
    r"(?:log|sign) ?in to (?:view|access|confirm|continue|your)",
    r"(?:shared|sent) (?:a|the) (?:document|file)s? with you",
    r"view (?:the )?(?:document|transaction|message|invoice)",
    r"new voice ?mail",
    r"(?:pending|undelivered|held|blocked) (?:messages|e-?mails|deliver\w*|transaction)",
    (r"(?:within|in) (?:\d{1,2}|twenty-four|forty-eight) ?(?:hours|hrs)", ("hours", "hrs")),
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
    r"evite (?:a|o) (?:restricao|suspensao|bloqueio|inativacao|cancelamento)",
    (r"(?:su|tu) (?:cuenta|contrasena)", ("cuenta", "contrasena")),
    r"entrega fallida|paquete pendiente",
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
    # "+1 – (888) - (596) - (1028)": spaced and bracketed to dodge filters
    r"|(?<![\w+])(?:\+?1\s*[-–.]?\s*)?\(\d{3}\)\s*[-–.]\s*\(\d{3}\)\s*[-–.]\s*\(\d{4}\)"
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
    r"kindly (?:process|send|purchase|get|make)",
    r"request for (?:quotation|quote)|(?:send|submit) (?:us )?your (?:best )?(?:quotation|quote)",
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
    r"inheritance|next of kin|parente mais proximo|pariente mas cercano",
    r"beneficiary",
    (
        r"(?:million|billion|milh(?:ao|oes)|millones?) (?:de )?(?:(?:us|united states) )?"
        r"(?:dollars|dolares|usd|euros?|pounds)",
        ("million", "billion", "milh", "millon"),
    ),
    (r"\d{1,2} ?%(?:-? ?percent)? of the (?:total )?(?:amount|sum|funds?|money)", ("%",)),
    r"(?:help|assist) me (?:to )?(?:safeguard|receive|transfer|move|claim|invest)",
    r"(?:honest|trusted|trustworthy|reliable) (?:person|partner|fellow|individual)",
    (
        r"(?:my|meu|minha|mi) (?:late|falecid[oa]|fallecid[oa]|difunt[oa]) "
        r"(?:husband|wife|father|marido|esposa|esposo|pai|padre)",
        ("late", "falecid", "fallecid", "difunt"),
    ),
    r"(?:charity|charitable|humanitarian|caridade|humanitari[oa]s?|caridad) "
    r"(?:work|purpose|organi[sz]ations?|projects?|services?|e |y )",
    r"(?:victims?|vitimas?) (?:of|de) (?:\w+ )?(?:fraud|scam|golpe)\w*",
    (
        r"(?:transferred|transferid[oa]s?) (?:\w+ )?(?:to|para|a) (?:you|voce|usted)",
        ("transferred", "transferid"),
    ),
    r"masturba\w*|(?:recorded|filmed) you|intimate (?:video|photos)"
    r"|(?:your|sua|tu) (?:webcam|camara)",
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
    r"congratulations?|glückwunsch|parabéns",
    r"rewards?|prizes?|winners?|winnings|gewinn\w*|gutschein|prêmios?|premios?",
    r"(?:you have been|you were|you've been) (?:selected|chosen)",
    r"giveaway|giving away",
    r"dear (?:friend|beneficiary|winner)",
    r"business proposal",
    r"surprise for",
    r"pontos|resgate|recompensa",
    r"free (?:gift|iphone|reward|bitcoins?|btc|crypto|money|cash)",
    r"get (?:money|cash|paid)|earn (?:money|cash|bitcoin)",
    r"token (?:swap|claim\w*|migration|sale)|claim \$[a-z]{2,6}",
    r"(?:ready|available) for (?:processing|withdrawal|collection|release)",
    r"lucrative|partnership proposal",
    r"elon musk|spacex",
    r"hack(?:ed|eado)|malware|trojan|porn\w*|adult (?:site|video)|video",
    (
        r"\d{1,3}(?:[.,]\d{3})+ ?(?:\$|usd|eur|€)|(?:\$|r\$|€|usd) ?\d{1,3}(?:[.,]\d{3})+",
        ("$", "usd", "eur", "€"),
    ),
    r"pagamento|payment (?:of|in) (?:bitcoin|btc)",
    (
        r"(?:very |strictly )?confidential (?:request|business|transaction|proposal)",
        ("confidential",),
    ),
    r"transfer(?:ring)? (?:of )?(?:the |this )?(?:funds?|sum|money)",
    r"nigeria|ghana|ivory coast|sierra leone|south africa|burkina faso|benin republic",
)
ROMANCE_WORDS = _words(
    r"private (?:fotos|photos|pictures)",
    r"lonely|single (?:women|girls|ladies)",
    r"dating|datings?eite",
    r"brides|bräute|girls|beauties|schönheiten|ragazz[ae]|bellezze|chicas|garotas",
    r"(?:chat|talk) with me|free to talk|i like you",
    ("❤|😘|💋|😍", ("❤", "😘", "💋", "😍")),
    r"(?:ready|want|wants|like) to meet|meet (?:now|tonight)|find a man|looking for a man"
    r"|appuntament\w*|incontri",
    (
        r"(?:lonely|alone|unmarried|solitary|single|generous) (?:\w+ )?(?:lady|woman|female|girl)"
        r"|(?:intellectual|lovely|single) lady",
        ("lady", "woman", "female", "girl"),
    ),
    r"how old (?:are|r) (?:you|u)",
    r"where (?:are|r) (?:you|u) from|what state (?:are|r) (?:you|u)",
    r"one.night stand|hook ?up|adult (?:entertainment|dating)|sex (?:date|partner)",
    r"intimate (?:services|meeting|encounter)|(?:hot|passionate) (?:and passionate )?night",
    r"wants? (?:a man|to spend time with a man)|girls? in your (?:city|area)|your city girl",
    r"(?:check out|see|view) (?:her|my) (?:profile|photos?|pictures?)",
    (r"\d\d (?:years|jahr\w*) (?:old|alt)", (" old", " alt")),
    r"frauen|women (?:near|in your)",
    r"my (?:photos?|pictures?|pics|profile)",
    r"sweetheart|soulmate|your (?:lady|dame)|ihre dame",
    r"singles|hot (?:russian|girls|women)|(?:russian|ukrainian|slawische) (?:women|girls|frauen)"
    r"|(?:ragazz[ae]|bellezze|donne|chicas|mujeres) (?:ucrain\w*|russ\w*)",
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
    (r"\$\d[\d,]*", ("$",)),
    r"herbal|pills?|smokes|cigarettes|tobacco|vegas|adult|xxx|teens",
    r"match ?making|lenders|homeowners?|interest rates?|per month",
    r"stock symbol|strong buy|investors?|work at home|day trader|home ?based business",
    r"you (?:have )?received this (?:e-?mail|message) because|to be removed|mailing list",
    r"save (?:up to )?\d+%",
    r"click here",
)


@dataclass(frozen=True)
class Hits:
    """How many distinct phrases of each family a message holds, counted once per message."""

    credential: int
    call: int
    scam: int
    romance: int
    bec: int
    covid: int
    spam: int


def count_hits(text: str) -> Hits:
    words = Words(text)
    return Hits(
        credential=_distinct(CREDENTIAL, text, words),
        call=_distinct(CALL_WORDS, text, words),
        scam=_distinct(SCAM_WORDS, text, words),
        romance=_distinct(ROMANCE_WORDS, text, words),
        bec=_distinct(BEC_WORDS, text, words),
        covid=_distinct(COVID, text, words),
        spam=_distinct(SPAM_WORDS, text, words),
    )


def check(
    env: Envelope,
    body: str,
    found: FoundUrls,
    items: Sequence[Inspected],
    settings: MailSettings,
) -> list[Signal]:
    text = lure_text(env.subject, body)
    # The sender's name is read too: "BNB-AIRDROP" or "Bellezze ucraine" is part of the lure.
    hits = count_hits(f"{fold(env.display_name).lower()} \n {text}")
    # Something to act on: a link, an attachment, or an address to write back to.
    actionable = bool(found.urls or items or found.mailto) or "mailto:" in text
    signals = _credential(hits, actionable)
    if hits.covid:
        signals.append(
            Signal(
                "lure.covid",
                15 if actionable else 8,
                CREDENTIAL_PHISHING,
                "The message uses a COVID-19 or vaccine theme, a common lure.",
            )
        )
    signals += _callback(text, hits, bool(found.urls))
    signals += _bec(env, hits, bool(found.urls), len(body))
    if hits.scam >= 2:
        signals.append(
            Signal(
                "lure.scam",
                8 * min(hits.scam, 6),
                SCAM,
                "The text reads like a prize, advance-fee, extortion or crypto scam.",
            )
        )
    if hits.romance >= 2:
        signals.append(
            Signal(
                "lure.romance",
                10 + 8 * min(hits.romance, 4),
                SCAM,
                "The text reads like a dating or romance scam.",
            )
        )
    signals += _brand_lure(env, text, hits, settings)
    signals += _reply_elsewhere(env, text, hits, found)
    signals += _crypto_address(body)
    signals += _link_only(body, found)
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
    if hits.spam >= 2:
        signals.append(
            Signal(
                "lure.spam",
                10 + 6 * min(hits.spam, 8),
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


def _distinct(phrases: tuple[Phrase, ...], text: str, words: Words | None = None) -> int:
    """How many of the family's phrases appear in the (lower-cased) text; `words`, Words(text),
    leaves out the phrases none of whose anchors can begin a word of it."""
    if words is not None:
        return _index(phrases).count(text, words)
    return sum(1 for phrase in phrases if phrase.search(text))


def _credential(hits: Hits, actionable: bool) -> list[Signal]:
    if hits.credential < 2 or not actionable:
        return []
    return [
        Signal(
            "lure.credential",
            5 + 6 * min(hits.credential, 6),
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


def _brand_lure(env: Envelope, text: str, hits: Hits, settings: MailSettings) -> list[Signal]:
    """A brand named at the top of a message that asks to sign in, verify, call or claim,
    sent from a free mailbox or from outside that brand's domains."""
    if not env.from_domain:
        return []
    free = env.from_domain in FREEMAIL
    if free and (hits.credential or hits.call or hits.scam):
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
    if not hits.credential:
        return []
    subject = env.subject.replace("_", " ")
    for brand in brands.brands_named(subject, settings, display=False):
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


def _callback(text: str, hits: Hits, has_links: bool) -> list[Signal]:
    if not hits.call:
        return []
    phones = PHONE.findall(text)
    if not phones:
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


def _bec(env: Envelope, hits: Hits, has_links: bool, body_chars: int) -> list[Signal]:
    if not hits.bec:
        return []
    free = env.from_domain in FREEMAIL or env.reply_to.rpartition("@")[2] in FREEMAIL
    short = body_chars < 1500  # BEC openers are a few lines; newsletters are not
    weight = 10 * min(hits.bec, 3) + (15 if free else 0) + (5 if short and not has_links else 0)
    return [
        Signal(
            "lure.bec",
            weight,
            BEC,
            "The text asks for a payment, documents, gift cards or a confidential "
            "favour, the pattern of business e-mail compromise.",
        )
    ]


_CONTACT_ADDRESS = re.compile(
    r"(?:e-?mail|write|contact|reply|respond|send|reach|mailto:)[^@\n]{0,60}?"
    r"(?<![\w.+-])([\w.+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+)"
)
# Addresses of list software and opt-outs, not of people.
_NOT_A_CONTACT = (
    "unsubscribe",
    "remove",
    "opt-out",
    "optout",
    "abuse",
    "postmaster",
    "-admin",
    "-request",
    "-owner",
    "owner-",
    "-help",
    "majordomo",
    "listserv",
    "mailman",
    "bounce",
)


def _reply_elsewhere(env: Envelope, text: str, hits: Hits, found: FoundUrls) -> list[Signal]:
    """A lure that asks to write to an address other than the sender's: the sender address
    is a throw-away or forged, the conversation goes on at a free mailbox (advance-fee,
    romance and BEC scams, fake "report this sign-in" buttons)."""
    if not (hits.credential >= 2 or hits.scam >= 2 or hits.romance >= 2 or hits.bec):
        return []
    # (address, what follows it): a mailto link's query says when it is an opt-out.
    addresses = [(link.partition("?")[0], link.lower()) for link in found.mailto]
    if "@" in text:
        addresses += (
            (m.group(1), text[m.end(1) : m.end(1) + 100]) for m in _CONTACT_ADDRESS.finditer(text)
        )
    own = (env.from_domain, env.to_domain, env.list_address.rpartition("@")[2])
    known = {registrable_domain(d) for d in own if d}
    best = ""
    for address, context in addresses:
        address = address.lower().strip(".")
        domain = address.rpartition("@")[2]
        if (
            address == env.reply_to  # already told by header.reply_to_mismatch
            or registrable_domain(domain) in known
            or any(word in address or word in context for word in _NOT_A_CONTACT)
        ):
            continue
        if domain in FREEMAIL:
            best = address
            break
        best = best or address
    if not best:
        return []
    free = best.rpartition("@")[2] in FREEMAIL
    where = f"{env.from_domain}" if env.from_domain else "no sender address"
    return [
        Signal(
            "lure.reply_elsewhere",
            20 if free else 10,
            GENERIC,
            f"The message asks the reader to write to {best}"
            + (", a free mailbox," if free else "")
            + f" rather than to the sender ({where}).",
        )
    ]


_BITCOIN_LEGACY = re.compile(r"(?<![A-Za-z0-9])[13][1-9A-HJ-NP-Za-km-z]{25,34}(?![A-Za-z0-9])")
_WALLET = re.compile(
    r"(?<![A-Za-z0-9])(?:bc1[qp][ac-hj-np-z02-9]{38,58}|0x[0-9a-fA-F]{40})(?![A-Za-z0-9])"
)
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _crypto_address(body: str) -> list[Signal]:
    """A wallet address to pay into: how extortion and fake-investment mail gets paid."""
    text = body[:_LURE_TEXT_CHARS]
    wallet = _WALLET.search(text)
    address = wallet.group(0) if wallet else ""
    if not address:
        address = next(
            (m.group(0) for m in _BITCOIN_LEGACY.finditer(text) if _base58_ok(m.group(0))), ""
        )
    if not address:
        return []
    return [
        Signal(
            "lure.crypto_address",
            20,
            SCAM,
            f"The message gives a cryptocurrency wallet address ({address[:12]}...) to pay "
            "into; such payments cannot be recalled.",
        )
    ]


def _base58_ok(candidate: str) -> bool:
    """A legacy Bitcoin address whose checksum holds (a random word of the same letters
    almost never does)."""
    number = 0
    for char in candidate:
        number = number * 58 + _BASE58.index(char)
    try:
        raw = number.to_bytes(25, "big")
    except OverflowError:
        return False
    return hashlib.sha256(hashlib.sha256(raw[:21]).digest()).digest()[:4] == raw[21:]


_URLISH = re.compile(r"<?(?:https?://|mailto:|www\.)\S*>?", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _link_only(body: str, found: FoundUrls) -> list[Signal]:
    """Next to no words, only somewhere to click: a picture or a line of bait around a link,
    leaving a reader (and a filter) nothing to judge but the link."""
    if not found.urls or len(body) > 600:
        return []
    words = _WORD.findall(_URLISH.sub(" ", body))
    if len(words) >= 8:
        return []
    return [
        Signal(
            "text.link_only",
            10,
            GENERIC,
            "The message is little more than a link (or a picture with a link): "
            "no text to judge, only somewhere to click.",
        )
    ]


def _invisible_padding(body: str) -> bool:
    return len(_INVISIBLE.findall(body[:_LURE_TEXT_CHARS])) >= 20
