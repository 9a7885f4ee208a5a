"""The LiteLLM callback: loaded by the proxy from ``litellm_settings.callbacks``.

Importing this module inside the proxy reads the bridge settings (invalid ones stop the
proxy's start with a message naming the variable), starts the background worker and wraps
the proxy's management routes (capture/tap.py). Management calls are answered exactly as
without the bridge; the bridge's work happens after the response, in its own threads.

Calls made with Open WebUI's service key are checked before they reach a model
(:meth:`BridgePlugin.async_pre_call_hook`, enforcement.py): the person must be named, be a
LiteLLM user, be granted the model and be within budget; an allowed call is attributed to
that user. Calls with any other key are not touched, whatever alias the key carries or headers
the call sends: by alias, only a key a proxy admin made is Open WebUI's (plan/trust.py).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import logging
import sys
from typing import Any

from litellm.exceptions import BudgetExceededError
from litellm.integrations.custom_logger import CustomLogger

from litellm_bridge_plugin import metrics
from litellm_bridge_plugin.capture import tap as interception
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.litellm.catalog import ModelSource
from litellm_bridge_plugin.logs import ensure_log_handler
from litellm_bridge_plugin.proxy import limits, observability, token_vault
from litellm_bridge_plugin.proxy.enforcement import (
    UNCHECKED_CALL_TYPES,
    Enforcer,
    RequestError,
    Verdict,
    attribute,
    charge_to,
    narrow_router_fallbacks,
    requested_models,
)
from litellm_bridge_plugin.proxy.enrolment import Enroller, check_defaults
from litellm_bridge_plugin.proxy.identity import JWT_HEADER
from litellm_bridge_plugin.proxy.refusal import Refusal, quiet_refusals
from litellm_bridge_plugin.releases import budget_error_kind
from litellm_bridge_plugin.settings import Settings, load_settings

log = logging.getLogger("litellm_bridge")

ENROL_WAIT = 5.0
"""Seconds a first call waits for its person's enrolment to reach the checks."""


def _proxy_attr(name: str) -> Any:
    proxy = sys.modules.get("litellm.proxy.proxy_server")
    return getattr(proxy, name, None) if proxy is not None else None


def _drop_token(value: object, depth: int = 0) -> None:
    """Remove the signed identity token from every copy of the request's headers: the ones
    LiteLLM logs (``proxy_server_request``, ``metadata``/``litellm_metadata``), the raw ones it
    keeps (``secret_fields``) and the ones it forwards to the provider (``headers`` with
    ``forward_client_headers_to_llm_api``)."""
    if depth > 4 or not isinstance(value, dict):
        return
    for key in [k for k in value if isinstance(k, str) and k.lower() == JWT_HEADER]:
        value.pop(key)
    for inner in value.values():
        _drop_token(inner, depth + 1)


def _headers(data: dict[str, Any]) -> dict[str, str]:
    """The call's headers, lower-cased, with the identity token the vault took from them."""
    request = data.get("proxy_server_request")
    raw = request.get("headers") if isinstance(request, dict) else None
    found = (
        {str(k).lower(): v for k, v in raw.items() if isinstance(v, str)}
        if isinstance(raw, dict)
        else {}
    )
    token = token_vault.signed_token()
    if token is not None:
        found[JWT_HEADER] = token
    return found


