"""Phalanx: defence against password spraying, guessable passwords and phishing."""

__version__ = "0.1.0"
