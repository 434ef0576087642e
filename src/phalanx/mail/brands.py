"""Brands phishers impersonate most, with the domains their real mail and sites use.

A display name or link naming a brand while the mail or link comes from elsewhere is a classic
lure. The list is built here in code (not shipped data) and extended by settings.brands_extra
("name=domain1,domain2"). Names are matched as whole words, case-insensitively.
"""

from __future__ import annotations

import functools
import re

from phalanx.config.mail import MailSettings

_BUILT_IN: dict[str, tuple[str, ...]] = {
    "microsoft": (
        "microsoft.com",
        "microsoftonline.com",
        "office.com",
        "live.com",
        "outlook.com",
        "office365.com",
        "sharepoint.com",
        "onmicrosoft.com",
        "hotmail.com",
        "msn.com",
        "microsoft365.com",
        "azure.com",
    ),
    "office 365": ("microsoft.com", "office.com", "office365.com", "outlook.com"),
    "outlook": ("microsoft.com", "outlook.com", "office.com", "live.com", "hotmail.com"),
    "onedrive": ("microsoft.com", "live.com", "onedrive.com", "sharepoint.com"),
    "sharepoint": ("microsoft.com", "sharepoint.com"),
    "paypal": ("paypal.com", "paypal.co.uk", "paypal.de", "paypal.fr", "paypal-community.com"),
    "apple": ("apple.com", "icloud.com", "me.com"),
    "icloud": ("apple.com", "icloud.com"),
    "amazon": (
        "amazon.com",
        "amazon.co.uk",
        "amazon.de",
        "amazon.fr",
        "amazon.es",
        "amazon.it",
        "amazon.ca",
        "amazonses.com",
        "amazon.com.br",
        "amazon.co.jp",
    ),
    "netflix": ("netflix.com",),
    "google": ("google.com", "gmail.com", "googlemail.com", "youtube.com"),
    "docusign": ("docusign.com", "docusign.net"),
    "dropbox": ("dropbox.com", "dropboxmail.com"),
    "adobe": ("adobe.com", "adobesign.com", "echosign.com"),
    "dhl": ("dhl.com", "dhl.de", "dhl.co.uk", "dpdhl.com"),
    "fedex": ("fedex.com",),
    "ups": ("ups.com",),
    "usps": ("usps.com",),
    "royal mail": ("royalmail.com", "royalmail.co.uk"),
    "wells fargo": ("wellsfargo.com",),
    "bank of america": ("bankofamerica.com", "bofa.com"),
    "chase": ("chase.com", "jpmorgan.com"),
    "citibank": ("citi.com", "citibank.com"),
    "hsbc": ("hsbc.com", "hsbc.co.uk"),
    "barclays": ("barclays.com", "barclays.co.uk"),
    "lloyds": ("lloydsbank.com", "lloydsbank.co.uk"),
    "santander": ("santander.com", "santander.co.uk"),
    "american express": ("americanexpress.com", "aexp.com"),
    "mastercard": ("mastercard.com",),
    "visa": ("visa.com",),
    "facebook": ("facebook.com", "facebookmail.com", "meta.com"),
    "instagram": ("instagram.com", "facebookmail.com"),
    "whatsapp": ("whatsapp.com",),
    "linkedin": ("linkedin.com",),
    "twitter": ("twitter.com", "x.com"),
    "coinbase": ("coinbase.com",),
    "binance": ("binance.com",),
    "metamask": ("metamask.io",),
    "robinhood": ("robinhood.com",),
    "norton": ("norton.com", "nortonlifelock.com", "gen.digital"),
    "mcafee": ("mcafee.com",),
    "geek squad": ("geeksquad.com", "bestbuy.com"),
    "zoom": ("zoom.us", "zoom.com"),
    "webex": ("webex.com", "cisco.com"),
    "wetransfer": ("wetransfer.com",),
    "hmrc": ("hmrc.gov.uk", "gov.uk"),
    "irs": ("irs.gov",),
    "nhs": ("nhs.uk", "nhs.net"),
    "steam": ("steampowered.com", "steamcommunity.com"),
    "spotify": ("spotify.com",),
    "ebay": ("ebay.com", "ebay.co.uk"),
    "walmart": ("walmart.com",),
    "costco": ("costco.com",),
    "att": ("att.com", "att.net"),
    "verizon": ("verizon.com",),
    "yahoo": ("yahoo.com", "yahoo.co.uk"),
    "aol": ("aol.com",),
    "quickbooks": ("intuit.com", "quickbooks.com"),
    "intuit": ("intuit.com",),
    "stripe": ("stripe.com",),
    "binance smart chain": ("binance.com",),
    "trust wallet": ("trustwallet.com",),
    "ledger": ("ledger.com",),
    "booking.com": ("booking.com",),
    "airbnb": ("airbnb.com",),
    "dpd": ("dpd.com", "dpd.co.uk"),
    "correos": ("correos.es",),
    "bradesco": ("bradesco.com.br",),
    "itau": ("itau.com.br",),
    "caixa": ("caixa.gov.br",),
    "banco do brasil": ("bb.com.br",),
    "mercado pago": ("mercadopago.com", "mercadolivre.com.br", "mercadolibre.com"),
    "nubank": ("nubank.com.br",),
    "livelo": ("livelo.com.br",),
    "ourocard": ("bb.com.br",),
    "serasa": ("serasa.com.br", "serasaexperian.com.br"),
    "detran": ("detran.sp.gov.br", "gov.br"),
    "receita federal": ("receita.fazenda.gov.br", "gov.br"),
    "cash app": ("cash.app", "squareup.com"),
    "ftx": ("ftx.com",),
    "kohl's": ("kohls.com",),
    "temu": ("temu.com",),
    "shein": ("shein.com",),
    "aliexpress": ("aliexpress.com", "alibaba.com"),
    "uniswap": ("uniswap.org",),
    "tiktok": ("tiktok.com",),
    "telegram": ("telegram.org",),
    "rewe": ("rewe.de",),
    "lidl": ("lidl.de", "lidl.com"),
    "decathlon": ("decathlon.com", "decathlon.de"),
}
# Short or common-word names that only count in a display name, never in body text.
_DISPLAY_ONLY = frozenset(
    {
        "apple",
        "chase",
        "visa",
        "ups",
        "att",
        "steam",
        "zoom",
        "ledger",
        "google",
        "outlook",
        "caixa",
        "irs",
        "aol",
        "dpd",
        "stripe",
    }
)


