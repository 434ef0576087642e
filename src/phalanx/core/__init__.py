"""The product's shared vocabulary: findings, severities, errors. Standard library only."""

from phalanx.core.errors import InputError, PhalanxError
from phalanx.core.finding import Evidence, Finding, Indicator, Severity

__all__ = ["Evidence", "Finding", "Indicator", "InputError", "PhalanxError", "Severity"]
