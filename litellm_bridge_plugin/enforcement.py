"""The proxy's check on Open WebUI calls: who is calling, and may they use this model now.

Open WebUI calls LiteLLM with one service key. For calls made with it, the bridge finds the
person (identity.py), resolves them to their LiteLLM user, and allows the call only when
LiteLLM grants that user the model and no budget on the way is spent. The grants are the
:class:`AccessState` the worker read on its last reconcile (every sweep, and again for the
users each change signal names); decisions are cached per user and model until the user's
next key expiry, so a check is a few dictionary lookups.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from .access import Decision, forget_answers
from .access_state import AccessState
from .identity import Identity, IdentityError, identity_of
from .settings import Settings

MASTER_KEY_ALIAS = "litellm_proxy_master_key"
"""What LiteLLM puts in ``UserAPIKeyAuth.api_key`` for the master key (never the key)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    status: int = 200
    message: str = ""
    user_id: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class _Loaded:
    state: AccessState
    by_email: Mapping[str, tuple[str, ...]]
    at: float
    cache: dict[tuple[str, str], tuple[Decision, datetime | None]] = field(default_factory=dict)
    """Decisions made on this state; swapped with it, so none outlives a reload."""


CACHE_LIMIT = 100_000


def _index_emails(state: AccessState) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for user_id, user in state.users.items():
        if user.email:
            found.setdefault(user.email, []).append(user_id)
    return {email: tuple(sorted(ids)) for email, ids in found.items()}


def merge(old: AccessState, new: AccessState, users: frozenset[str]) -> AccessState:
    """``old`` with the users of a scoped read replaced by what ``new`` holds for them
    (absent from ``new``: deleted); teams and organisations are always read whole."""
    kept_users = {u: v for u, v in old.users.items() if u not in users}
    kept_keys = {u: v for u, v in old.keys.items() if u not in users}
    return replace(
        new,
        users=kept_users | dict(new.users),
        keys=kept_keys | dict(new.keys),
    )


