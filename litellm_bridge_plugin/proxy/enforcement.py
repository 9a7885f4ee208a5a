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

from litellm_bridge_plugin.domain import normalise_email
from litellm_bridge_plugin.litellm.access_reads import AccessState, SpendFigures, with_spend
from litellm_bridge_plugin.litellm.service_key import ServiceKeyRead
from litellm_bridge_plugin.plan.access_rules import Budget, Decision, KeyGrant, ModelCheck
from litellm_bridge_plugin.proxy.identity import Identity, IdentityError, identity_of
from litellm_bridge_plugin.releases import budget_error_kind, fallback_walker
from litellm_bridge_plugin.settings import Settings

MASTER_KEY_ALIAS = "litellm_proxy_master_key"
"""What LiteLLM puts in ``UserAPIKeyAuth.api_key`` for the master key (never the key)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    status: int = 200
    message: str = ""
    """What the caller is told: the model and the kind of reason, never other people's ids,
    key aliases or budget figures."""
    user_id: str | None = None
    email: str | None = None
    detail: str = ""
    """The whole reason, for the proxy log."""
    key: KeyGrant | None = None
    """The person's key the allowed call is made as."""
    stranger: bool = False
    """Refused only because the person is not a LiteLLM user (anonymous mode lets it pass)."""
    openwebui_id: str | None = None
    """The Open WebUI account a stranger's call names (enrolment may make them a user)."""
    kind: str = "allowed"
    """For the metrics (``litellm_bridge_calls_total``): ``allowed`` or the refusal's kind,
    one of :data:`REFUSALS`."""


REFUSALS = ("identity", "model", "budget", "limit", "request", "unavailable")
"""The kinds of refusal: the person cannot be believed or is not a LiteLLM user; a model not
granted (or its key expired); a LiteLLM budget used up; a LiteLLM rate limit; a field of the
request the bridge refuses; the bridge has not read LiteLLM (yet)."""


WHOSE_BUDGET = {
    "key": "your key's LiteLLM budget",
    "user": "your LiteLLM budget",
    "team": "your team's LiteLLM budget",
    "team_member": "your LiteLLM budget in your team",
    "organization": "your organisation's LiteLLM budget",
}


def budget_message(model: str, decision: Decision) -> str:
    """What the person reads in Open WebUI's chat: whose budget, how much, and when it resets
    ("model gpt-4: your LiteLLM budget of $10.00 is used up; it resets on 2026-12-01 00:00
    UTC"). Only budgets the person spends from are named; never an id or another's figure."""
    kind, budget = decision.spent or ("user", None)
    said = f"model {model}: {WHOSE_BUDGET.get(kind, 'your LiteLLM budget')}"
    if budget is not None and budget.max_budget is not None:
        said += f" of ${budget.max_budget:,.2f}"
    said += " is used up"
    if budget is not None and budget.resets_at is not None:
        resets = budget.resets_at.replace(tzinfo=budget.resets_at.tzinfo or UTC)
        said += f"; it resets on {resets.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    return said


def litellm_budget_message(model: str, error: Any, key: KeyGrant, state: AccessState) -> str:
    """:func:`budget_message` for a ``BudgetExceededError`` LiteLLM's own check raised for the
    person's key: its kind and budget from the error, when it resets from the bridge's read."""
    kind = budget_error_kind(error) or "key"
    team = state.teams.get(key.team_id) if key.team_id else None
    org = key.organization_id or (team.organization_id if team is not None else None)
    found: Budget | None = {
        "key": key.budget,
        "team_member": key.member_budget,
        "team": team.budget if team is not None else None,
        "organization": state.organizations[org].budget
        if org is not None and org in state.organizations
        else None,
    }.get(kind)
    limit = getattr(error, "max_budget", None)
    budget = Budget(
        float(getattr(error, "current_cost", 0.0) or 0.0),
        float(limit) if isinstance(limit, int | float) else None,
        found.resets_at if found is not None else None,
    )
    return budget_message(model, Decision(False, "", over_budget=True, spent=(kind, budget)))