class BridgePlugin(CustomLogger):
    """Keeps Open WebUI in step with LiteLLM while the proxy runs."""

    def __init__(self, settings: Settings | None = None, *, start: bool = True) -> None:
        super().__init__()
        ensure_log_handler()
        quiet_refusals()
        self.settings = settings or load_settings()
        self.enforcer = Enforcer(
            self.settings,
            router=lambda: _proxy_attr("llm_router"),
            master_key=lambda: _proxy_attr("master_key"),
            general=lambda: _proxy_attr("general_settings"),
        )
        in_proxy = _proxy_attr("app") is not None
        self.worker = BridgeWorker(
            self.settings,
            models=ModelSource(
                router=(lambda: _proxy_attr("llm_router")) if in_proxy else None,
                config=self.settings.litellm_config,
            ),
            on_access=self.enforcer.load,
            on_service_key=self.enforcer.service_key_seen,
            on_spend=self.enforcer.refresh_spend,
            master_key=(lambda: _proxy_attr("master_key")) if in_proxy else None,
        )
        self.enroller: Enroller | None = None
        if self.settings.enrol != "none" and in_proxy:
            check_defaults()  # an admin role in LiteLLM's defaults stops the start
            self.enroller = Enroller(self.settings, self.worker.submit)
        if start:
            self.worker.start()
            if self.enroller is not None:
                with contextlib.suppress(RuntimeError):  # no loop yet: at the first call
                    self.enroller.start()
            atexit.register(self.worker.stop)
            # Inside the proxy its server module is already imported; elsewhere (a test, a
            # script) there are no management routes to watch.
            proxy = sys.modules.get("litellm.proxy.proxy_server")
            if proxy is not None and getattr(proxy, "app", None) is not None:
                interception.install(proxy.app, self.worker.submit)
                token_vault.install(proxy.app)
                observability.install(proxy.app, self.settings)

    async def async_pre_call_hook(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        """Refuse Open WebUI calls LiteLLM would not allow its user; attribute the rest."""
        if not self.enforcer.is_service_key(getattr(user_api_key_dict, "api_key", None)):
            if self.enforcer.unread_alias(getattr(user_api_key_dict, "key_alias", None)):
                metrics.count_call("unavailable")
                raise Refusal(
                    503,
                    "litellm-bridge has not read which LiteLLM key is Open WebUI's yet (the "
                    "proxy is starting or the LiteLLM database is unreachable; see the proxy log)",
                    "unavailable",
                )
            return data  # an ordinary call: its X-OpenWebUI-User-* headers name nobody
        try:
            checked = await self._check_service_call(user_api_key_dict, cache, data, call_type)
        except Refusal as exc:
            metrics.count_call(exc.kind)
            raise
        except Exception as exc:  # LiteLLM's own limits (429) refuse by raising theirs
            status = getattr(exc, "status_code", None)
            metrics.count_call("limit" if status == 429 else "error")
            raise
        metrics.count_call("allowed")
        return checked

    async def _check_service_call(
        self, user_api_key_dict: Any, cache: Any, data: dict[str, Any], call_type: Any
    ) -> dict[str, Any]:
        try:
            if str(call_type) in UNCHECKED_CALL_TYPES:
                raise RequestError(
                    "route",
                    f"is a {call_type} route, whose body the bridge cannot check; give Open "
                    "WebUI's key only the LLM routes it uses (README, Trust model)",
                )
            models = requested_models(data)
            headers = _headers(data)
            verdict = self.enforcer.check(headers, models)
            if verdict.stranger and verdict.openwebui_id and self.enroller is not None:
                verdict = await self._enrol_then_check(verdict, headers, models)
        except RequestError as exc:
            verdict = Verdict(False, 400, exc.message, detail=exc.message, kind="request")
        _drop_token(data)  # read: it must not reach logs, callbacks or the provider
        if not verdict.allowed:
            log.info("litellm-bridge: refused an Open WebUI call: %s", verdict.detail)
            raise Refusal(verdict.status, verdict.message, verdict.kind)
        if verdict.user_id is not None:
            narrow_router_fallbacks(
                data, _proxy_attr("llm_router"), self.enforcer.may_use(verdict.user_id)
            )
        if verdict.key is not None:
            person = self.enforcer.key_auth(verdict.key)
        elif verdict.user_id is not None:
            person = self.enforcer.user_auth(verdict.user_id)
        else:
            person = None
        if person is not None:
            # a copy the bridge owns: LiteLLM's checks write to it, and LiteLLM may cache the
            # object the bridge built for the key
            person = person.model_copy(
                update={"parent_otel_span": getattr(user_api_key_dict, "parent_otel_span", None)}
            )
            member = verdict.key.member_table if verdict.key is not None else None
            try:
                await limits.apply(person, cache, data, call_type, models, member)
            except limits.ModelBudgetSpent as exc:
                log.info(
                    "litellm-bridge: refused an Open WebUI call: LiteLLM user %s: key %s: the "
                    "%s's model_max_budget for %s is used up",
                    verdict.user_id,
                    person.key_alias,
                    exc.whose,
                    exc.model,
                )
                whose = (
                    f"your LiteLLM budget in team {person.team_alias or person.team_id}"
                    if exc.whose == "team member"
                    else "your key's LiteLLM budget"
                )
                said = f"model {exc.model}: {whose} for this model is used up"
                raise Refusal(400, said, "budget") from None
            except BudgetExceededError as exc:
                self._refuse_budget(verdict, models[0], exc)
            charge_to(person, data)
        attribute(data, verdict)
        return data

    async def _enrol_then_check(
        self, verdict: Verdict, headers: dict[str, str], models: list[str]
    ) -> Verdict:
        """A call by someone LiteLLM does not know yet who is to be enrolled: enrol, wait
        (a few seconds at most) until the checks know them, then decide as for anyone."""
        assert self.enroller is not None and verdict.openwebui_id is not None
        self.enroller.start()
        try:
            _, wait = await self.enroller.enrol_now(verdict.openwebui_id)
        except Exception as exc:  # a database away: refused as a stranger, as before
            log.warning("litellm-bridge: could not enrol at a call: %s", exc)
            return verdict
        for _ in range(int(ENROL_WAIT / 0.05) if wait else 0):
            found = self.enforcer.check(headers, models)
            if not found.stranger:
                return found
            await asyncio.sleep(0.05)
        return verdict

    def _refuse_budget(self, verdict: Verdict, model: str, error: BudgetExceededError) -> None:
        """Refuse a call LiteLLM's own budget check stopped, in words the person can act on
        (LiteLLM's message names the key's hash: not for the log or the person)."""
        kind = budget_error_kind(error) or "key"
        log.info(
            "litellm-bridge: refused an Open WebUI call: LiteLLM user %s: the %s budget on the "
            "way of key %s is used up (model %s, max_budget %s)",
            verdict.user_id,
            kind,
            verdict.key.key_alias if verdict.key is not None else "(none: user's own)",
            model,
            error.max_budget,
        )
        said = (
            self.enforcer.budget_refusal(model, error, verdict.key)
            if verdict.key is not None
            else f"model {model}: your LiteLLM budget is used up"
        )
        raise Refusal(400, said, "budget") from None
