"""Campaign grouping: what links reports, what must not, and how it is explained."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phalanx.config.mail_service import CampaignSettings
from phalanx.core.errors import ConfigError
from phalanx.mail.campaigns import CampaignIndex, registrable_domain

LURE = (
    "Dear {name}, your mailbox storage is almost full. To avoid losing incoming messages "
    "please verify your account within 24 hours using the secure portal below, otherwise your "
    "access will be suspended. Reference {ref}. Regards, the mail administration team"
)
INVOICE = (
    "Hello, please find attached the overdue invoice for the consulting services delivered in "
    "March. Payment is now thirty days late and we kindly ask you to settle it this week to "
    "avoid a collection fee being added to your account."
)


def analysis(
    urls: Sequence[str] = (),
    *,
    domains: Sequence[str] = (),
    ips: Sequence[str] = (),
    sender: str | None = None,
    hashes: Sequence[str] = (),
    text: str = "",
) -> dict[str, Any]:
    """The shape of phalanx.mail.analyze's Analysis.to_dict()."""
    return {
        "verdict": "malicious",
        "score": 90,
        "category": "credential_phishing",
        "reasons": [],
        "indicators": {
            "urls": list(urls),
            "domains": list(domains),
            "ips": list(ips),
            "sender": sender,
            "attachments": [{"name": "x.html", "sha256": h, "type": "text/html"} for h in hashes],
        },
        "subject": "s",
        "sender": sender,
        "message_id": None,
        "date": None,
        "text": text,
        "error": None,
    }


def test_three_reports_sharing_a_host_are_one_campaign_named_after_it() -> None:
    index = CampaignIndex()
    for i in range(3):
        index.add(f"r{i}", analysis([f"https://login.evil-portal.example/u/{i}"]))
    index.add("other", analysis(["https://unrelated.example/"]))

    [campaign] = index.campaigns()

    assert campaign.id == "r0"
    assert campaign.report_ids == ("r0", "r1", "r2")
    assert campaign.verdicts == {"malicious": 3}
    assert "all 3 reports share host login.evil-portal.example" in campaign.explanation
    assert ("host", "login.evil-portal.example", 3) in {
        (s.kind, s.value, s.count) for s in campaign.shared
    }
    assert index.explain("r1")[0] == "shares host login.evil-portal.example with 2 reports"
    assert index.campaign_of("other") is None


def test_hosts_of_one_registrable_domain_link_and_the_explanation_says_so() -> None:
    index = CampaignIndex()
    index.add("a", analysis(["https://a.evil.co.uk/x"]))
    index.add("b", analysis(["https://b.evil.co.uk/y"]))

    [campaign] = index.campaigns()
    assert campaign.explanation == ("all 2 reports share registrable domain evil.co.uk",)


def test_near_duplicate_text_links_reports_with_different_urls() -> None:
    index = CampaignIndex()
    index.add("t1", analysis(["https://one.example/a"], text=LURE.format(name="Ann", ref="1234")))
    index.add("t2", analysis(["https://two.example/b"], text=LURE.format(name="Bob", ref="9876")))
    index.add("t3", analysis(["https://three.example/c"], text=INVOICE))

    [campaign] = index.campaigns()
    assert campaign.report_ids == ("t1", "t2")
    assert campaign.shared[0].kind == "text"
    assert campaign.explanation == ("all 2 reports have text near-identical to report t1's",)
    assert index.explain("t2") == ["shares near-duplicate text (like report t1's) with 1 report"]


def test_unrelated_reports_stay_apart() -> None:
    index = CampaignIndex()
    index.add("a", analysis(["https://a.example/"], sender="x@a.example", text=LURE))
    index.add("b", analysis(["https://b.example/"], sender="y@b.example", text=INVOICE))
    index.add("c", analysis(hashes=["ab" * 32], ips=["203.0.113.7"]))

    assert index.campaigns() == []
    assert [index.campaign_of(r) for r in "abc"] == [None, None, None]


def test_a_host_shared_by_many_campaigns_is_a_hub_and_merges_nothing() -> None:
    index = CampaignIndex()
    tracker = "https://px.tracker.example/open.gif"
    for campaign in range(3):
        for i in range(4):
            index.add(f"c{campaign}-{i}", analysis([f"https://kit{campaign}.example/{i}", tracker]))
    for i in range(3):
        index.add(f"lone{i}", analysis([tracker]))

    campaigns = index.campaigns()

    assert sorted(c.id for c in campaigns) == ["c0-0", "c1-0", "c2-0"]
    assert all(c.size == 4 for c in campaigns)
    hub = {(e.kind, e.value): e for e in index.ignored()}[("host", "px.tracker.example")]
    assert hub.count == 15
    assert "hub" in hub.reason


