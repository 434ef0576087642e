"""The words of a lure: text folding, phrase search, contacts elsewhere, wallets, bare links.

Every rule is shown firing on a message written here and staying quiet on a near miss.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from phalanx.config.mail import MailSettings
from phalanx.mail import lures
from phalanx.mail.analyze import analyze

from .factory import message

ORG = MailSettings(organisation_domains=("uni.example",), organisation_names=("University",))


def rules(raw: bytes) -> tuple[str, ...]:
    return analyze(raw, ORG).rules


# --- how text is read -----------------------------------------------------------------------


def test_text_is_folded_before_phrases_are_matched() -> None:
    # Zero-width characters inside words, accents dropped or kept, entities in plain text and
    # underscores between words all read as the plain words.
    assert lures.lure_text("Microsoft_unusual_sign-in", "").startswith("microsoft unusual sign")
    assert "hello" in lures.lure_text("", "H\u200c\u200cel\u200clo")
    assert "informacoes" in lures.lure_text("", "Informações")
    assert "ola! voce" in lures.lure_text("", "Ol&#225;! Voc&ecirc;")


FAMILIES = (lures.CREDENTIAL, lures.CALL_WORDS, lures.SCAM_WORDS, lures.ROMANCE_WORDS,
            lures.BEC_WORDS, lures.COVID, lures.SPAM_WORDS)


def _counted_alike(text: str) -> bool:
    """Phrases looked for where the text's words allow count what each looked for in turn does."""
    words = lures.Words(text)
    return all(lures._distinct(f, text, words) == lures._distinct(f, text) for f in FAMILIES)


def test_phrases_are_found_from_the_words_of_the_text_as_by_scanning_it() -> None:
    texts = [
        "a moment? i need your help with some gift cards",  # an anchor that goes past its word
        "xi need your help",  # inside a word: no phrase begins there
        "100% guaranteed! verify your account now",  # an anchor ending before a sign
        "it's urgent: kindly confirm your password, won't take long",
        "vérifiez votre compte", "", "   ", "$$$ 😍 € ❤",
    ]
    assert all(_counted_alike(t) for t in texts)
    assert lures._distinct(lures.BEC_WORDS, texts[0], lures.Words(texts[0])) >= 1


def test_phrases_from_words_over_the_whole_corpus(mail_corpus: Path) -> None:
    from phalanx.mail.extract import split_report
    from phalanx.mail.headers import read_envelope
    from phalanx.mail.parse import html_to_text, parse_message

    checked = 0
    for path in sorted(p for p in mail_corpus.rglob("*") if p.is_file()):
        for carried in split_report(path.read_bytes()):
            parsed = parse_message(carried.raw, ORG)
            if parsed.fatal:
                continue
            env = read_envelope(parsed)
            body = " ".join(parsed.plain) or " ".join(
                html_to_text(h, ORG.max_html_chars) for h in parsed.html)
            text = f"{lures.fold(env.display_name).lower()} \n {lures.lure_text(env.subject, body)}"
            assert _counted_alike(text), path.name
            checked += 1
    assert checked > 1500


def test_zero_width_padding_no_longer_hides_a_call_back_lure() -> None:
    padded = "\u200c".join(
        "Your student loan is eligible for forgiveness. Please give our eligibility line a "
        "call at: 877-555-0142 today."
    )
    fired = rules(message(padded, sender="Loans <loans@relief.example>"))
    assert {"lure.callback", "text.invisible_padding"} <= set(fired)


def test_phrases_found_at_their_anchors_are_the_phrases_the_regex_finds() -> None:
    # The search jumps to where an anchor word occurs instead of scanning every position;
    # it must find exactly what a full scan finds.
    texts = [
        lures.lure_text(
            "Urgent: account verification required",
            "Dear user, your account is not verified. Kindly verify within 12 hrs or your "
            "mailbox will stop receiving e-mails. Claim your prize: 1,500,000 USD, lottery "
            "winners, bitcoin wallet. Where r u from? How old are you? I like you. Call us at "
            "+1 (808) 555-0199. Wire transfer today, gift cards. unsubscribe, viagra $100.",
        ),
        "xverify your account, verify your accountx, the account was suspendedly",
    ]
    families = (lures.CREDENTIAL, lures.SCAM_WORDS, lures.ROMANCE_WORDS, lures.BEC_WORDS)
    for text in texts:
        for phrases in (*families, lures.SPAM_WORDS, lures.CALL_WORDS, lures.COVID):
            for phrase in phrases:
                assert phrase.search(text) == bool(phrase.regex.search(text)), phrase.regex


# --- phrase families ------------------------------------------------------------------------


def test_mailbox_password_expiry_lure() -> None:
    body = (
        "The password to your mailbox has expired. To keep using your current password, "
        "kindly use the button below: https://keep-password.example/x"
    )
    assert "lure.credential" in rules(message(body, sender="Mail <it@service.example>"))
    # The same notice without anything to click is only words.
    assert "lure.credential" not in rules(
        message(body.split("https")[0], sender="Mail <it@service.example>")
    )