def _refuse(kind: str, status: int, message: str, detail: str = "", **extra: Any) -> Verdict:
    return Verdict(False, status, message, detail=detail or message, kind=kind, **extra)


@dataclass(frozen=True)
class _Loaded:
    state: AccessState
    by_email: Mapping[str, tuple[str, ...]]
    at: float
    cache: dict[tuple[str, str], tuple[Decision, datetime | None]] = field(default_factory=dict)
    """Decisions made on this state; swapped with it, so none outlives a reload."""
    auth_objects: dict[str, Any] = field(default_factory=dict)
    """LiteLLM key objects built from this state's keys, by hash."""
    check: ModelCheck = field(default_factory=ModelCheck)
    """LiteLLM's model check with the proxy's router, its answers kept with this state."""


CACHE_LIMIT = 100_000


def _index_emails(state: AccessState) -> dict[str, tuple[str, ...]]:
    """LiteLLM users by email, trimmed and lower-cased as identity.py and the sync compare."""
    found: dict[str, list[str]] = {}
    for user_id, user in state.users.items():
        email = normalise_email(user.email or "")
        if email:
            found.setdefault(email, []).append(user_id)
    return {email: tuple(sorted(ids)) for email, ids in found.items()}


def merge(old: AccessState, new: AccessState, users: frozenset[str]) -> AccessState:
    """``old`` with the users of a scoped read replaced by what ``new`` holds for them
    (absent from ``new``: deleted), and likewise their links and the teams and organisations
    the read asked for (asked for and absent: gone); the rest of ``old`` stays."""

    def kept(before: Mapping[str, Any], after: Mapping[str, Any], asked: Any) -> dict[str, Any]:
        if asked is None:  # read whole
            return dict(after)
        return {k: v for k, v in before.items() if k not in asked} | dict(after)

    links = {o: u for o, u in old.openwebui_links.items() if u not in users}
    return replace(
        new,
        users=kept(old.users, new.users, users),
        keys=kept(old.keys, new.keys, users),
        teams=kept(old.teams, new.teams, new.read_teams),
        organizations=kept(old.organizations, new.organizations, new.read_organizations),
        openwebui_links=links | dict(new.openwebui_links),
        read_teams=None,
        read_organizations=None,
    )


