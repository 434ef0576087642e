"""Sign-ins: password spraying, brute force and the sprays that succeeded, in real sign-in logs."""
