"""LiteLLM's own per-key limits, applied to the person's key on an Open WebUI call.

An allowed call is made as the key that grants its person the model (enforcement.py). LiteLLM
checked the service key's limits before the bridge ran; these are the same checks, run by
LiteLLM's own hooks found among the proxy's callbacks, with LiteLLM's key object of the
person's key: its rate limiter (rpm, tpm and parallel requests of the key, its user, team and
team membership; kept in Redis when the proxy has one, so they hold across instances) and its
per-model budget limiter (``model_max_budget``). Each raises what LiteLLM raises for the key
itself (429 with LiteLLM's message, a budget error). Their accounting after the call reads the
key from the call's metadata, which :func:`enforcement.charge_to` fills with that key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import litellm


def _hook(kind: type[Any]) -> Any:
    for callback in litellm.callbacks:
        if isinstance(callback, kind):
            return callback
    return None


async def apply(
    person: Any, cache: Any, data: dict[str, Any], call_type: Any, models: Sequence[str]
) -> None:
    """Run LiteLLM's limits of ``person`` (a ``UserAPIKeyAuth``) on this call; raises as
    LiteLLM does when one is reached."""
    from litellm.proxy.hooks.model_max_budget_limiter import (
        _PROXY_VirtualKeyModelMaxBudgetLimiter as ModelBudgets,
    )
    from litellm.proxy.hooks.parallel_request_limiter_v3 import (
        _PROXY_MaxParallelRequestsHandler_v3 as RateLimiter,
    )

    budgets = _hook(ModelBudgets)
    if budgets is not None and person.model_max_budget:
        for model in models:
            await budgets.is_key_within_model_budget(user_api_key_dict=person, model=model)
    limiter = _hook(RateLimiter)
    if limiter is not None:
        await limiter.async_pre_call_hook(
            user_api_key_dict=person, cache=cache, data=data, call_type=call_type
        )
