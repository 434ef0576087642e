"""The networks an episode's sources come from: prefixes always, autonomous systems where logged."""

from __future__ import annotations

import io
import ipaddress
from collections import Counter
from pathlib import Path

import orjson
import polars as pl
import pyarrow as pa
import pytest

from phalanx.config.signins import SigninSettings
from phalanx.signins.detect import detect_all
from phalanx.signins.detectors.networks import TOP, asns, prefixes, top_networks
from phalanx.signins.readers import entra
from phalanx.signins.readers.base import InputFile, InputStats
from phalanx.signins.schema import SIGNIN_SCHEMA
from phalanx.signins.simulate.networks import ATTACKERS
from phalanx.signins.simulate.run import simulate


def rows(*pairs: tuple[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {"source": [s for s, _ in pairs], "asn": [a for _, a in pairs]},
        schema={"source": pl.String, "asn": pl.String},
    )


def test_each_network_counts_its_distinct_sources() -> None:
    episode = rows(
        ("203.0.113.7", "8075"),
        ("203.0.113.7", "8075"),  # the same source again: still one
        ("203.0.113.200", "8075"),
        ("198.51.100.4", "14061"),
        ("2001:db8:1:2::5", "16509"),
        ("2001:db8:1:ffff::9", "16509"),
        ("2001:db8:2::1", None),
    )
    assert top_networks(episode) == {
        "prefixes": {
            "203.0.113.0/24": 2,
            "2001:db8:1::/48": 2,
            "198.51.100.0/24": 1,
            "2001:db8:2::/48": 1,
        },
        "asns": {"AS8075": 2, "AS16509": 2, "AS14061": 1},
    }


def test_host_names_and_unknown_sources_have_no_prefix() -> None:
    episode = rows(("ws07", None), ("(unknown)", None), ("", None), ("192.0.2.1", None))
    assert top_networks(episode) == {"prefixes": {"192.0.2.0/24": 1}, "asns": {}}


def test_asns_are_empty_when_the_log_has_none() -> None:
    assert asns(rows(("203.0.113.7", None), ("203.0.113.8", None))) == {}
    assert asns(pl.DataFrame({"source": ["203.0.113.7"]})) == {}
    assert top_networks(rows())["prefixes"] == {}


def test_only_the_busiest_are_listed_busiest_first_ties_in_network_order() -> None:
    pairs = [(f"10.{n}.0.{k}", str(64_500 + n)) for n in range(15) for k in range(n % 3 + 1)]
    found = top_networks(rows(*pairs))
    assert len(found["prefixes"]) == len(found["asns"]) == TOP
    counts = list(found["asns"].values())
    assert counts == sorted(counts, reverse=True)
    # Five networks each of 3, 2 and 1 sources: all the 3s, all the 2s, then none of the 1s.
    assert found["asns"] == {
        **{f"AS{64_500 + n}": 3 for n in (2, 5, 8, 11, 14)},
        **{f"AS{64_500 + n}": 2 for n in (1, 4, 7, 10, 13)},
    }
    assert list(found["prefixes"])[:2] == ["10.2.0.0/24", "10.5.0.0/24"]
    # AS numbers in numeric order, not text order, between equals.
    assert list(asns(rows(("192.0.2.1", "9009"), ("192.0.2.2", "14061")))) == ["AS9009", "AS14061"]


def test_prefixes_take_any_iterable_of_sources() -> None:
    assert prefixes(["192.0.2.1", "192.0.2.1", "192.0.2.9", "::ffff:zz"]) == {"192.0.2.0/24": 2}


def test_categorical_columns_as_a_scan_holds_them() -> None:
    episode = rows(("203.0.113.7", "8075"), ("203.0.113.9", None)).with_columns(
        pl.col("source").cast(pl.Categorical), pl.col("asn").cast(pl.Categorical)
    )
    assert top_networks(episode) == {"prefixes": {"203.0.113.0/24": 2}, "asns": {"AS8075": 1}}


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sim")
    simulate(folder, users=300, days=3, events=20_000, seed=5, workers=1)
    return folder


def test_a_simulated_distributed_spray_spreads_over_many_attacker_networks(
    simulated: Path,
) -> None:
    data = (simulated / "entra-signins.jsonl").read_bytes()
    source = InputFile("entra.jsonl", lambda: io.BytesIO(data))
    batches = entra.read(source, InputStats(path="entra.jsonl"), SigninSettings())
    table = pl.from_arrow(pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA))
    assert isinstance(table, pl.DataFrame)
    truth = orjson.loads((simulated / "truth.json").read_bytes())
    (spray,) = [a for a in truth["attacks"] if a["type"] == "distributed_spray"]
    episode = table.filter(pl.col("source").is_in(spray["sources"]))
    found = top_networks(episode)
    assert len(found["asns"]) == TOP
    assert {int(a.removeprefix("AS")) for a in found["asns"]} <= set(ATTACKERS)
    every = episode.select("source", "asn").unique()
    assert every.get_column("asn").null_count() == 0
    assert every.get_column("asn").n_unique() >= 20  # proxies and bots in many networks
    # Each prefix counts the spray's addresses in it, as an independent count says.
    expected = Counter(
        str(ipaddress.ip_network(f"{s}/24", strict=False)) for s in set(spray["sources"])
    )
    assert all(expected[prefix] == n for prefix, n in found["prefixes"].items())
    assert max(found["prefixes"].values()) == max(expected.values())
    assert len(found["prefixes"]) == min(TOP, len(expected))


def test_the_distributed_spray_finding_names_its_autonomous_systems(simulated: Path) -> None:
    data = (simulated / "entra-signins.jsonl").read_bytes()
    source = InputFile("entra.jsonl", lambda: io.BytesIO(data))
    batches = entra.read(source, InputStats(path="entra.jsonl"), SigninSettings())
    table = pa.Table.from_batches(batches, schema=SIGNIN_SCHEMA)
    truth = orjson.loads((simulated / "truth.json").read_bytes())
    (spray,) = [a for a in truth["attacks"] if a["type"] == "distributed_spray"]
    (wave,) = [
        f
        for f in detect_all(table, SigninSettings())
        if f.kind == "signins.distributed_spray" and set(f.sources) & set(spray["sources"])
    ]
    networks = wave.details["networks"]
    assert len(networks["asns"]) == TOP
    assert {int(a.removeprefix("AS")) for a in networks["asns"]} <= set(ATTACKERS)
    busiest = next(iter(networks["asns"]))
    assert f"{busiest}: {networks['asns'][busiest]} sources" in wave.explanation
