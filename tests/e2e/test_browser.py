"""In a real browser: Alice and Bob sign in to the real Open WebUI and open the model selector;
Bob, his LiteLLM budget used up, sends a message and reads LiteLLM's refusal in the chat.

Headless Debian Chromium driven by Selenium (scripts/install-chromium.sh installs it; `make
test` runs that). The models the selector offers must be exactly each person's LiteLLM
grant. The screenshots are written to the test's directory; with
BRIDGE_UPDATE_SCREENSHOTS=1 they replace docs/screenshots/ (what the README shows).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec

from tests.fixtures.proxies import Proxy

from .browser import MODEL_BUTTON, model_name, offered_models, open_model_selector, publish, sign_in
from .chain import NEWEST, chain_id, litellm_admin_url, signed_in
from .openwebui_harness import OpenWebUI

PASSWORDS = {"alice": "Alice-Wonder-1", "bob": "Bob-Builder-2", "carol": "Carol-Admin-3"}
GRANTS = {"alice": {"gpt-4", "claude-3-sonnet"}, "bob": {"gpt-3.5-turbo", "gpt-4"}}


@pytest.mark.parametrize("chain", NEWEST, ids=chain_id, indirect=True)
def test_alice_and_bob_see_their_own_models_in_the_browser(
    chain: tuple[OpenWebUI, Proxy, Any], browser: WebDriver, tmp_path: Path
) -> None:
    server, proxy, settings = chain
    signed_in(server, proxy, settings, PASSWORDS)
    shots = []
    for user, granted in GRANTS.items():
        offered = offered_models(browser, server.base, f"{user}@techcompany.com", PASSWORDS[user])
        assert offered == granted, (user, offered)
        shot = tmp_path / f"{user}-models.png"
        assert browser.save_screenshot(str(shot))
        shots.append(shot)
    publish(shots)


def _first_of_next_month(now: datetime) -> datetime:
    """When a monthly LiteLLM budget resets: 00:00 UTC on the first of the next month."""
    year, month = divmod(now.year * 12 + now.month, 12)
    return datetime(year, month + 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("chain", NEWEST, ids=chain_id, indirect=True)
def test_a_spent_budget_is_refused_in_the_chat_window(
    chain: tuple[OpenWebUI, Proxy, Any], browser: WebDriver, tmp_path: Path, pg_server: str
) -> None:
    """Bob's LiteLLM user budget is used up: he may still pick gpt-3.5-turbo (his own key
    grants it), but his message is refused, and the chat window says whose budget, how much
    and when it resets. gpt-3.5-turbo, because a user's budget does not bind team keys (his
    gpt-4 key is a team's), as in LiteLLM."""
    server, proxy, settings = chain
    tokens = signed_in(server, proxy, settings, {"bob": PASSWORDS["bob"]})
    resets = _first_of_next_month(datetime.now(UTC))
    with psycopg.connect(litellm_admin_url(pg_server, settings), autocommit=True) as conn:
        # as LiteLLM records spend: a plain UPDATE, no signal to the bridge
        conn.execute(
            'UPDATE "LiteLLM_UserTable" SET max_budget = 10, spend = 10, budget_reset_at = %s '
            "WHERE user_id = 'bob'",
            (resets.replace(tzinfo=None),),
        )
    refusal = f"budget of $10.00 is used up; it resets on {resets:%Y-%m-%d %H:%M} UTC"
    proxy.wait_until(
        lambda: refusal in json.dumps(server.chat(tokens["bob"], "gpt-3.5-turbo")[1]),
        "the proxy to read Bob's spend (every BRIDGE_SPEND_INTERVAL)",
        timeout=60,
    )

    wait = sign_in(browser, server.base, "bob@techcompany.com", PASSWORDS["bob"])
    options = open_model_selector(browser, wait)
    next(o for o in options if model_name(o) == "gpt-3.5-turbo").click()
    wait.until(ec.text_to_be_present_in_element(MODEL_BUTTON, "gpt-3.5-turbo"))
    wait.until(ec.element_to_be_clickable((By.ID, "chat-input"))).send_keys("Hello")
    wait.until(ec.element_to_be_clickable((By.ID, "send-message-button"))).click()
    wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "is used up"))
    page = browser.find_element(By.TAG_NAME, "body").text
    assert "budget of $10.00 is used up" in page and "resets on" in page, page
    assert f"resets on {resets:%Y-%m-%d %H:%M} UTC" in page, page
    shot = tmp_path / "budget-refused.png"
    assert browser.save_screenshot(str(shot))
    publish([shot])
