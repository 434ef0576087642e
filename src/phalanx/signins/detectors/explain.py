"""Plain-English explanations: why a finding fired and what to do about it."""

from __future__ import annotations

import ipaddress

from phalanx.core.finding import Indicator
from phalanx.signins.detectors.evidence import Episode

_SHOWN = 8  # names listed before "and N more"


def listing(names: tuple[str, ...] | list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown + (f" and {len(names) - _SHOWN} more" if len(names) > _SHOWN else "")


def span(episode: Episode) -> str:
    seconds = (episode.last - episode.first).total_seconds()
    if seconds < 120:
        length = f"{seconds:.0f} seconds"
    elif seconds < 7200:
        length = f"{seconds / 60:.0f} minutes"
    else:
        length = f"{seconds / 3600:.1f} hours"
    # The end's date only when it is another day: "and 23:53:47" after a day reads as earlier.
    end = "%H:%M:%S" if episode.last.date() == episode.first.date() else "%Y-%m-%d %H:%M:%S"
    return (
        f"between {episode.first:%Y-%m-%d %H:%M:%S} and {episode.last.strftime(end)} UTC ({length})"
    )


def compromised_sentence(episode: Episode) -> str:
    if not episode.compromised:
        return "No attempt is known to have succeeded. "
    details = "; ".join(f"{a}: {how}" for a, how in sorted(episode.compromised.items()))
    return (
        f"The attacker got the password right for {len(episode.compromised)} account(s) — "
        f"{details}. Reset their passwords and revoke their sessions now. "
    )


def spray_explanation(episode: Episode, enumeration: bool) -> str:
    accounts = len(episode.accounts)
    per_account = episode.attempts / accounts
    what = (
        "mostly names that do not exist (user enumeration, Kerbrute-style)"
        if enumeration
        else f"about {per_account:.1f} attempt(s) each"
    )
    return (
        f"{listing(list(episode.sources))} tried passwords against {accounts} distinct accounts "
        f"{span(episode)}: {episode.attempts} attempts, {what}. Many accounts with few attempts "
        f"each is how password spraying stays under lockout thresholds. "
        + compromised_sentence(episode)
        + f"Enforce MFA on the targeted accounts ({listing(list(episode.accounts))}) and block "
        f"{listing(list(episode.sources))}."
    )


def brute_force_explanation(episode: Episode) -> str:
    return (
        f"{listing(list(episode.sources))} failed {episode.attempts} sign-ins against "
        f"{listing(list(episode.accounts))} {span(episode)}: repeated guessing of one account's "
        f"password. "
        + compromised_sentence(episode)
        + "Block the source, check the account is protected by MFA and by a lockout policy."
    )


def stale_explanation(episode: Episode) -> str:
    return (
        f"{listing(list(episode.accounts))} failed {episode.attempts} times from the internal "
        f"source {listing(list(episode.sources))} {span(episode)}, with no other account "
        f"involved: most likely a service, scheduled task, mapped drive or phone still using an "
        f"old password, not an attack. Update the stored password; it also causes lockouts."
    )


def indicators_for(episode: Episode) -> tuple[Indicator, ...]:
    found = []
    for source in episode.sources:
        try:
            address = ipaddress.ip_address(source)
        except ValueError:
            if source != "(unknown)":
                found.append(
                    Indicator(
                        "hostname"
                        if episode.source_kind == "host"
                        else episode.source_kind or "hostname",
                        source,
                    )
                )
            continue
        found.append(Indicator(f"ipv{address.version}", source))
    return tuple(found)
