"""Who may use the service: page logins (scrypt password hashes) and API tokens.

Secrets are never stored: a password as an scrypt hash with its own salt, a token and a session
as their SHA-256 (they are long random strings, so a plain digest suffices and lookups stay
cheap). Comparisons are constant-time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from phalanx.store.db import Store

# scrypt cost as OWASP's password storage cheat sheet gives it (N=2^17, r=8, p=1): ~0.1 s and
# 128 MiB a guess, which is what makes a stolen database slow to crack.
_N, _R, _P = 2**17, 8, 1
_MAXMEM = 256 * 1024 * 1024
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, maxmem=_MAXMEM)
    encoded = f"{base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"
    return f"scrypt${_N}${_R}${_P}${encoded}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=_MAXMEM,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(key))


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(store: Store, name: str) -> str:
    """A new API token for `name`; shown once, stored only as its digest."""
    token = "phx_" + secrets.token_urlsafe(32)
    store.add_token(name, digest(token))
    return token


def token_owner(store: Store, token: str) -> str | None:
    return store.token_name(digest(token)) if token else None


def login(store: Store, name: str, password: str, hours: float) -> str | None:
    """A new session id when the password is right, else None."""
    stored = store.password_hash(name)
    if stored is None:
        verify_password(password, _dummy_hash())  # as slow whether or not the user exists
        return None
    if not verify_password(password, stored):
        return None
    session = secrets.token_urlsafe(32)
    store.add_session(digest(session), name, datetime.now(UTC) + timedelta(hours=hours))
    return session


def session_user(store: Store, session: str | None) -> str | None:
    return store.session_user(digest(session)) if session else None


def csrf_token(session: str) -> str:
    """The form token of a session: forms posted without it are refused."""
    return hmac.new(session.encode(), b"phalanx-form", hashlib.sha256).hexdigest()


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))
