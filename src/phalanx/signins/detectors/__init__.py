"""Pure detectors over the normalised sign-in table."""