class Enforcer:
    """Decides Open WebUI calls; :meth:`load` swaps in new grants (thread-safe)."""

    def __init__(
        self,
        settings: Settings,
        *,
        router: Callable[[], Any] | None = None,
        master_key: Callable[[], str | None] | None = None,
        general: Callable[[], Mapping[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self._router = router
        self._general = general
        self._master_key = master_key
        self._clock = clock
        self._loaded: _Loaded | None = None
        self._trusted: frozenset[str] | None = None
        """By alias: the token hashes of the trusted live keys the worker last read (None:
        nothing read yet, so no key is the service key)."""
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
            self._loaded = _Loaded(state, _index_emails(state), at)  # with answers of its own

    def refresh_spend(self, figures: SpendFigures) -> None:
        """Take in spend figures read since the last load: budgets just spent are refused from
        the next call (decisions made on the old figures are dropped)."""
        with self._lock:
            current = self._loaded
            state = with_spend(current.state, figures) if current is not None else None
            if current is None or state is None:
                return
            self._loaded = _Loaded(state, current.by_email, current.at, check=current.check)

    @property
    def loaded(self) -> bool:
        return self._loaded is not None

    def service_key_seen(self, found: ServiceKeyRead) -> None:
        """Take the trusted keys the worker read (it reads them after every read of grants
        and after every change to keys): by alias, only calls with one of them are Open
        WebUI's, and with several none is believed (see :meth:`check`)."""
        if found.report.mode == "alias":
            self._trusted = found.tokens or frozenset()

    # --- the check ---------------------------------------------------------------------------
    def is_service_key(self, api_key: str | None) -> bool:
        """Is the caller Open WebUI's service key? ``api_key`` is LiteLLM's
        ``UserAPIKeyAuth.api_key``: the key's hash (its token), or a name for the master key.
        By value (compared by hash) when BRIDGE_OPENWEBUI_SERVICE_KEY is set. Otherwise by
        the trusted alias: the hash must be that of a trusted key the worker read; before the
        first read, and for a key anyone else made with the alias, it is an ordinary key."""
        if not api_key:
            return False
        if self._service_hash is None:
            trusted = self._trusted or frozenset()
            return any(hmac.compare_digest(api_key.encode(), t.encode()) for t in trusted)
        if hmac.compare_digest(api_key.encode(), self._service_hash.encode()):
            return True
        master = self._master_key() if self._master_key is not None else None
        if not master:
            return False
        # the master key as the service key: newer releases name it MASTER_KEY_ALIAS in the
        # hook, 1.77.3 passes it as it is when it does not start with sk- (hashed when it does)
        if api_key == MASTER_KEY_ALIAS or hmac.compare_digest(api_key, str(master)):
            return hmac.compare_digest(str(master), str(self._service_key))
        return False

    def unread_alias(self, key_alias: str | None) -> bool:
        """A call with a key carrying the service-key alias before the worker has read which
        keys are trusted (the proxy is starting): refused, as Open WebUI's calls are before the
        grants are read, rather than passed unchecked or believed."""
        return (
            self._service_hash is None
            and self._trusted is None
            and key_alias == self.settings.openwebui_key_alias
        )

    def check(self, headers: Mapping[str, str], models: Sequence[str]) -> Verdict:
        """Verdict on a service-key call that may reach ``models`` (every model the request
        names: the model, each of a comma list, fallbacks); headers with lower-case names."""
        loaded = self._loaded
        if loaded is None:
            return _refuse(
                "unavailable",
                503,
                "litellm-bridge has not read LiteLLM's grants yet (the proxy is starting or "
                "the LiteLLM database is unreachable; see the proxy log)",
            )
        if self._clock() - loaded.at > self.stale_after:
            return _refuse(
                "unavailable",
                503,
                f"litellm-bridge's copy of LiteLLM's grants is over {self.stale_after:g}s old "
                "(the LiteLLM database is unreachable?); refusing rather than guessing",
            )
        trusted = self._trusted  # set by alias only
        if trusted is not None and len(trusted) > 1:
            return _refuse(
                "unavailable",
                503,
                "Open WebUI's calls are refused until LiteLLM has one service key; the proxy "
                "log and `litellm-bridge doctor` say how to fix it",
                f"{len(trusted)} trusted live keys carry the service-key alias "
                f"{self.settings.openwebui_key_alias!r}: any of them could name anyone; set "
                "BRIDGE_OPENWEBUI_SERVICE_KEY to the value of Open WebUI's key, or delete or "
                "rename the other keys",
            )
        try:
            identity = identity_of(headers, self._jwt_secret, self.settings.openwebui_jwt_max_age)
        except IdentityError as exc:
            return _refuse("identity", exc.status, exc.message)
        anonymous = self.settings.allow_anonymous_service_calls
        if identity is None:
            if anonymous:
                return Verdict(True)
            return _refuse(
                "identity",
                401,
                "calls with the Open WebUI service key must name the user: enable "
                "ENABLE_FORWARD_USER_INFO_HEADERS in Open WebUI (X-OpenWebUI-User-Email)",
            )
        found = self._resolve(loaded, identity)
        if isinstance(found, Verdict):
            return Verdict(True) if anonymous and found.stranger else found
        user_id = found
        email = loaded.state.users[user_id].email
        who = f"LiteLLM user {user_id} ({identity.describe()})"
        if not models:
            said = "calls with the Open WebUI service key must name a model"
            return _refuse("request", 400, said)
        for model in models:
            decision = self._decide(loaded, user_id, model)
            if decision.allowed:
                continue
            detail = f"{who} may not use model {model}: {decision.reason}"
            if decision.over_budget:
                return _refuse("budget", 400, budget_message(model, decision), detail)
            if decision.expired:
                said = f"model {model}: the LiteLLM key that granted it to you has expired"
            else:
                said = f"model {model}: LiteLLM does not grant it to you"
            return _refuse("model", 403, said, detail, user_id=user_id, email=email)
        key = self._decide(loaded, user_id, models[0]).key  # the model the call names first
        return Verdict(True, user_id=user_id, email=email, key=key)

    def key_auth(self, key: KeyGrant) -> Any:
        """LiteLLM's ``UserAPIKeyAuth`` for ``key``, built from its combined key/team view as
        LiteLLM builds it (remembered with the grants it was read with)."""
        from litellm.proxy._types import UserAPIKeyAuth

        loaded = self._loaded
        token = str(key.auth.get("token") or "")
        found = loaded.auth_objects.get(token) if loaded is not None else None
        if found is None:
            found = UserAPIKeyAuth(**dict(key.auth), api_key=token)
            if loaded is not None:
                loaded.auth_objects[token] = found
        return found

    def user_auth(self, user_id: str) -> Any:
        """LiteLLM's ``UserAPIKeyAuth`` for a call made as the user alone
        (``BRIDGE_ACCESS_SOURCE=user``): the user's own limits, no key's."""
        from litellm.proxy._types import UserAPIKeyAuth

        loaded = self._loaded
        user = loaded.state.users.get(user_id) if loaded is not None else None
        if loaded is None or user is None:
            return None
        found = loaded.auth_objects.get(f"user:{user_id}")  # keys are stored by hash
        if found is None:
            found = loaded.auth_objects[f"user:{user_id}"] = UserAPIKeyAuth(**dict(user.auth))
        return found

    def budget_refusal(self, model: str, error: Any, key: KeyGrant) -> str:
        """What the person reads when LiteLLM's own budget check refused their key."""
        loaded = self._loaded
        state = loaded.state if loaded is not None else AccessState({}, {}, {}, {})
        return litellm_budget_message(model, error, key, state)

    def _resolve(self, loaded: _Loaded, identity: Identity) -> str | Verdict:
        """The LiteLLM user a call names. When it names both an email and an Open WebUI id,
        the id must be the account the bridge linked to that email's LiteLLM user."""
        by_email = by_id = None
        if identity.email is not None:
            ids = loaded.by_email.get(identity.email, ())
            if len(ids) > 1:
                return _refuse(
                    "identity",
                    403,
                    "this person cannot be told apart from another LiteLLM user",
                    f"{len(ids)} LiteLLM users have email {identity.email}; give each person "
                    "one email in LiteLLM",
                )
            by_email = ids[0] if ids else None
        if identity.openwebui_id is not None:
            by_id = loaded.state.openwebui_links.get(identity.openwebui_id)
        if identity.email is not None and identity.openwebui_id is not None and by_email != by_id:
            return _refuse(
                "identity",
                403,
                "the email and the Open WebUI account named by this call do not belong together",
                f"{identity.email} is LiteLLM user {by_email or '(none)'} but Open WebUI account "
                f"{identity.openwebui_id} is linked to {by_id or '(no LiteLLM user)'}",
            )
        user_id = by_email or by_id
        if user_id is None or user_id not in loaded.state.users:
            refused = _refuse(
                "identity",
                403,
                "this Open WebUI account is not a LiteLLM user",
                f"{identity.describe()} is not a LiteLLM user",
                stranger=True,
            )
            return replace(refused, openwebui_id=identity.openwebui_id)
        return user_id

    def may_use(self, user_id: str) -> Callable[[str], bool]:
        """Whether ``user_id`` may call a model now (grant and budgets), for fallback lists."""
        loaded = self._loaded
        if loaded is None or user_id not in loaded.state.users:
            return lambda _model: False
        return lambda model: self._decide(loaded, user_id, model).allowed

    def _decide(self, loaded: _Loaded, user_id: str, model: str) -> Decision:
        now = datetime.now(UTC)
        cached = loaded.cache.get((user_id, model))
        if cached is not None and (cached[1] is None or now < cached[1]):
            return cached[0]
        router = loaded.check.using(self._router() if self._router is not None else None)
        general = (self._general() if self._general is not None else None) or {}
        decision = loaded.state.may_call(
            user_id,
            model,
            now=now,
            source=self.settings.access_source,
            router=router,
            user_budget_on_team_keys=general.get("apply_user_budget_to_team_keys") is True,
        )
        if len(loaded.cache) >= CACHE_LIMIT:  # model names come from callers
            loaded.cache.clear()
        loaded.cache[(user_id, model)] = (decision, loaded.state.next_expiry(user_id, now))
        return decision


FALLBACK_FIELDS = ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks")
UNREADABLE_TARGET = "\x00unreadable fallback target"
"""Stands for a router fallback target the bridge cannot read: no grant names it."""
OVERRIDE = "router_settings_override"
UNCHECKABLE = {
    "user_config": "it carries a model list of its own, so the bridge cannot know which "
    "models the call reaches",
}
"""Request fields that route a call to models the bridge cannot name: refused outright."""


class RequestError(Exception):
    """A field of a service-key call that the bridge cannot check (the call gets 400)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field {field} {problem}")
        self.message = (
            f"field {field} {problem}; calls with the Open WebUI service key are refused "
            "when litellm-bridge cannot tell every model they may reach"
        )


def _check_targets(value: object, where: str, depth: int = 0) -> None:
    """Fallback targets must have a shape LiteLLM's router reads as model names: a list of
    names, of ``{"model": name, ...}`` requests (whose own fallbacks count too), or of
    ``{group: [targets]}`` maps. Anything else could be read another way by a later release."""
    if value is None:
        return
    if depth > 32:
        raise RequestError(where, "nests fallbacks too deeply")
    if not isinstance(value, list):
        raise RequestError(where, "must be a list of fallback models")
    for item in value:
        if isinstance(item, str):
            continue
        if not isinstance(item, dict):
            raise RequestError(where, "holds a fallback that is neither a name nor an object")
        if "model" in item:
            if not isinstance(item["model"], str):
                raise RequestError(where, "holds a fallback whose model is not text")
            for name in FALLBACK_FIELDS:
                _check_targets(item.get(name), f"{where}[].{name}", depth + 1)
            continue
        if not item:
            raise RequestError(where, "holds an empty fallback object")
        for group, targets in item.items():
            if not isinstance(targets, list):
                raise RequestError(where, f"maps {str(group)[:40]!r} to something not a list")
            _check_targets(targets, f"{where}.{str(group)[:40]}", depth + 1)


def _names(value: object, where: str) -> list[str]:
    """Model names of a ``model``-like field: text (comma lists split as LiteLLM splits them)
    or a list of texts."""
    if value is None:
        return []
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [p for v in value for p in _names(v, where)]
    raise RequestError(where, "must be a model name (text) or a list of them")


def requested_models(data: Mapping[str, Any]) -> list[str]:
    """Every model a request may reach: ``model`` (each of a comma-separated list, as LiteLLM
    splits it), ``target_model_names``, and every fallback LiteLLM's router may follow (the
    three fallback fields of the body and of ``router_settings_override``, at any depth).

    The fallback models are found by LiteLLM's own ``request_fallback_model_names`` (what its
    key checks use), after the fields' shapes are checked; :class:`RequestError` when a field
    cannot be checked.
    """
    walker = fallback_walker()
    for field_name, problem in UNCHECKABLE.items():
        if data.get(field_name) is not None:
            raise RequestError(field_name, f"is not accepted: {problem}")
    override = data.get(OVERRIDE)
    if override is not None and not isinstance(override, dict):
        raise RequestError(OVERRIDE, "must be an object")
    for source, prefix in ((data, ""), (override or {}, f"{OVERRIDE}.")):
        for name in FALLBACK_FIELDS:
            _check_targets(source.get(name), prefix + name)
            if walker is None and source.get(name) is not None:
                raise RequestError(
                    prefix + name, "cannot be checked with the installed LiteLLM release"
                )
    found = _names(data.get("model"), "model")
    found += _names(data.get("target_model_names"), "target_model_names")
    try:
        fallbacks = walker(data) if walker is not None else []
    except ValueError as exc:
        raise RequestError("fallbacks", f"was refused by LiteLLM: {exc}") from None
    for name in fallbacks:
        found += _names(name, "fallbacks")
    return list(dict.fromkeys(found))


def _target_names(target: object) -> list[str]:
    """The model names one fallback target of the router's lists may reach."""
    if isinstance(target, str):
        return [target]
    walker = fallback_walker()
    if isinstance(target, dict) and walker is not None:
        return list(walker({"fallbacks": [target]}))
    return [UNREADABLE_TARGET]  # a target the bridge cannot read is nobody's to use


def _narrowed(entries: list[Any], may_use: Callable[[str], bool]) -> list[Any]:
    """The router's fallback list with only targets the person may use; the keys (which model
    group falls back, ``*`` for any) stay, so the router matches entries as before."""
    kept: list[Any] = []
    for entry in entries:
        if isinstance(entry, dict):
            kept.append(
                {
                    group: [t for t in targets if all(map(may_use, _target_names(t)))]
                    if isinstance(targets, list)
                    else []
                    for group, targets in entry.items()
                }
            )
        elif isinstance(entry, str) and may_use(entry):
            kept.append(entry)
    return kept


def narrow_router_fallbacks(
    data: dict[str, Any], router: Any, may_use: Callable[[str], bool]
) -> None:
    """Hand the call the router's own fallback lists with only the models its person may use.

    The operator's ``router_settings`` fallbacks (and ``default_fallbacks``) apply to every call
    and are followed when a model fails, a prompt is too long or a provider's content policy
    refuses: through Open WebUI's one key that would reach models the person was never
    granted. LiteLLM's router takes a call's own fallback fields instead of its lists, so each
    list is set on the call, narrowed. Fields the call (or its key's router settings) already
    sets were checked whole by :func:`requested_models` and are left alone.
    """
    if router is None:
        return
    override = data.get(OVERRIDE)
    for name in FALLBACK_FIELDS:
        configured = getattr(router, name, None)
        if not isinstance(configured, list) or not configured or data.get(name) is not None:
            continue
        if isinstance(override, dict) and override.get(name) is not None:
            continue
        data[name] = _narrowed(configured, may_use)


UNCHECKED_CALL_TYPES = frozenset({"pass_through_endpoint"})
"""Call types whose request body is the provider's own: the bridge cannot tell the person or
the LiteLLM model from it, so Open WebUI's key may not use them."""


def _hash(key: str) -> str:
    from litellm.proxy._types import hash_token

    return str(hash_token(key))


def charge_to(person: Any, data: dict[str, Any]) -> None:
    """Write the person's key (LiteLLM's ``UserAPIKeyAuth`` of the granting key) into the
    call's metadata with LiteLLM's own function, where its spend tracking (the key's, user's,
    team's and organisation's spend), its spend logs and its rate limiter's accounting read
    the key. The service key's own object is never changed: LiteLLM may keep it in a cache."""
    from litellm.proxy.litellm_pre_call_utils import LiteLLMProxyRequestSetup

    filled = [
        name
        for name in ("metadata", "litellm_metadata")
        if isinstance(data.get(name), dict) and "user_api_key_user_id" in data[name]
    ] or ["metadata"]
    for name in filled:
        if not isinstance(data.get(name), dict):
            data[name] = {}
        LiteLLMProxyRequestSetup.add_user_api_key_auth_to_request_metadata(data, person, name)
        # the budget fields LiteLLM writes inline (add_litellm_data_to_request), which its
        # model budget limiter and prometheus read after the call (a field a release does not
        # have is written as None, as that release would leave it)
        data[name].update(
            {f"user_api_key_{field}": getattr(person, field, None) for field in BUDGET_FIELDS}
        )


BUDGET_FIELDS = (
    "spend",
    "max_budget",
    "model_max_budget",
    "team_spend",
    "team_max_budget",
    "team_model_max_budget",
    "user_spend",
    "user_max_budget",
    "user_model_max_budget",
    "team_member_model_max_budget",  # LiteLLM 1.108+
)


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
