"""Signed links and form tokens: HMAC (itsdangerous), one salt per purpose, secret from the env.

Every token names the address it is for, and its purpose is the signer's salt, so a
preferences link cannot be replayed as a confirmation and a link made for one reader cannot be
edited into another's (the signature covers the address). The payload is readable (base64
JSON), not secret: it holds only what the reader's own mail already shows them.

Confirmation links expire (web.confirm_days); preferences and unsubscribe links never do, since
they sit in mails a reader may open months later, and RFC 8058 wants a List-Unsubscribe URL to
keep working. CSRF tokens are signed random values tied to a cookie (double submit, signed, as
Flask-WTF does) and expire after a day.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from digest.config import Config
from digest.errors import ConfigError

CONFIRM = "confirm"
PREFERENCES = "preferences"
UNSUBSCRIBE = "unsubscribe"
CSRF = "csrf"
CSRF_MAX_AGE = 24 * 3600
# A key shorter than this is easy to guess offline from one signed link.
MIN_SECRET_LENGTH = 32


class BadToken(ValueError):
    """A token that was tampered with, made with another key, for another purpose, or expired."""


@dataclass(frozen=True)
class Tokens:
    secret: str
    confirm_max_age: int = 3 * 24 * 3600

    def _signer(self, purpose: str) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret, salt=f"digest.web.{purpose}")

    def _timed(self, purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=f"digest.web.{purpose}")

    def preferences(self, email: str) -> str:
        return self._signer(PREFERENCES).dumps({"e": email})

    def unsubscribe(self, email: str) -> str:
        return self._signer(UNSUBSCRIBE).dumps({"e": email})

    def confirm(self, email: str, topics: tuple[str, ...]) -> str:
        return self._timed(CONFIRM).dumps({"e": email, "t": list(topics)})

    def read_address(self, purpose: str, token: str) -> str:
        """The address a preferences or unsubscribe token was made for. Raises BadToken."""
        return _address(self._load(self._signer(purpose), token))

    def read_confirm(self, token: str) -> tuple[str, tuple[str, ...]]:
        data = self._load(self._timed(CONFIRM), token, max_age=self.confirm_max_age)
        topics = data.get("t")
        if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
            raise BadToken("no topics in the token")
        return _address(data), tuple(topics)

    def csrf_pair(self) -> tuple[str, str]:
        """(cookie value, form token): a random nonce, and the nonce signed."""
        nonce = secrets.token_urlsafe(16)
        return nonce, self._timed(CSRF).dumps(nonce)

    def csrf_form_token(self, nonce: str) -> str:
        return self._timed(CSRF).dumps(nonce)

    def check_csrf(self, cookie: str | None, form_token: str | None) -> None:
        if not cookie or not form_token:
            raise BadToken("no CSRF token")
        nonce = self._load(self._timed(CSRF), form_token, max_age=CSRF_MAX_AGE)
        if not isinstance(nonce, str) or not secrets.compare_digest(nonce, cookie):
            raise BadToken("CSRF token does not match the cookie")

    @staticmethod
    def _load(serializer: Any, token: str, **kwargs: Any) -> Any:
        if not isinstance(token, str) or len(token) > 2000:
            raise BadToken("no token")
        try:
            return serializer.loads(token, **kwargs)
        except BadData as exc:  # BadSignature, SignatureExpired, BadPayload
            raise BadToken(type(exc).__name__) from None


def _address(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        raise BadToken("no address in the token")
    return data["e"]


def secret(config: Config) -> str:
    """The signing key, from the environment variable web.secret_env. Raises ConfigError."""
    assert config.web is not None
    env = config.web.secret_env
    value = config.web.secret()
    fix = (
        f"set {env} to a long random string, e.g. the output of"
        " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`,"
        " and keep it: changing it breaks the links in mails already sent"
    )
    if value is None:
        raise ConfigError(config.path or "config", [f"web.secret_env: {env} is not set; {fix}"])
    if len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            config.path or "config",
            [f"web.secret_env: {env} is {len(value)} characters, under {MIN_SECRET_LENGTH}; {fix}"],
        )
    return value


# Stand-ins rendered into the stored email copy; each reader's message gets their own signed
# links in their place (reader_links). ".invalid" can never resolve (RFC 6761).
PREFERENCES_PLACEHOLDER = "https://digest.invalid/preferences/READER"
UNSUBSCRIBE_PLACEHOLDER = "https://digest.invalid/unsubscribe/READER"
PLACEHOLDERS = (PREFERENCES_PLACEHOLDER, UNSUBSCRIBE_PLACEHOLDER)


@dataclass(frozen=True)
class ReaderLinks:
    preferences: str
    unsubscribe: str

    @property
    def fills(self) -> dict[str, str]:
        """Each placeholder of a stored copy, and this reader's link that replaces it."""
        return {
            PREFERENCES_PLACEHOLDER: self.preferences,
            UNSUBSCRIBE_PLACEHOLDER: self.unsubscribe,
        }

    def fill(self, text: str) -> str:
        for placeholder, link in self.fills.items():
            text = text.replace(placeholder, link)
        return text


def reader_links(config: Config, tokens: Tokens, email: str) -> ReaderLinks:
    assert config.web is not None
    base = config.web.base_url
    return ReaderLinks(
        f"{base}/preferences/{tokens.preferences(email)}",
        f"{base}/unsubscribe/{tokens.unsubscribe(email)}",
    )