def test_one_frequent_phishing_host_still_makes_one_campaign() -> None:
    """Frequency alone is no reason to ignore evidence: 40 reports of one kit are one campaign."""
    index = CampaignIndex()
    for i in range(40):
        index.add(f"r{i}", analysis([f"https://kit.example/{i}"], text=f"message {i}"))

    [campaign] = index.campaigns()
    assert campaign.size == 40
    assert "all 40 reports share host kit.example" in campaign.explanation


def test_well_known_and_organisation_domains_link_nothing() -> None:
    index = CampaignIndex(organisation_domains=["uni.example"])
    index.add(
        "a", analysis(["https://www.microsoft.com/logo.png", "https://intranet.uni.example/"])
    )
    index.add(
        "b", analysis(["https://www.microsoft.com/logo.png", "https://intranet.uni.example/"])
    )
    index.add("c", analysis(["http://www.w3.org/1999/xhtml"], sender="x@gmail.com"))
    index.add("d", analysis(["http://www.w3.org/1999/xhtml"], sender="y@gmail.com"))

    assert index.campaigns() == []
    reasons = {(e.kind, e.value): e.reason for e in index.ignored()}
    assert reasons[("host", "www.microsoft.com")] == "a well-known legitimate domain"
    assert (
        reasons[("url", "https://www.microsoft.com/logo.png")] == "a well-known legitimate domain"
    )
    assert reasons[("host", "intranet.uni.example")] == "the organisation's own domain"
    assert reasons[("sender_domain", "gmail.com")] == "a well-known legitimate domain"


def test_shared_services_link_by_exact_url_only() -> None:
    index = CampaignIndex()
    form = "https://docs.google.com/forms/d/e/1FAIpQLSe-phish/viewform"
    index.add("a", analysis([form]))
    index.add("b", analysis([form + "?usp=sf_link"]))  # another page of the same service
    index.add("c", analysis([form]))
    index.add("d", analysis(["https://bit.ly/3xyz"]))
    index.add("e", analysis(["https://bit.ly/9abc"]))

    [campaign] = index.campaigns()
    assert campaign.report_ids == ("a", "c")
    assert campaign.explanation == (f"all 2 reports share URL {form}",)


def test_links_rewritten_by_a_mail_gateway_link_by_their_target() -> None:
    target = "https://login.evil.example/owa"
    safelinks = (
        "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Flogin.evil.example"
        "%2Fowa&data=05%7C01%7Calice%40uni.example&reserved=0"
    )
    index = CampaignIndex()
    index.add("wrapped", analysis([safelinks]))
    index.add("plain", analysis([target]))
    index.add("other", analysis(["https://eur01.safelinks.protection.outlook.com/?url=x"]))
    index.add("another", analysis(["https://eur01.safelinks.protection.outlook.com/?url=y"]))

    [campaign] = index.campaigns()
    assert campaign.report_ids == ("wrapped", "plain")
    assert campaign.explanation == (
        f"all 2 reports share URL {target}",
        "all 2 reports share host login.evil.example",
    )


def test_attachment_hash_sending_ip_and_sender_address_link() -> None:
    index = CampaignIndex()
    index.add("h1", analysis(hashes=["AA" * 32]))
    index.add("h2", analysis(hashes=["aa" * 32]))
    index.add("i1", analysis(ips=["198.51.100.20", "10.0.0.5"]))
    index.add("i2", analysis(ips=["198.51.100.20"]))
    index.add("p1", analysis(ips=["10.0.0.5"]))  # a private relay hop says nothing
    index.add("g1", analysis(ips=["209.85.220.41"]))  # Gmail's outbound servers send for all
    index.add("g2", analysis(ips=["209.85.220.41"]))
    index.add("s1", analysis(sender="Payroll <payroll.dept@gmail.com>"))
    index.add("s2", analysis(sender="payroll.dept@gmail.com"))
    index.add("x1", analysis(sender='"payroll.dept@gmail.com" <a@spoof-one.example>'))

    found = {c.report_ids: c.explanation for c in index.campaigns()}
    assert found == {
        ("h1", "h2"): (f"all 2 reports share attachment SHA-256 {'aa' * 32}",),
        ("i1", "i2"): ("all 2 reports share sending IP 198.51.100.20",),
        ("s1", "s2"): ("all 2 reports share sender address payroll.dept@gmail.com",),
    }


