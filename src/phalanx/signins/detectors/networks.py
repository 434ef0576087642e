"""The networks an episode's sources come from: address prefixes and autonomous systems.

A spray rotated through hundreds of addresses still clusters somewhere: a cloud provider hands
out neighbouring addresses, a botnet lives in a few residential ISPs. The busiest /24 (IPv4) or
/48 (IPv6) prefixes, and the busiest autonomous systems where the log names them (Entra ID,
Okta), say what to block or report. Each network counts the distinct sources seen in it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable

import polars as pl

TOP = 10  # networks listed of each kind
IPV4_PREFIX = 24
IPV6_PREFIX = 48


def top_networks(rows: pl.DataFrame) -> dict[str, dict[str, int]]:
    """{"prefixes": {"203.0.113.0/24": sources, ...}, "asns": {"AS8075": sources, ...}} for the
    rows of one episode (`source`, and `asn` where the log has it), busiest first, TOP of each;
    "asns" is empty when no row names an AS. Ties are listed in network order."""
    sources = rows.get_column("source").cast(pl.String).drop_nulls().unique().to_list()
    return {"prefixes": prefixes(sources), "asns": asns(rows)}


def prefixes(sources: Iterable[str]) -> dict[str, int]:
    """The /24 (IPv4) or /48 (IPv6) of each address among `sources`, with how many are in it;
    host names and other non-addresses are left out."""
    counts: Counter[str] = Counter()
    for source in set(sources):
        try:
            address = ipaddress.ip_address(source)
        except ValueError:
            continue
        length = IPV4_PREFIX if address.version == 4 else IPV6_PREFIX
        counts[str(ipaddress.ip_network(f"{address}/{length}", strict=False))] += 1
    return _top(counts)


def asns(rows: pl.DataFrame) -> dict[str, int]:
    """ "AS<number>" for each autonomous system the rows name, with how many sources are in it."""
    if "asn" not in rows.columns:
        return {}
    pairs = (
        rows.select(pl.col("source").cast(pl.String), pl.col("asn").cast(pl.String))
        .drop_nulls()
        .filter(pl.col("asn") != "")
        .unique()
    )
    counts = Counter(f"AS{asn}" for asn in pairs.get_column("asn").to_list())
    return _top(counts)


def _top(counts: Counter[str]) -> dict[str, int]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], _order(item[0])))
    return dict(ranked[:TOP])


def _order(network: str) -> tuple[int, int, str]:
    """AS numbers by number; IPv4 prefixes before IPv6, each by address."""
    if network.startswith("AS"):
        return (0, len(network), network)  # digits: the shorter number is the smaller
    parsed = ipaddress.ip_network(network)
    return (parsed.version, int(parsed.network_address), "")
