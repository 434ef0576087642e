"""Microsoft Entra ID (AADSTS) result codes: what each says about the password.

Shared by the Entra sign-in reader and the M365 audit reader. A code that is raised only after
the password was checked (MFA or Conditional Access required, password expired) means the
password was RIGHT: for a sprayer it is a guessed password (Outcome.PASSWORD_VALID). The list
follows Sentinel's SigninPasswordSpray and Elastic's Entra ID rules (docs/readers-cloud.md).
"""

from __future__ import annotations

from phalanx.signins.schema import FailureReason, Outcome

Meaning = tuple[Outcome, FailureReason]

_SUCCESS: Meaning = (Outcome.SUCCESS, FailureReason.NONE)
_PASSWORD_THEN_MFA: Meaning = (Outcome.PASSWORD_VALID, FailureReason.MFA_REQUIRED)
_PASSWORD_THEN_POLICY: Meaning = (Outcome.PASSWORD_VALID, FailureReason.RESTRICTED)

CODES: dict[int, Meaning] = {
    0: _SUCCESS,
    50126: (Outcome.FAILURE, FailureReason.BAD_PASSWORD),  # invalid username or password
    50034: (Outcome.FAILURE, FailureReason.UNKNOWN_ACCOUNT),  # user does not exist
    50053: (Outcome.FAILURE, FailureReason.LOCKED_OUT),  # smart lockout / malicious IP
    50057: (Outcome.FAILURE, FailureReason.DISABLED),  # account disabled
    50055: (Outcome.PASSWORD_VALID, FailureReason.EXPIRED_PASSWORD),  # right but expired
    50056: (Outcome.FAILURE, FailureReason.OTHER),  # no password stored
    50072: _PASSWORD_THEN_MFA,  # must enrol for MFA
    50074: _PASSWORD_THEN_MFA,  # strong authentication required
    50076: _PASSWORD_THEN_MFA,  # MFA required by policy (new location...)
    50079: _PASSWORD_THEN_MFA,  # must register security info
    50158: _PASSWORD_THEN_MFA,  # external security challenge not satisfied
    500121: _PASSWORD_THEN_MFA,  # MFA attempted and failed or interrupted
    53000: _PASSWORD_THEN_POLICY,  # device not compliant
    53001: _PASSWORD_THEN_POLICY,  # device not domain joined
    53003: _PASSWORD_THEN_POLICY,  # blocked by Conditional Access
    530032: _PASSWORD_THEN_POLICY,  # blocked by security defaults / policy
}


def meaning(code: int) -> Meaning:
    """Any code not listed is a failure for another reason (81xxx Seamless SSO included)."""
    return CODES.get(code, (Outcome.FAILURE, FailureReason.OTHER))
