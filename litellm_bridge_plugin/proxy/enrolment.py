"""Open WebUI first (``BRIDGE_ENROL``), in the proxy: the LiteLLM user is made by LiteLLM's
own code for ``/user/new``, as LiteLLM makes the user of a first SSO sign-in to its Admin UI
(``default_internal_user_params`` applied by ``new_user``; no role of Open WebUI's is
carried), linked to the person's Open WebUI account and audited (engine/enrolment.py).
With ``BRIDGE_ENROL_KEY`` also a personal key by ``/key/generate``'s code (LiteLLM's
``default_key_generate_params`` within ``upperbound_key_generate_params``).

Runs as a task on the proxy's event loop (LiteLLM's database client lives there): a look
every BRIDGE_POLL_INTERVAL / :data:`LOOKS_PER_POLL` seconds (one a second by default), at
most :data:`BATCH` enrolments per look, so a burst of
sign-ups is enrolled at a bounded rate while calls are served.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from litellm_bridge_plugin.engine.enrolment import BATCH, Candidate, Enrolment
from litellm_bridge_plugin.errors import SettingsError
from litellm_bridge_plugin.plan.enrolment import ADMIN_ROLES, ENROLLED_FROM
from litellm_bridge_plugin.settings import Settings

log = logging.getLogger("litellm_bridge")

LOOKS_PER_POLL = 5
"""Looks for new accounts per BRIDGE_POLL_INTERVAL (5 s by default: a look a second, and so
at most BATCH (20) enrolments a second through LiteLLM's own code)."""

AT_ONCE = 4
"""Enrolments of a look made at the same time: each waits mostly on LiteLLM's database
client, so a few at once multiply the rate without holding the proxy's loop."""

Submit = Callable[[Iterable[tuple[str, str]], Mapping[str, str]], None]


def check_defaults() -> None:
    """Refuse enrolment when LiteLLM's ``default_internal_user_params`` names an admin role:
    enrolment must never make an admin (SettingsError, naming the setting)."""
    import litellm

    defaults = getattr(litellm, "default_internal_user_params", None) or {}
    role = defaults.get("user_role") if isinstance(defaults, dict) else None
    if role in ADMIN_ROLES:
        raise SettingsError(
            f"BRIDGE_ENROL is on but litellm_settings.default_internal_user_params.user_role "
            f"is {role!r}: enrolment would make every Open WebUI account a LiteLLM admin. "
            "Give the defaults an internal_user role, or set BRIDGE_ENROL=none"
        )


def _admin() -> Any:
    from litellm.proxy._types import LitellmUserRoles, UserAPIKeyAuth

    proxy = sys.modules.get("litellm.proxy.proxy_server")
    name = getattr(proxy, "litellm_proxy_admin_name", None) or "default_user_id"
    return UserAPIKeyAuth(user_role=LitellmUserRoles.PROXY_ADMIN, user_id=name)


def _reason(exc: BaseException) -> str:
    """LiteLLM's refusal in words (its HTTP detail or proxy exception's message)."""
    detail = getattr(exc, "detail", None) or getattr(exc, "message", None) or exc
    return str(detail)[:500]


class Enroller:
    """Makes LiteLLM users for the Open WebUI accounts enrolment finds."""

    def __init__(self, settings: Settings, submit: Submit) -> None:
        self.settings = settings
        self.submit = submit
        self.enrolment = Enrolment(settings)
        self.task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        """Start the looks on the running loop (the proxy's), once."""
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        every = self.settings.poll_interval / LOOKS_PER_POLL
        try:
            while True:
                began = time.monotonic()
                try:
                    await self.once()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # a database away: try again at the next look
                    log.warning(
                        "litellm-bridge: enrolment could not look for new accounts: %s", exc
                    )
                # a look starts every `every` seconds (a long batch is not followed by a
                # whole pause): at most BATCH enrolments per `every`, whatever the backlog
                await asyncio.sleep(max(every / 20, every - (time.monotonic() - began)))
        finally:
            await asyncio.to_thread(self.enrolment.close)

    async def once(self) -> int:
        """One look and the enrolments it finds (at most :data:`BATCH`), if no other process
        is enrolling now: how many made."""
        async with self._lock:
            if not await asyncio.to_thread(self.enrolment.lock, False):
                return 0
            try:
                look = await asyncio.to_thread(self.enrolment.look)
                gate = asyncio.Semaphore(AT_ONCE)

                async def one(candidate: Candidate) -> bool:
                    async with gate:
                        return await self._enrol(candidate, "look") is not None

                # at most BATCH (the rest wait in the backlog), one account per email
                made = await asyncio.gather(*(one(c) for c in look.enrol[:BATCH]))
                return sum(made)
            finally:
                await asyncio.to_thread(self.enrolment.unlock)

    async def enrol_now(self, openwebui_id: str) -> tuple[str | None, bool]:
        """Enrol the account a call names, if it is to be enrolled: (the LiteLLM user made,
        or None; whether a LiteLLM user exists for the account anyway, so the call should
        wait for the checks to know them)."""
        async with self._lock:
            if not await asyncio.to_thread(self.enrolment.lock, True):
                return None, False
            try:
                found = await asyncio.to_thread(self.enrolment.account, openwebui_id)
                if isinstance(found, str):
                    log.info(
                        "litellm-bridge: not enrolling Open WebUI account %s at its call: %s",
                        openwebui_id,
                        found,
                    )
                    return None, self.enrolment.made_elsewhere(found)
                made = await self._enrol(found, "call")
                return made, made is not None
            finally:
                await asyncio.to_thread(self.enrolment.unlock)

    async def _enrol(self, candidate: Candidate, via: str) -> str | None:
        started = time.monotonic()
        try:
            check_defaults()
            user_id = candidate.finish or await self._new_user(candidate)
            await asyncio.to_thread(self.enrolment.record, candidate, user_id, started, via)
        except SettingsError as exc:
            log.error("litellm-bridge: %s", exc)
            return None
        except Exception as exc:
            await asyncio.to_thread(self.enrolment.failed, candidate, _reason(exc))
            return None
        log.info(
            "litellm-bridge: enrolled Open WebUI account %s as LiteLLM user %s (at its %s)",
            candidate.email,
            user_id,
            via,
        )
        if self.settings.enrol_key and candidate.finish is None:
            await self._key(user_id)
        self.submit({("user", user_id)}, {})
        return user_id

    async def _new_user(self, candidate: Candidate) -> str:
        """LiteLLM's ``/user/new`` code, as its SSO sign-in calls it: the defaults' role, or
        the one LiteLLM gives a first SSO sign-in when they name none (view only); no key;
        the account it came from in the metadata."""
        import litellm
        from litellm.proxy._types import LitellmUserRoles, NewUserRequest
        from litellm.proxy.management_endpoints.internal_user_endpoints import new_user

        defaults = getattr(litellm, "default_internal_user_params", None) or {}
        role = defaults.get("user_role") if isinstance(defaults, dict) else None
        request = NewUserRequest(
            user_email=candidate.email,
            user_role=None if role else LitellmUserRoles.INTERNAL_USER_VIEW_ONLY,
            auto_create_key=False,
            metadata={ENROLLED_FROM: candidate.account.id},
        )
        answer = await new_user(data=request, user_api_key_dict=_admin())
        return str(answer.user_id)

    async def _key(self, user_id: str) -> None:
        """A personal key by ``/key/generate``'s code (defaults and upper bounds applied)."""
        from litellm.proxy._types import GenerateKeyRequest
        from litellm.proxy.management_endpoints.key_management_endpoints import generate_key_fn

        try:
            await generate_key_fn(
                data=GenerateKeyRequest(user_id=user_id),
                user_api_key_dict=_admin(),
                litellm_changed_by=None,
            )
        except Exception as exc:
            log.warning(
                "litellm-bridge: enrolled LiteLLM user %s but could not make their key: %s",
                user_id,
                _reason(exc),
            )
