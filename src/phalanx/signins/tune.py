"""Tuning, in one place after detection: allow-lists, de-duplication, ordering."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Sequence

from phalanx.core.finding import Finding

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Allowlist:
    """Sources never reported: IPs, CIDRs and host names from `signins.allow_sources`."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.networks: list[Network] = []
        self.names: set[str] = set()
        for entry in entries:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self.names.add(entry.strip().casefold())

    def allows(self, source: str) -> bool:
        if source.casefold() in self.names:
            return True
        try:
            address = ipaddress.ip_address(source)
        except ValueError:
            return False
        return any(address in network for network in self.networks)


def tune(findings: Sequence[Finding], allow_sources: Iterable[str]) -> list[Finding]:
    allowlist = Allowlist(allow_sources)
    kept: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        remaining = tuple(s for s in finding.sources if not allowlist.allows(s))
        if finding.sources and not remaining:
            continue
        if remaining != finding.sources:
            finding = dataclasses.replace(finding, sources=remaining)
        key = (*finding.key, finding.first_seen)
        kept.setdefault(key, finding)
    return sorted(kept.values(), key=lambda f: (-f.severity, f.first_seen or 0, f.kind))
