"""Which autonomous system each simulated address belongs to, as Entra ID logs it.

Staff sign in from a few networks: the organisation's own ISPs (site NATs and the VPN), a
handful of home broadband providers, a foreign mobile network or two when travelling. Password
sprayers rent proxies in hosting companies and borrow residential botnets all over the world,
so their addresses fall in many autonomous systems. The numbers are those of real networks of
each kind; the addresses the simulator puts in them are made up.

An address's AS is drawn from its pool by a stable hash of its /16 (addresses of one /16 share
an AS, as they mostly do), so it follows from the address alone: deterministic from the seed
without drawing on the simulator's random stream.
"""

from __future__ import annotations

import zlib

# The organisation's ISPs: a public-sector network and a business ISP (sites and the VPN).
ORGANISATION = (786, 5400)
# Home broadband and mobile networks in the UK.
HOME = (2856, 5089, 5607, 13285, 5378, 12576, 25135)
# Mobile and hotel networks abroad.
ABROAD = (3215, 3320, 3352, 6830, 7018, 12322, 1136, 9121)
# Hosting and cloud networks proxies are rented in.
HOSTING = (
    14061, 16509, 14618, 24940, 16276, 63949, 20473, 9009, 51167, 396982, 8075, 45102, 132203,
    60781, 36352, 53667, 62240, 212238, 49981, 202425, 197540, 12876, 31898, 19318, 46606,
)  # fmt: skip
# Residential and mobile networks botnets live in.
RESIDENTIAL = (
    4134, 4837, 9808, 4766, 9318, 3462, 7552, 45899, 17974, 9829, 24560, 8452, 12389, 8402,
    28573, 27699, 7922, 701, 3269, 5384, 36947, 6713, 7713, 9299, 22927, 10620, 18881,
)  # fmt: skip
ATTACKERS = HOSTING + RESIDENTIAL


def asn_of(address: str, pool: tuple[int, ...]) -> int:
    """The AS in `pool` that `address` belongs to: the same for its whole /16 (IPv4) or /48."""
    prefix = address.rsplit(".", 2)[0] if "." in address else address.split(":")[:3]
    return pool[zlib.crc32(str(prefix).encode()) % len(pool)]
