"""AccountHash: one account's password hashes as a dump gives them."""

from __future__ import annotations

from dataclasses import dataclass

EMPTY_LM = bytes.fromhex("aad3b435b51404eeaad3b435b51404ee")


@dataclass(frozen=True, slots=True)
class AccountHash:
    account: str  # sAMAccountName as written, e.g. "jsmith" or "WS01$"
    nt: bytes | None  # 16 bytes; None when the dump has no NT hash for the account
    lm: bytes | None = None  # None or the empty-LM constant: no LM hash stored
    domain: str = ""
    rid: int | None = None
    enabled: bool | None = None  # when the dump says (secretsdump -user-status, DSInternals)
    line: int = 0  # where in the input it came from

    @property
    def is_machine(self) -> bool:
        return self.account.endswith("$")

    @property
    def has_lm(self) -> bool:
        return self.lm is not None and self.lm != EMPTY_LM and any(self.lm)

    @property
    def qualified(self) -> str:
        return f"{self.domain}\\{self.account}" if self.domain else self.account
