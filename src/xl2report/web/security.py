"""Who may use the board and which requests are honoured.

- A session cookie (HttpOnly, SameSite=Strict) signed with a secret that lives only in the
  server process.  It carries a random session id and whether the password was given; a
  signed-in session is also kept in the server's memory, so signing out (or a restart, which
  also changes the secret; or a new password, which needs a restart) ends it even for a copy of
  the cookie kept elsewhere.
- The password (``--password`` or ``XL2REPORT_PASSWORD``) is compared in constant time and never
  written anywhere; the server keeps only its SHA-256.  Guessing is limited per client address
  (:mod:`xl2report.web.signin`).
- Every POST carries a CSRF token derived from the session id and comes from the board's own
  origin (``Origin``, or ``Referer`` when a browser sends no ``Origin``).
- The ``Host`` header must name this server, so a page elsewhere cannot reach the board through
  DNS rebinding.
- Tokens, cookies and ids from a request are compared as bytes: a forged value with non-ASCII
  characters is refused like any other forged value (never an error).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

COOKIE = "xl2r_session"
SESSION_SECONDS = 12 * 3600
MAX_SIGNED_IN = 1000  # sessions kept in memory; the oldest are forgotten beyond it
PASSWORD_ENV = "XL2REPORT_PASSWORD"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Session:
    """A signed-in (or, without a password, anonymous) browser."""

    sid: str
    authenticated: bool


class Guard:
    """Signs and checks session cookies, CSRF tokens, passwords and origins for one server."""

    def __init__(self, password: str | None) -> None:
        self._secret = secrets.token_bytes(32)
        self._password_digest = (
            hashlib.sha256(password.encode("utf-8")).digest() if password else None
        )
        self._signed_in: dict[str, float] = {}  # session id -> when it expires

    @property
    def needs_password(self) -> bool:
        """Whether the board asks for a password."""
        return self._password_digest is not None

    def password_ok(self, given: str) -> bool:
        """Constant-time comparison of ``given`` with the server's password."""
        if self._password_digest is None:
            return True
        digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
        return hmac.compare_digest(digest, self._password_digest)

    # --- the session cookie -------------------------------------------------------------------

    def new_session(self, authenticated: bool) -> Session:
        """A fresh session (a new id on every sign-in, so an old cookie cannot be promoted); a
        signed-in one is remembered until it expires or :meth:`end` forgets it."""
        session = Session(secrets.token_urlsafe(18), authenticated)
        if authenticated:
            now = time.time()
            self._signed_in = {s: t for s, t in self._signed_in.items() if t > now}
            while len(self._signed_in) >= MAX_SIGNED_IN:
                self._signed_in.pop(next(iter(self._signed_in)))
            self._signed_in[session.sid] = now + SESSION_SECONDS
        return session

    def end(self, session: Session | None) -> None:
        """Sign ``session`` out: its cookie, wherever a copy is kept, no longer opens the board."""
        if session is not None:
            self._signed_in.pop(session.sid, None)

    def encode(self, session: Session) -> str:
        """The cookie value: ``sid.flag.expiry.signature``."""
        body = f"{session.sid}.{int(session.authenticated)}.{int(time.time()) + SESSION_SECONDS}"
        return f"{body}.{self._sign(body)}"

    def decode(self, value: str | None) -> Session | None:
        """The session a cookie names, or None when it is missing, forged, expired or ended."""
        if not value or value.count(".") != 3:
            return None
        body, _, signature = value.rpartition(".")
        if not same_text(signature, self._sign(body)):
            return None
        sid, flag, expiry = body.split(".")
        if not (expiry.isascii() and expiry.isdigit()) or int(expiry) < time.time():
            return None
        if flag == "1" and self._signed_in.get(sid, 0) < time.time():
            return None  # signed out, or the server restarted since
        return Session(sid, flag == "1")

    def may_enter(self, session: Session | None) -> bool:
        """Whether the session may see the board."""
        return session is not None and (session.authenticated or not self.needs_password)

    # --- CSRF and origin ----------------------------------------------------------------------

    def csrf_token(self, session: Session) -> str:
        """The token every form of this session carries."""
        return self._sign(f"csrf:{session.sid}")

    def csrf_ok(self, session: Session | None, token: str | None) -> bool:
        """Whether ``token`` belongs to ``session``."""
        if session is None or not token:
            return False
        return same_text(token, self.csrf_token(session))

    def _sign(self, text: str) -> str:
        mac = hmac.new(self._secret, text.encode("utf-8"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


def same_text(given: str, expected: str) -> bool:
    """Constant-time comparison of a value from a request with the expected one; any text
    (non-ASCII, lone surrogates) is simply unequal, never an error."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))


def same_origin(host_header: str, origin: str | None, referer: str | None) -> bool:
    """Whether a POST comes from a page of this server (``Origin`` first, then ``Referer``)."""
    source = origin if origin and origin != "null" else referer
    if not source:
        return False
    parts = urlsplit(source)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.lower()


def allowed_host(host_header: str, bound: str, port: int) -> bool:
    """Whether the ``Host`` header names this server (defends against DNS rebinding).

    On loopback only loopback names are accepted; bound to a LAN address (password required)
    any name is, since office PCs reach the board by address or by a local DNS name.
    """
    if not is_loopback(bound):
        return True
    try:
        parts = urlsplit(f"//{host_header}")
        given_port = parts.port
    except ValueError:
        return False
    return bool(parts.hostname) and is_loopback(parts.hostname or "") and given_port in (None, port)