@functools.lru_cache(maxsize=8)
def brand_table(extra: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    table = dict(_BUILT_IN)
    for entry in extra:
        name, _, domains = entry.partition("=")
        if name.strip():
            table[name.strip().lower()] = tuple(
                d.strip().lower() for d in domains.split(",") if d.strip()
            )
    return table


@functools.lru_cache(maxsize=8)
def _brand_pattern(extra: tuple[str, ...]) -> re.Pattern[str]:
    names = sorted(brand_table(extra), key=len, reverse=True)
    # "Trust Wallet" also matches "TrustWallet": spaces in a brand name are optional.
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s?") for n in names)
    return re.compile(r"(?<![\w.])(" + alternatives + r")(?![\w])")


def brands_named(text: str, settings: MailSettings, *, display: bool = True) -> list[str]:
    """The brands named in `text` (a display name, a subject); common words only in display."""
    pattern = _brand_pattern(settings.brands_extra)
    lowered = _homoglyphs(text[:1000])
    found = dict.fromkeys(re.sub(r"\s+", " ", m) for m in pattern.findall(lowered))
    table = brand_table(settings.brands_extra)
    names = [_canonical(b, table) for b in found]
    return [b for b in names if b and (display or b not in _DISPLAY_ONLY)]


def _canonical(matched: str, table: dict[str, tuple[str, ...]]) -> str:
    if matched in table:
        return matched
    squeezed = matched.replace(" ", "")
    return next((name for name in table if name.replace(" ", "") == squeezed), "")


def _homoglyphs(text: str) -> str:
    """Lower-case, reading a capital I inside a word as l ("PaypaI", "TrustwaIIet") and
    splitting words glued in camel case."""
    text = re.sub(r"(?<=[a-z])I+", lambda m: "l" * len(m.group(0)), text)
    # Also read "TrustwalletTeam" as "Trustwallet Team" (a brand glued to the next word
    # still counts) while keeping "PayPal" whole.
    split = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    return f"{text} \n {split}".lower() if split != text else text.lower()


def brand_domains(brand: str, settings: MailSettings) -> tuple[str, ...]:
    return brand_table(settings.brands_extra).get(brand, ())


def all_brand_domains(settings: MailSettings) -> frozenset[str]:
    return _all_domains(settings.brands_extra)


@functools.lru_cache(maxsize=8)
def _all_domains(extra: tuple[str, ...]) -> frozenset[str]:
    return frozenset(d for ds in brand_table(extra).values() for d in ds)


def borrowed_brand(host: str, settings: MailSettings) -> str | None:
    """The brand whose name a host uses without belonging to it ("paypal-secure.example"),
    or None. Short brand names (ups, dhl...) are left out: they hide inside ordinary words."""
    from phalanx.mail.domains import under_any

    if under_any(host, all_brand_domains(settings)):
        return None
    words = host.replace("-", " ").replace(".", " ")
    named = [b for b in brands_named(words, settings, display=False) if len(b) >= 5]
    return named[0] if named else None
