"""Sign-in events as NumPy columns, so that ten million of them can be made and sorted quickly.

Accounts and sources are small integers into the `Names` tables; a writer turns them back into
text only when it formats a line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np
import numpy.typing as npt

from phalanx.signins.simulate.formats import Result

Ints = npt.NDArray[np.int64]


class Log(IntEnum):
    """The log an event is written to."""

    ENTRA = 0
    WINDOWS = 1
    SYSLOG = 2


class Channel(IntEnum):
    """How the attempt reached the organisation: an Entra app, a Windows event type, sshd."""

    BROWSER = 0  # Entra: browser Outlook;  Windows: 4624/4625 network logon
    DESKTOP = 1  # Entra: Teams;             Windows: Kerberos 4768/4771 on the DC
    MOBILE = 2  # Entra: Outlook mobile;    Windows: 4624/4625 network logon
    TOOL = 3  # Entra: scripted client (spraying tools);  Windows: 4625 network logon


class Names:
    """Interned strings (account names, IP addresses): each is stored once, used by index."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, value: str) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found

    def add_all(self, values: Sequence[str]) -> Ints:
        return np.array([self.add(v) for v in values], dtype=np.int64)

    def array(self) -> npt.NDArray[np.object_]:
        return np.array(self.values, dtype=object)


@dataclass
class Events:
    """Columns of equal length; `time` is whole seconds since the simulation's start."""

    time: Ints
    account: Ints
    source: Ints
    result: Ints
    mfa: npt.NDArray[np.bool_]
    channel: Ints
    log: Ints

    def __len__(self) -> int:
        return len(self.time)

    @classmethod
    def build(
        cls,
        time: Ints,
        account: Ints | int,
        source: Ints | int,
        result: Ints | int,
        log: Ints | int,
        channel: Ints | int = Channel.BROWSER,
        mfa: npt.NDArray[np.bool_] | bool = False,
    ) -> Events:
        """Scalars are broadcast to the length of `time`."""
        size = len(time)

        def column(value: Ints | int) -> Ints:
            return np.broadcast_to(np.asarray(value, dtype=np.int64), (size,)).copy()

        return cls(
            time=np.asarray(time, dtype=np.int64),
            account=column(account),
            source=column(source),
            result=column(result),
            mfa=np.broadcast_to(np.asarray(mfa, dtype=np.bool_), (size,)).copy(),
            channel=column(channel),
            log=column(log),
        )

    @classmethod
    def concat(cls, parts: Sequence[Events]) -> Events:
        return cls(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)}
        )

    def take(self, index: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> Events:
        return Events(**{f.name: getattr(self, f.name)[index] for f in fields(Events)})

    def sorted(self) -> Events:
        return self.take(np.argsort(self.time, kind="stable"))


FAILURES = (
    Result.BAD_PASSWORD,
    Result.UNKNOWN_ACCOUNT,
    Result.EXPIRED_PASSWORD,
    Result.LOCKED_OUT,
)
