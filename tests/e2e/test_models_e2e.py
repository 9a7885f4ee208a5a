"""The whole chain: the real Open WebUI talks to the real LiteLLM proxy with one service key.

The proxy runs the plugin (mock models, no proxy database: its master key is the service
key); Open WebUI forwards user-info headers. After the bridge syncs the guide's scenario,
each person signs in to Open WebUI, sees exactly the models LiteLLM grants them, chats within
them, and cannot use the rest; with Open WebUI on PostgreSQL and on its default SQLite file.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.fixtures.proxies import Proxy

from .chain import ON_BOTH_DATABASES, chain_id, signed_in
from .openwebui_harness import OpenWebUI

PASSWORDS = {
    "alice": "Alice-Wonder-1",
    "bob": "Bob-Builder-2",
    "carol": "Carol-Admin-3",
    "dave": "Dave-Nokey-4",
}
GRANTS = {
    "alice": {"gpt-4", "claude-3-sonnet"},
    "bob": {"gpt-3.5-turbo", "gpt-4"},
    "carol": {"gpt-4", "gpt-3.5-turbo", "claude-3-sonnet"},
    "dave": set(),
}


@pytest.mark.parametrize("chain", ON_BOTH_DATABASES, ids=chain_id, indirect=True)
def test_each_person_sees_and_uses_exactly_their_grant(
    chain: tuple[OpenWebUI, Proxy, Any],
) -> None:
    server, proxy, settings = chain
    tokens = signed_in(server, proxy, settings, PASSWORDS)
    for user, granted in GRANTS.items():
        assert server.model_ids(tokens[user]) == granted, user
    status, body = server.chat(tokens["alice"], "gpt-4")
    assert status == 200, body
    assert "mock gpt-4" in body["choices"][0]["message"]["content"]
    status, body = server.chat(tokens["bob"], "gpt-3.5-turbo")
    assert status == 200, body
    # outside the grant Open WebUI refuses (it does not list the model for them) ...
    assert server.chat(tokens["alice"], "gpt-3.5-turbo")[0] >= 400
    assert server.chat(tokens["dave"], "gpt-4")[0] >= 400
    # ... and LiteLLM refuses too, whoever holds the service key
    status, body = proxy.post(
        "/v1/chat/completions",
        {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "hi"}]},
        {"X-OpenWebUI-User-Email": "alice@techcompany.com"},
    )
    assert status == 403 and "model gpt-3.5-turbo: LiteLLM does not grant it to you" in str(body)
