"""Bridge settings, read from the environment with pydantic-settings.

Every variable is prefixed ``BRIDGE_``; the LiteLLM database falls back to ``DATABASE_URL``,
the variable LiteLLM itself reads, so an operator who already runs the proxy sets only the
Open WebUI database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from litellm_bridge_plugin.errors import BridgeError, SettingsError
from litellm_bridge_plugin.sqlite import sqlite_path

OpenWebUIRole = Literal["admin", "user", "pending"]
LinkExisting = Literal["verified", "sso", "none"]
EnrolMode = Literal["none", "sso", "all"]

DEFAULT_ROLE_MAP: dict[str, OpenWebUIRole] = {
    "proxy_admin": "admin",
    "proxy_admin_viewer": "user",
    "internal_user": "user",
    "internal_user_viewer": "user",
}
FALLBACK_ROLE: OpenWebUIRole = "user"
MIN_JWT_SECRET_BYTES = 32

_ENV_NAMES = {
    "litellm_database_url": "BRIDGE_LITELLM_DATABASE_URL (or DATABASE_URL)",
    "openwebui_database_url": "BRIDGE_OPENWEBUI_DATABASE_URL",
    "sweep_interval": "BRIDGE_SWEEP_INTERVAL",
    "role_map": "BRIDGE_ROLE_MAP",
    "on_user_delete": "BRIDGE_ON_USER_DELETE",
    "lock_timeout": "BRIDGE_LOCK_TIMEOUT",
    "poll_interval": "BRIDGE_POLL_INTERVAL",
    "spend_interval": "BRIDGE_SPEND_INTERVAL",
    "max_attempts": "BRIDGE_MAX_ATTEMPTS",
    "litellm_config": "BRIDGE_LITELLM_CONFIG",
    "access_source": "BRIDGE_ACCESS_SOURCE",
    "openwebui_model_prefix": "BRIDGE_OPENWEBUI_MODEL_PREFIX",
    "openwebui_key_alias": "BRIDGE_OPENWEBUI_KEY_ALIAS",
    "openwebui_service_key": "BRIDGE_OPENWEBUI_SERVICE_KEY",
    "openwebui_jwt_secret": "BRIDGE_OPENWEBUI_JWT_SECRET",
    "allow_anonymous_service_calls": "BRIDGE_ALLOW_ANONYMOUS_SERVICE_CALLS",
    "link_existing": "BRIDGE_LINK_EXISTING",
    "openwebui_jwt_max_age": "BRIDGE_OPENWEBUI_JWT_MAX_AGE",
    "enrol": "BRIDGE_ENROL",
    "enrol_domains": "BRIDGE_ENROL_DOMAINS",
    "enrol_key": "BRIDGE_ENROL_KEY",
    "metrics_public": "BRIDGE_METRICS_PUBLIC",
    "health_outbox_lag": "BRIDGE_HEALTH_OUTBOX_LAG",
}


def _check_postgres_url(value: str, what: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("postgresql", "postgres") or (not parts.hostname and not parts.path):
        raise ValueError(
            f"{what} must be a PostgreSQL URL like postgresql://user:pass@host:5432/db, "
            f"got {mask_url(value)!r}"
        )
    return value


def mask_url(url: str) -> str:
    """Return ``url`` with its password replaced by ``***`` (for logs and CLI output)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[-1]}"))