class Enforcer:
    """Decides Open WebUI calls; :meth:`load` swaps in new grants (thread-safe)."""

    def __init__(
        self,
        settings: Settings,
        *,
        router: Callable[[], Any] | None = None,
        master_key: Callable[[], str | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._router = router
        self._master_key = master_key
        self._clock = clock
        self._loaded: _Loaded | None = None
        self._lock = threading.Lock()
        secret = settings.openwebui_service_key
        self._service_key = secret.get_secret_value() if secret else None
        self._service_hash = _hash(self._service_key) if self._service_key else None
        jwt_secret = settings.openwebui_jwt_secret
        self._jwt_secret = jwt_secret.get_secret_value() if jwt_secret else None
        self.stale_after = 2 * settings.sweep_interval + 60
        import litellm.proxy.auth.auth_checks  # noqa: F401  (not on the first call's time)

    # --- grants ------------------------------------------------------------------------------
    def load(self, state: AccessState, users: frozenset[str] | None = None) -> None:
        """Use ``state`` (all users), or merge it for ``users`` (a scoped read)."""
        with self._lock:
            current = self._loaded
            if users is not None and current is not None:
                state = merge(current.state, state, users)
                at = current.at  # only these users are fresher than the last full read
            elif users is not None:
                return  # a scoped read alone is not the whole picture
            else:
                at = self._clock()
            forget_answers()
            self._loaded = _Loaded(state, _index_emails(state), at)

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    # --- the check ---------------------------------------------------------------------------
    def is_service_key(self, key_alias: str | None, api_key: str | None) -> bool:
        """Is the caller Open WebUI's service key? By value (compared by hash) when
        BRIDGE_OPENWEBUI_SERVICE_KEY is set, and then only so: a key someone names after the
        alias must not become the service key. Otherwise by alias."""
        if self._service_hash is None:
            return bool(key_alias) and key_alias == self.settings.openwebui_key_alias
        if not api_key:
            return False
        if hmac.compare_digest(api_key, self._service_hash):
            return True
        if api_key == MASTER_KEY_ALIAS and self._master_key is not None:
            master = self._master_key()
            return bool(master) and hmac.compare_digest(str(master), str(self._service_key))
        return False

    def check(self, headers: Mapping[str, str], models: Sequence[str]) -> Verdict:
        """Verdict on a service-key call that may reach ``models`` (every model the request
        names: the model, each of a comma list, fallbacks); headers with lower-case names."""
        loaded = self._loaded
        if loaded is None:
            return Verdict(
                False,
                503,
                "litellm-bridge has not read LiteLLM's grants yet (the proxy is starting or "
                "the LiteLLM database is unreachable; see the proxy log)",
            )
        if self._clock() - loaded.at > self.stale_after:
            return Verdict(
                False,
                503,
                f"litellm-bridge's copy of LiteLLM's grants is over {self.stale_after:g}s old "
                "(the LiteLLM database is unreachable?); refusing rather than guessing",
            )
        try:
            identity = identity_of(headers, self._jwt_secret)
        except IdentityError as exc:
            return Verdict(False, exc.status, exc.message)
        anonymous = self.settings.allow_anonymous_service_calls
        if identity is None:
            if anonymous:
                return Verdict(True)
            return Verdict(
                False,
                401,
                "calls with the Open WebUI service key must name the user: enable "
                "ENABLE_FORWARD_USER_INFO_HEADERS in Open WebUI (X-OpenWebUI-User-Email)",
            )
        found = self._resolve(loaded, identity)
        if isinstance(found, Verdict):
            return Verdict(True) if anonymous and found.status == 403 else found
        user_id = found
        email = loaded.state.users[user_id].email
        who = f"LiteLLM user {user_id} ({identity.describe()})"
        if not models:
            return Verdict(
                False, 400, f"{who}: calls with the Open WebUI service key must name a model"
            )
        for model in models:
            decision = self._decide(loaded, user_id, model)
            if decision.over_budget:
                return Verdict(False, 400, f"{who} may not call {model}: {decision.reason}")
            if not decision.allowed:
                return Verdict(
                    False,
                    403,
                    f"{who} may not use model {model}: {decision.reason}",
                    user_id,
                    email,
                )
        return Verdict(True, user_id=user_id, email=email)

    def _resolve(self, loaded: _Loaded, identity: Identity) -> str | Verdict:
        by_email = by_id = None
        if identity.email is not None:
            ids = loaded.by_email.get(identity.email, ())
            if len(ids) > 1:
                return Verdict(
                    False,
                    403,
                    f"{len(ids)} LiteLLM users have email {identity.email}; give each person "
                    "one email in LiteLLM",
                )
            by_email = ids[0] if ids else None
        if identity.openwebui_id is not None:
            by_id = loaded.state.openwebui_links.get(identity.openwebui_id)
        if by_email and by_id and by_email != by_id:
            return Verdict(
                False,
                403,
                f"the email {identity.email} and Open WebUI id {identity.openwebui_id} name "
                "different LiteLLM users",
            )
        user_id = by_email or by_id
        if user_id is None or user_id not in loaded.state.users:
            return Verdict(False, 403, f"{identity.describe()} is not a LiteLLM user")
        return user_id

    def _decide(self, loaded: _Loaded, user_id: str, model: str) -> Decision:
        now = datetime.now(UTC)
        cached = loaded.cache.get((user_id, model))
        if cached is not None and (cached[1] is None or now < cached[1]):
            return cached[0]
        router = self._router() if self._router is not None else None
        decision = loaded.state.may_call(
            user_id, model, now=now, source=self.settings.access_source, router=router
        )
        if len(loaded.cache) >= CACHE_LIMIT:  # model names come from callers
            loaded.cache.clear()
        loaded.cache[(user_id, model)] = (decision, loaded.state.next_expiry(user_id, now))
        return decision


FALLBACK_FIELDS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")


def requested_models(data: Mapping[str, Any]) -> list[str]:
    """Every model a request may reach: ``model`` (each of a comma-separated list, as LiteLLM
    splits it), ``target_model_names``, and the models of client-side fallbacks."""
    found: list[str] = []

    def add(value: object) -> None:
        if isinstance(value, str):
            found.extend(p.strip() for p in value.split(",") if p.strip())
        elif isinstance(value, list):
            for item in value:
                add(item)
        elif isinstance(value, dict):
            if "model" in value:  # {"model": "gpt-4", "messages": [...]}
                add(value["model"])
                return
            for key, targets in value.items():  # {"gpt-4": ["gpt-3.5-turbo"]}
                add(key)
                add(targets)

    add(data.get("model"))
    add(data.get("target_model_names"))
    for name in FALLBACK_FIELDS:
        add(data.get(name))
    return list(dict.fromkeys(found))


def _hash(key: str) -> str:
    from litellm.proxy._types import hash_token

    return str(hash_token(key))


def attribute(data: dict[str, Any], verdict: Verdict) -> None:
    """Record the person as the call's LiteLLM user, where LiteLLM's spend tracking, spend
    logs and callbacks read it (``user_api_key_user_id`` / ``_user_email`` metadata)."""
    if verdict.user_id is None:
        return
    filled = [
        meta
        for meta in (data.get("metadata"), data.get("litellm_metadata"))
        if isinstance(meta, dict) and "user_api_key_user_id" in meta
    ]
    if not filled:
        if not isinstance(data.get("metadata"), dict):
            data["metadata"] = {}
        filled = [data["metadata"]]
    for meta in filled:
        meta["user_api_key_user_id"] = verdict.user_id
        meta["user_api_key_user_email"] = verdict.email