def test_the_organisations_own_mail_servers_link_nothing() -> None:
    index = CampaignIndex(CampaignSettings(ignore_networks=("192.0.2.0/28",)))
    index.add("a", analysis(ips=["192.0.2.5", "198.51.100.1"]))
    index.add("b", analysis(ips=["192.0.2.5", "198.51.100.2"]))

    assert index.campaigns() == []
    [own] = index.ignored()
    assert (own.value, own.reason) == ("192.0.2.5", "the organisation's own mail servers")
    with pytest.raises(ConfigError, match=r"'192\.0\.2\.0/33' is not an IP network"):
        CampaignIndex(CampaignSettings(ignore_networks=("192.0.2.0/33",)))


def test_evidence_in_too_many_reports_is_ignored_once_the_index_is_large() -> None:
    config = CampaignSettings(share_min_reports=20, max_share=0.5)
    index = CampaignIndex(config)
    for i in range(20):
        index.add(f"r{i}", analysis(["https://cdn.example/lib.js", f"https://s{i}.example/"]))

    assert index.campaigns() == []
    assert {(e.kind, e.value, e.reason) for e in index.ignored()} == {
        ("url", "https://cdn.example/lib.js", "in 100% of all reports"),
        ("host", "cdn.example", "in 100% of all reports"),
        ("domain", "cdn.example", "in 100% of all reports"),
    }


def test_transitive_links_join_and_keep_the_first_report_as_id() -> None:
    index = CampaignIndex()
    index.add("a", analysis(["https://x.example/1"]))
    index.add("b", analysis(["https://y.example/1"], hashes=["cd" * 32]))
    index.add("c", analysis(["https://x.example/2"], hashes=["cd" * 32]))

    [campaign] = index.campaigns()
    assert campaign.id == "a"
    assert set(campaign.report_ids) == {"a", "b", "c"}


def test_adding_a_report_again_replaces_its_evidence() -> None:
    index = CampaignIndex()
    index.add("a", analysis(["https://x.example/1"]))
    index.add("b", analysis(["https://x.example/2"]))
    assert len(index.campaigns()) == 1

    index.add("b", analysis(["https://elsewhere.example/"]))
    assert index.campaigns() == []
    assert len(index) == 2


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("login.evil.example", "evil.example"),
        ("a.b.evil.co.uk", "evil.co.uk"),
        ("victim-tenant.sharepoint.com", "victim-tenant.sharepoint.com"),
        ("phish.web.app", "phish.web.app"),
        ("x.blob.core.windows.net", "x.blob.core.windows.net"),
        ("EVIL.Example.", "evil.example"),
        ("192.0.2.1", None),
        ("co.uk", None),
        ("localhost", None),
    ],
)
def test_registrable_domain(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)


@given(
    st.lists(
        st.fixed_dictionaries(
            {"indicators": st.one_of(junk, st.fixed_dictionaries({"urls": junk, "ips": junk}))},
            optional={"text": junk, "sender": junk},
        ),
        max_size=8,
    )
)
@settings(max_examples=40, deadline=None)
def test_malformed_analyses_never_crash_and_each_report_is_in_one_campaign(
    analyses: list[dict[str, Any]],
) -> None:
    index = CampaignIndex()
    for i, item in enumerate(analyses):
        index.add(str(i), item)
    seen = [r for c in index.campaigns() for r in c.report_ids]
    assert len(seen) == len(set(seen))


@pytest.mark.corpus
def test_real_phishing_groups_into_explained_campaigns_without_one_blob(corpus: Path) -> None:
    analyze_module = pytest.importorskip("phalanx.mail.analyze")
    from phalanx.config.mail import MailSettings

    index = CampaignIndex()
    paths = sorted((corpus / "mail" / "phishing").iterdir())
    for path in paths:
        result = analyze_module.analyze(path.read_bytes(), MailSettings())
        index.add(path.name, result.to_dict())

    campaigns = index.campaigns()
    assert campaigns, "399 honeypot phishing messages share no infrastructure at all?"
    assert all(c.explanation for c in campaigns)
    # Grouping must not collapse a varied corpus into one campaign.
    assert campaigns[0].size < len(paths) // 4
