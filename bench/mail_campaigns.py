"""Campaign grouping speed and quality over a synthetic NCSC first week (issue 4 §3, §8).

    .venv/bin/python bench/mail_campaigns.py                  # 25,000 reports
    .venv/bin/python bench/mail_campaigns.py --reports 5000

The reports are generated as analysis dicts (the shape of Analysis.to_dict()), so the figure is
the campaign index's own cost, not parsing. The mix: a few hundred campaigns of Zipf-like sizes,
each with its own kit host, per-recipient URL paths and a templated lure (recipient name and
reference number change per message); a third of reports are one-offs; every report links to a
tracking pixel host, half to well-known logos, some reuse an attachment. Because the truth is
known, the bench also prints how pure the campaigns found are (no over-merging) and how complete.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from typing import Any

from phalanx.mail.campaigns import CampaignIndex

WORDS = [
    "account",
    "mailbox",
    "verify",
    "password",
    "payroll",
    "invoice",
    "urgent",
    "suspended",
    "storage",
    "portal",
    "secure",
    "update",
    "confirm",
    "delivery",
    "parcel",
    "tax",
    "refund",
    "bank",
    "transfer",
    "document",
    "shared",
    "review",
    "sign",
    "meeting",
    "voicemail",
    "benefits",
    "policy",
    "expire",
    "login",
    "access",
    "office",
    "microsoft",
    "team",
    "admin",
    "notice",
    "pending",
    "payment",
    "overdue",
    "action",
    "required",
    "immediately",
    "within",
    "hours",
    "click",
    "below",
    "link",
    "attached",
]
NAMES = ["Ann", "Bob", "Chen", "Dana", "Eve", "Femi", "Gita", "Hugo", "Ines", "Jon"]


def lure(rng: random.Random, words: int = 60) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def sending_ip(rng: random.Random, campaign: int | None) -> str:
    """A campaign sends from a handful of servers; a one-off from anywhere."""
    if campaign is None:
        return ".".join(str(rng.randrange(1, 223)) for _ in range(4))
    return f"45.{campaign // 256}.{campaign % 256}.{rng.randrange(4)}"


def report(rng: random.Random, campaign: int | None, templates: dict[int, str]) -> dict[str, Any]:
    if campaign is None:
        host = f"one-off-{rng.randrange(10**9)}.example"
        text = lure(rng)
        hashes: list[str] = []
    else:
        host = f"kit{campaign}.example" if campaign % 3 else f"kit{campaign}.web.app"
        text = templates[campaign].format(name=rng.choice(NAMES), ref=rng.randrange(10**6))
        hashes = [f"{campaign:064x}"] if campaign % 5 == 0 else []
    urls = [f"https://{host}/{rng.randrange(10**9):x}", "https://px.tracker-cdn.example/o.gif"]
    if rng.random() < 0.5:
        urls.append("https://www.microsoft.com/logo.png")
    return {
        "verdict": "malicious",
        "category": "credential_phishing",
        "indicators": {
            "urls": urls,
            "domains": [],
            "ips": [sending_ip(rng, campaign)],
            "sender": f"user{rng.randrange(10**12)}@mailer{rng.randrange(50)}.example",
            "attachments": [{"name": "a.html", "sha256": h, "type": "text/html"} for h in hashes],
        },
        "text": text,
    }


def synthetic(n: int, seed: int = 7) -> list[tuple[str, dict[str, Any], int | None]]:
    rng = random.Random(seed)
    campaigns = 400
    weights = [1 / (rank + 1) for rank in range(campaigns)]
    templates = {c: "Dear {name}, " + lure(rng) + " reference {ref}." for c in range(campaigns)}
    out = []
    for i in range(n):
        campaign = None if rng.random() < 0.33 else rng.choices(range(campaigns), weights)[0]
        out.append((f"r{i}", report(rng, campaign, templates), campaign))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=25_000)
    args = parser.parse_args()
    data = synthetic(args.reports)
    truth = {rid: c for rid, _, c in data}

    index = CampaignIndex()
    start, cpu = time.perf_counter(), time.process_time()
    for rid, analysis, _ in data:
        index.add(rid, analysis)
    added, added_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    campaigns = index.campaigns()
    grouped = time.perf_counter() - start
    start = time.perf_counter()
    index.add("late", data[0][1])
    index.campaigns()
    regroup = time.perf_counter() - start

    impure = sum(1 for c in campaigns if len({truth[r] for r in c.report_ids}) > 1)
    real = Counter(c for c in truth.values() if c is not None)
    pieces: dict[int, set[str]] = {}
    for rid, campaign in truth.items():
        if campaign is not None:
            pieces.setdefault(campaign, set()).add(index.campaign_of(rid) or rid)
    split = sum(1 for c, found in pieces.items() if real[c] >= 2 and len(found) != 1)
    print(f"reports                     {args.reports:>10,}")
    print(f"add() total                 {added:>10.2f} s  ({args.reports / added:,.0f} reports/s)")
    print(f"add() CPU time              {added_cpu:>10.2f} s  (one core)")
    print(f"campaigns() from scratch    {grouped:>10.2f} s")
    print(f"one more report + regroup   {regroup:>10.2f} s")
    print(f"campaigns found             {len(campaigns):>10,}  (true campaigns: {len(real)})")
    print(f"campaigns mixing two truths {impure:>10,}")
    print(f"true campaigns split/missed {split:>10,}")
    print(f"evidence kept from linking  {len(index.ignored()):>10,}")


if __name__ == "__main__":
    main()
