"""A second proxy callback for the tests: records who LiteLLM would charge for each call.

For every successful call it appends one JSON line to ``$BRIDGE_TEST_SPEND_FILE`` with the
``user`` of the SpendLogs row LiteLLM builds (``get_logging_payload``, the function LiteLLM's
spend writer uses) and the user fields of the standard logging payload callbacks receive.
"""

from __future__ import annotations

import json
import os
from typing import Any

from litellm.integrations.custom_logger import CustomLogger
from litellm.proxy.spend_tracking.spend_tracking_utils import get_logging_payload


class SpendRecorder(CustomLogger):
    async def async_log_success_event(
        self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
    ) -> None:
        payload = get_logging_payload(kwargs, response_obj, start_time, end_time)
        standard = kwargs.get("standard_logging_object") or {}
        meta = standard.get("metadata") or {}
        line = {
            "model": kwargs.get("model"),
            "spend_logs_user": payload.get("user"),
            "callback_user_id": meta.get("user_api_key_user_id"),
            "callback_user_email": meta.get("user_api_key_user_email"),
            "spend_logs_api_key": payload.get("api_key"),
            "spend_logs_team_id": payload.get("team_id"),
            "callback_key_hash": meta.get("user_api_key_hash"),
            "callback_key_alias": meta.get("user_api_key_alias"),
            "callback_team_id": meta.get("user_api_key_team_id"),
            "callback_org_id": meta.get("user_api_key_org_id"),
        }
        with open(os.environ["BRIDGE_TEST_SPEND_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


recorder = SpendRecorder()
