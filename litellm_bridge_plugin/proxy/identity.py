"""Who an Open WebUI call is for: the user-info headers Open WebUI forwards, or a signed token.

Open WebUI (``ENABLE_FORWARD_USER_INFO_HEADERS=true``) sends ``X-OpenWebUI-User-Email`` and
``X-OpenWebUI-User-Id`` with every call it makes with its one service key. Anyone holding the
service key could send them too, so with ``BRIDGE_OPENWEBUI_JWT_SECRET`` set only a valid
HS256 token in ``X-OpenWebUI-User-Jwt`` is believed: claims ``email`` and/or ``id``/``sub``,
``iss`` = ``open-webui`` (what Open WebUI 0.12 signs), ``exp`` required, and a lifetime of at
most ``BRIDGE_OPENWEBUI_JWT_MAX_AGE`` seconds (``exp - iat``, or ``exp`` - now without ``iat``),
so a token minted for years cannot be replayed for years.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import jwt

from litellm_bridge_plugin.domain import normalise_email

EMAIL_HEADER = "x-openwebui-user-email"
ID_HEADER = "x-openwebui-user-id"
JWT_HEADER = "x-openwebui-user-jwt"
MAX_LENGTH = 320
MAX_TOKEN_LENGTH = 8192
LEEWAY = 30
"""Seconds of clock difference between Open WebUI's host and the proxy's that are tolerated."""
ISSUER = "open-webui"
DEFAULT_MAX_AGE = 3600


@dataclass(frozen=True, slots=True)
class Identity:
    email: str | None
    openwebui_id: str | None
    signed: bool = False

    def describe(self) -> str:
        return self.email or f"Open WebUI user {self.openwebui_id}"


class IdentityError(Exception):
    """The call names its person in a way that cannot be believed; ``status`` is 401 or 403."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _header(headers: Mapping[str, str], name: str, limit: int = MAX_LENGTH) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise IdentityError(400, f"header {name} is not text")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise IdentityError(400, f"header {name} is too long or holds control characters")
    return value


def _clean_email(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "@" not in value or len(value) > MAX_LENGTH:
        raise IdentityError(400, f"{where} is not an email address")
    return normalise_email(value)


def _clean_id(value: object, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_LENGTH:
        raise IdentityError(400, f"{where} is not an Open WebUI user id")
    return value.strip()


def _lifetime(claims: dict[str, object]) -> float:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise IdentityError(401, f"the {JWT_HEADER} token's exp is not a time")
    if iat is None:
        return float(exp) - time.time()
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise IdentityError(401, f"the {JWT_HEADER} token's iat is not a time")
    return float(exp) - float(iat)


def _signed(token: str, secret: str, max_age: float) -> Identity:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "iss"]},
            issuer=ISSUER,
            leeway=LEEWAY,
        )
    except jwt.ExpiredSignatureError:
        raise IdentityError(401, f"the {JWT_HEADER} token has expired") from None
    except jwt.InvalidSignatureError:
        raise IdentityError(
            401, f"the {JWT_HEADER} token is not signed with BRIDGE_OPENWEBUI_JWT_SECRET"
        ) from None
    except jwt.InvalidIssuerError:
        raise IdentityError(
            401, f"the {JWT_HEADER} token was not issued by Open WebUI (iss must be {ISSUER!r})"
        ) from None
    except jwt.InvalidTokenError as exc:
        raise IdentityError(401, f"the {JWT_HEADER} token is not valid: {exc}") from None
    if _lifetime(claims) > max_age + LEEWAY:
        raise IdentityError(
            401,
            f"the {JWT_HEADER} token lives longer than BRIDGE_OPENWEBUI_JWT_MAX_AGE "
            f"({max_age:g}s); Open WebUI's own tokens live minutes",
        )
    email = _clean_email(claims.get("email"), f"the email claim of {JWT_HEADER}")
    user_id = _clean_id(claims.get("id", claims.get("sub")), f"the id claim of {JWT_HEADER}")
    if email is None and user_id is None:
        raise IdentityError(401, f"the {JWT_HEADER} token names no email and no id")
    return Identity(email, user_id, signed=True)


def identity_of(
    headers: Mapping[str, str], jwt_secret: str | None, max_age: float = DEFAULT_MAX_AGE
) -> Identity | None:
    """The person a call is for, None when it names nobody, or :class:`IdentityError`.

    ``headers`` must have lower-case names.
    """
    email = _clean_email(_header(headers, EMAIL_HEADER), f"header {EMAIL_HEADER}")
    user_id = _clean_id(_header(headers, ID_HEADER), f"header {ID_HEADER}")
    token = _header(headers, JWT_HEADER, MAX_TOKEN_LENGTH)
    if jwt_secret is None:
        if email is None and user_id is None:
            return None
        return Identity(email, user_id)
    if token is None:
        if email is None and user_id is None:
            return None
        raise IdentityError(
            401,
            f"a signed {JWT_HEADER} is required (BRIDGE_OPENWEBUI_JWT_SECRET is set); plain "
            "X-OpenWebUI-User-* headers are not believed",
        )
    signed = _signed(token, jwt_secret, max_age)
    for said, proven, name in (
        (email, signed.email, EMAIL_HEADER),
        (user_id, signed.openwebui_id, ID_HEADER),
    ):
        if said is not None and proven is not None and said != proven:
            raise IdentityError(
                403, f"header {name} ({said}) contradicts the signed {JWT_HEADER} ({proven})"
            )
    return signed