def test_advance_fee_story_in_english_and_portuguese() -> None:
    english = (
        "I urgently need you to help me safeguard the sum of nineteen million US dollars. "
        "I searched for an honest person and will offer you 35% of the total amount."
    )
    assert "lure.scam" in rules(message(english, sender="Gen. Smith <gen@army.example>"))
    portuguese = (
        "Quero que esses fundos sejam transferidos para você, conforme o desejo de meu falecido "
        "marido, como o parente mais próximo deste fundo ($5.200.000,00 USD)."
    )
    assert "lure.scam" in rules(message(portuguese, sender="Sra. D <d@widow.example>"))
    # A news story about a prize is not a scam.
    news = "The Nobel prize in physics went to two researchers for their work on galaxies."
    assert "lure.scam" not in rules(message(news))


def test_dating_lure_phrases() -> None:
    body = (
        "Hello) I am a solitary generous female. Where r you from and how old r you? "
        "I will reply to you my photo."
    )
    assert "lure.romance" in rules(message(body, sender="Anna <anna@shop.example>"))
    assert "lure.romance" not in rules(message("Where are you from? We met at the workshop."))


def test_request_for_quotation_from_a_free_mailbox() -> None:
    body = "You are invited to send your best quotation. Request for quotation attached."
    result = analyze(message(body, sender="Buyer <buyer.global@gmail.com>"), ORG)
    assert "lure.bec" in result.rules
    assert "lure.bec" not in rules(message("Thanks for the quotation, we will order next week."))


def test_spaced_and_bracketed_phone_number() -> None:
    body = (
        "Your yearly membership was renewed for $499.99. To claim a refund contact our "
        "billing department: you can reach us on +1 – (888) - (555) - (0142)."
    )
    assert "lure.callback" in rules(message(body, sender="Billing <bill@invoice.example>"))
    assert "lure.callback" not in rules(
        message(body.replace("+1 – (888) - (555) - (0142)", "our website"))
    )


# --- lure.reply_elsewhere -------------------------------------------------------------------

ROMANCE = (
    "I'm an unmarried generous woman. Where are you from and how old are you? "
    "I will reply to you my pictures. "
)


def test_reply_elsewhere_free_mailbox() -> None:
    raw = message(ROMANCE + "E-mail me to anna.1985@gmail.com", sender="Anna <x@sport.example>")
    result = analyze(raw, ORG)
    assert "lure.reply_elsewhere" in result.rules
    assert any("anna.1985@gmail.com, a free mailbox" in r for r in result.reasons)


def test_reply_elsewhere_near_misses() -> None:
    # The sender's own address, an opt-out address, or no lure at all: nothing to say.
    own = message(ROMANCE + "E-mail me to anna@sport.example", sender="Anna <x@sport.example>")
    assert "lure.reply_elsewhere" not in rules(own)
    opt_out = message(
        ROMANCE + "To stop these letters send a blank mail to list-unsubscribe@gmail.com",
        sender="Anna <x@sport.example>",
    )
    assert "lure.reply_elsewhere" not in rules(opt_out)
    plain = message("For the minutes, e-mail me to bob@gmail.com", sender="A <a@uni.example>")
    assert "lure.reply_elsewhere" not in rules(plain)


def test_report_button_that_mails_someone_else() -> None:
    html = (
        "<p>Unusual sign-in activity. We detected something unusual about a recent sign-in. "
        "If this wasn't you, please report the user.</p>"
        '<a href="mailto:report.team@gmail.com?subject=Report">Report the user</a>'
    )
    result = analyze(message("", html=html, sender="Account team <no-reply@corp.example>"), ORG)
    assert "lure.reply_elsewhere" in result.rules


# --- lure.crypto_address ---------------------------------------------------------------------

# The first Bitcoin address ever used (the genesis block's), public and well known.
GENESIS = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"


def test_bitcoin_address_with_a_valid_checksum() -> None:
    body = f"Send $750 in bitcoin to my address {GENESIS} within 48 hours."
    assert "lure.crypto_address" in rules(message(body))
    ether = "Pay to 0x52908400098527886E0F7030069857D2E4169EE7 today."
    assert "lure.crypto_address" in rules(message(ether))


def test_random_string_that_only_looks_like_an_address() -> None:
    broken = GENESIS[:-1] + "b"  # one letter changed: the checksum no longer holds
    assert "lure.crypto_address" not in rules(message(f"Ticket reference {broken}."))


# --- text.link_only -------------------------------------------------------------------------


def test_message_that_is_only_a_link() -> None:
    assert "text.link_only" in rules(message("Mega Bundle SALE - 50% https://is.gd/x1"))
    html = '<a href="https://promo.example/a"><img src="https://promo.example/b.png"></a>'
    assert "text.link_only" in rules(message("", html=html))


def test_a_few_sentences_around_a_link_are_not_link_only() -> None:
    body = (
        "Here are the slides from Tuesday's seminar, as promised: "
        "https://files.uni.example/slides.pdf - see you next week."
    )
    assert "text.link_only" not in rules(message(body))
    assert "text.link_only" not in rules(message("Short note, no link at all."))


@pytest.mark.parametrize(
    "body",
    ["Nothing here.", "See the attached agenda for Monday's meeting, thanks."],
)
def test_link_only_needs_a_link(body: str) -> None:
    assert "text.link_only" not in rules(message(body))
