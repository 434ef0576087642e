"""Links, layout and headers: hidden text, encoded links, addresses in links, random tokens,
letter swaps, mailing lists and decoy plain-text parts. Each rule fires on a message written
here and stays quiet on a near miss."""

from __future__ import annotations

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import analyze

from .factory import message

ORG = MailSettings(organisation_domains=("uni.example",), organisation_names=("University",))


def rules(raw: bytes) -> tuple[str, ...]:
    return analyze(raw, ORG).rules


# --- html.offscreen_text ---------------------------------------------------------------------


def test_text_pushed_far_out_of_view() -> None:
    html = (
        "<style>.belowView { margin-top: 470500px; }</style>"
        "<p>Your mailbox is full.</p><div class='belowView'>Welcome to our newsletter</div>"
    )
    result = analyze(message("", html=html), ORG)
    assert "html.offscreen_text" in result.rules
    assert any("470500px" in r for r in result.reasons)


def test_ordinary_margins_are_not_hiding_anything() -> None:
    html = "<style>.content { margin-top: 20px; height: 1200px }</style><p>Agenda</p>"
    assert "html.offscreen_text" not in rules(message("", html=html))


# --- url.encoded_letters, url.redirect ------------------------------------------------------


def test_link_that_spells_http_in_percent_codes() -> None:
    link = "https://api.tracker.example/click?out=%68%74%74%70%3A%2F%2Fevil%2Eexample%2Fx"
    fired = rules(message(f"Keep your password: {link}"))
    assert {"url.encoded_letters", "url.redirect"} <= set(fired)


def test_ordinary_percent_encoding_is_not_obfuscation() -> None:
    link = "https://search.example/q?term=caf%C3%A9%20menu&path=%2Fhome%2F"
    fired = rules(message(f"Results: {link}"))
    assert "url.encoded_letters" not in fired and "url.redirect" not in fired


# --- url.recipient_in_link -------------------------------------------------------------------


def test_recipient_address_in_query_or_fragment() -> None:
    assert "url.recipient_in_link" in rules(
        message("Verify: https://kit.example/sdf/x.php?email=bob@uni.example")
    )
    assert "url.recipient_in_link" in rules(message("Verify: https://kit.example/a.html#bob@pot"))


def test_retina_image_names_are_not_addresses() -> None:
    assert "url.recipient_in_link" not in rules(
        message("Logo: https://cdn.example/img/logo@2x.png")
    )


# --- header.random_token ---------------------------------------------------------------------


def test_random_string_in_subject_or_sender_name() -> None:
    raw = message("Your points expire.", subject="Points expiring vencer1uimIP3YlmBD5")
    result = analyze(raw, ORG)
    assert "header.random_token" in result.rules
    named = message("hi", sender="Bank Info - Cod.6TENY4zGFOsMo88eQ17 <x@mail.example>")
    assert "header.random_token" in rules(named)


def test_order_numbers_and_product_names_are_not_random_tokens() -> None:
    for subject in ("Invoice AXRT1121DXB04", "Your iPhone15ProMax order", "Ticket 2023110600123"):
        assert "header.random_token" not in rules(message("hi", subject=subject)), subject


# --- header.letter_swap ----------------------------------------------------------------------


def test_small_l_written_for_a_capital_i() -> None:
    raw = message("order now", sender="BEST VlAGRA&ClALlS <shop@pills.example>")
    assert "header.letter_swap" in rules(raw)


def test_ordinary_capitals_and_names() -> None:
    for subject in ("MEETING ON FRIDAY", "McLaren report", "Call with Vlad at 10"):
        assert "header.letter_swap" not in rules(message("hi", subject=subject)), subject


# --- mailing lists and Reply-To --------------------------------------------------------------


def test_reply_to_elsewhere_is_still_reported() -> None:
    raw = message("hi", sender="A <a@corp.example>", headers={"Reply-To": "b@other.example"})
    assert "header.reply_to_mismatch" in rules(raw)


def test_mailing_list_replies_go_to_the_list() -> None:
    raw = message(
        "hi",
        sender="A <a@corp.example>",
        headers={
            "Reply-To": "talk@lists.example",
            "List-Post": "<mailto:talk@lists.example>",
        },
    )
    assert "header.reply_to_mismatch" not in rules(raw)
    ezmlm = message(
        "hi",
        sender="A <a@corp.example>",
        headers={
            "Reply-To": "group@yahoogroups.example",
            "Mailing-List": "list group@yahoogroups.example; contact owner@yahoogroups.example",
        },
    )
    assert "header.reply_to_mismatch" not in rules(ezmlm)


# --- decoy plain-text part -------------------------------------------------------------------


def test_decoy_plain_part_gives_way_to_the_html_readers_see() -> None:
    shown = (
        "<p>Important update: your claim is now ready for processing. "
        "We will transfer all available funds from your account to your wallet.</p>" * 20
    )
    result = analyze(message("AAA", html=shown), ORG)
    assert result.text.startswith("Important update")


def test_real_plain_part_is_kept() -> None:
    shown = "<p>" + "Minutes of the board meeting. " * 100 + "</p>"
    result = analyze(message("Minutes attached below, see the HTML version.", html=shown), ORG)
    assert result.text.startswith("Minutes attached below")
