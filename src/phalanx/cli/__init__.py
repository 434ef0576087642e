"""Thin command-line shells: parse flags, build Settings, call a capability, render."""