def parse_role_map(raw: object) -> dict[str, OpenWebUIRole]:
    """Parse ``BRIDGE_ROLE_MAP``: JSON object or ``litellm_role=openwebui_role`` pairs.

    The result is merged over :data:`DEFAULT_ROLE_MAP`, so an operator only names the roles
    they want to change.
    """
    if raw is None or raw == "":
        pairs: dict[str, object] = {}
    elif isinstance(raw, dict):
        pairs = dict(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if text.startswith("{"):
            loaded = json.loads(text)
            if not isinstance(loaded, dict):
                raise ValueError("must be a JSON object")
            pairs = loaded
        else:
            pairs = {}
            for item in filter(None, (p.strip() for p in text.split(","))):
                key, sep, value = item.partition("=")
                if not sep or not key.strip():
                    raise ValueError(
                        f"entry {item!r} is not litellm_role=openwebui_role "
                        "(example: proxy_admin_viewer=user,internal_user=pending)"
                    )
                pairs[key.strip()] = value.strip()
    else:
        raise ValueError("must be a string")
    merged: dict[str, OpenWebUIRole] = dict(DEFAULT_ROLE_MAP)
    for key, target in pairs.items():
        if target == "admin" or target == "user" or target == "pending":
            merged[str(key)] = target
        else:
            raise ValueError(f"role {key!r} maps to {target!r}; use admin, user or pending")
    return merged


def parse_domains(raw: object) -> frozenset[str]:
    """``BRIDGE_ENROL_DOMAINS``: comma-separated email domains (``example.com`` or
    ``@example.com``), compared in lower case."""
    if raw is None or raw == "":
        return frozenset()
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise ValueError("must be comma-separated email domains, like example.com,example.org")
    found = set()
    for item in items:
        domain = str(item).strip().lower().removeprefix("@")
        if not domain:
            continue
        if "@" in domain or "." not in domain or any(c.isspace() for c in domain):
            raise ValueError(f"{item!r} is not an email domain (example: example.com)")
        found.add(domain)
    return frozenset(found)


class Settings(BaseSettings):
    """What the bridge needs to run; see the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="BRIDGE_", extra="ignore", frozen=True, populate_by_name=True
    )

    litellm_database_url: str = Field(
        validation_alias=AliasChoices("BRIDGE_LITELLM_DATABASE_URL", "DATABASE_URL")
    )
    openwebui_database_url: str
    sweep_interval: float = Field(default=300.0, gt=0)
    role_map: Annotated[dict[str, OpenWebUIRole], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_ROLE_MAP)
    )
    on_user_delete: Literal["deactivate", "delete"] = "deactivate"
    lock_timeout: float = Field(default=60.0, gt=0)
    poll_interval: float = Field(default=5.0, gt=0)
    spend_interval: float = Field(default=5.0, gt=0)
    """Seconds between reads of spend figures for the proxy's budget checks."""
    litellm_config: Path | None = None
    max_attempts: int = Field(default=10, ge=1)
    access_source: Literal["keys", "user"] = "keys"
    openwebui_model_prefix: str = ""
    """The ``prefix_id`` of Open WebUI's connection to the proxy ("" when it has none)."""
    openwebui_key_alias: str = "openwebui_global_key"
    openwebui_service_key: SecretStr | None = None
    openwebui_jwt_secret: SecretStr | None = None
    openwebui_jwt_max_age: float = Field(default=3600.0, gt=0)
    """Longest lifetime (``exp - iat``) of a signed identity token that is believed."""
    allow_anonymous_service_calls: bool = False
    metrics_public: bool = False
    """``/bridge/metrics`` without a proxy admin's key (a scraper on a private network)."""
    health_outbox_lag: float = Field(default=60.0, gt=0)
    """Seconds the oldest waiting outbox row may wait before ``/bridge/health`` says
    degraded."""
    link_existing: LinkExisting = "verified"
    """Which Open WebUI accounts that exist before the bridge it links by email on its own."""
    enrol: EnrolMode = "none"
    """Open WebUI accounts LiteLLM does not know that become LiteLLM users: none, accounts
    made by an SSO sign-in, or every approved account (README "Open WebUI first (SSO)")."""
    enrol_domains: Annotated[frozenset[str], NoDecode] = frozenset()
    """Email domains enrolment is limited to (empty: any)."""
    enrol_key: bool = False
    """Also give an enrolled person a personal key (LiteLLM's default key parameters)."""

    @field_validator("litellm_database_url")
    @classmethod
    def _litellm_url(cls, value: str) -> str:
        return _check_postgres_url(value, "the LiteLLM database URL")

    @field_validator("openwebui_database_url")
    @classmethod
    def _openwebui_url(cls, value: str) -> str:
        if value.startswith("sqlite:"):
            # Open WebUI's default database; a relative path is resolved now, against the
            # working directory, and shown resolved in the start-up line
            try:
                return f"sqlite:///{sqlite_path(value)}"
            except BridgeError as exc:
                raise ValueError(str(exc)) from None
        return _check_postgres_url(value, "the Open WebUI database URL")

    @field_validator("litellm_config")
    @classmethod
    def _config_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file (the LiteLLM config.yaml)")
        return value

    @field_validator("openwebui_model_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        value = value.strip()
        if value.endswith("."):
            raise ValueError(
                "give the connection's prefix without the dot (Open WebUI adds it): "
                f"{value.rstrip('.')!r}"
            )
        return value

    @field_validator("openwebui_service_key", "openwebui_jwt_secret")
    @classmethod
    def _secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("openwebui_jwt_secret")
    @classmethod
    def _jwt_secret_length(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"must be at least {MIN_JWT_SECRET_BYTES} bytes (a shorter HS256 secret can be "
                "guessed offline from one token); generate one with `openssl rand -hex 32` and "
                "give Open WebUI the same FORWARD_USER_INFO_HEADER_JWT_SECRET"
            )
        return value

    @field_validator("enrol_domains", mode="before")
    @classmethod
    def _domains(cls, value: object) -> frozenset[str]:
        return parse_domains(value)

    @field_validator("role_map", mode="before")
    @classmethod
    def _role_map(cls, value: object) -> dict[str, OpenWebUIRole]:
        return parse_role_map(value)

    def describe(self) -> str:
        """One line for logs, credentials masked."""
        service = (
            "value ***"
            if self.openwebui_service_key
            else f"trusted alias {self.openwebui_key_alias}"
        )
        return (
            f"litellm_db={mask_url(self.litellm_database_url)} "
            f"openwebui_db={mask_url(self.openwebui_database_url)} "
            f"sweep_interval={self.sweep_interval:g}s poll_interval={self.poll_interval:g}s "
            f"max_attempts={self.max_attempts} on_user_delete={self.on_user_delete} "
            f"role_map={json.dumps(self.role_map, sort_keys=True)} "
            f"access_source={self.access_source} link_existing={self.link_existing} "
            f"model_prefix={self.openwebui_model_prefix or '-'} "
            f"service_key={service} "
            f"identity={'signed jwt' if self.openwebui_jwt_secret else 'headers'}"
            f"{' (anonymous allowed)' if self.allow_anonymous_service_calls else ''} "
            f"enrol={self.enrol}"
            + (
                f" enrol_domains={','.join(sorted(self.enrol_domains)) or '*'}"
                f" enrol_key={'yes' if self.enrol_key else 'no'}"
                if self.enrol != "none"
                else ""
            )
        )


def load_settings(**overrides: object) -> Settings:
    """Build :class:`Settings` from the environment, or raise :class:`SettingsError`.

    The error names the environment variable at fault and what is wrong with it.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]).lower() if err["loc"] else ""
            field = field.removeprefix("bridge_").removesuffix("_") or field
            if field == "database_url":
                field = "litellm_database_url"
            name = _ENV_NAMES.get(field, field.upper() or "settings")
            if err["type"] == "missing":
                problems.append(f"{name} is not set")
            else:
                problems.append(f"{name}: {err['msg'].removeprefix('Value error, ')}")
        raise SettingsError("invalid bridge settings: " + "; ".join(problems)) from None
