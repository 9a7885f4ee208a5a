"""In a real browser: Alice and Bob sign in to the real Open WebUI and open the model selector.

Headless Debian Chromium driven by Selenium (scripts/install-chromium.sh installs it; `make
test` runs that). The models the selector offers must be exactly each person's LiteLLM
grant. The screenshots are written to the test's directory; with
BRIDGE_UPDATE_SCREENSHOTS=1 they replace docs/screenshots/ (what the README shows).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from ..proxy_harness import Proxy
from .chain import signed_in
from .openwebui_harness import OpenWebUI

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORDS = {"alice": "Alice-Wonder-1", "bob": "Bob-Builder-2", "carol": "Carol-Admin-3"}
GRANTS = {"alice": {"gpt-4", "claude-3-sonnet"}, "bob": {"gpt-3.5-turbo", "gpt-4"}}


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    for program in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(program).exists():
            pytest.fail(f"{program} is missing: run scripts/install-chromium.sh (make test does)")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,800",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _offered_models(driver: WebDriver, base: str, email: str, password: str) -> set[str]:
    wait = WebDriverWait(driver, 60)
    driver.delete_all_cookies()
    driver.get(f"{base}/auth")
    driver.execute_script("localStorage.clear()")
    driver.get(f"{base}/auth")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[type=email]"))).send_keys(
        email
    )
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password + Keys.ENTER)
    selector = (By.ID, "model-selector-model-button")  # the model picker in the chat input
    wait.until(ec.element_to_be_clickable(selector)).click()
    options = wait.until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#model-selector-list [role=option]")
    )
    return {o.text.strip().splitlines()[0].strip() for o in options if o.text.strip()}


@pytest.mark.parametrize("chain", ["0.12.4"], indirect=True)
def test_alice_and_bob_see_their_own_models_in_the_browser(
    chain: tuple[OpenWebUI, Proxy, Any], browser: WebDriver, tmp_path: Path
) -> None:
    server, proxy, settings = chain
    signed_in(server, proxy, settings, PASSWORDS)
    shots = []
    for user, granted in GRANTS.items():
        offered = _offered_models(browser, server.base, f"{user}@techcompany.com", PASSWORDS[user])
        assert offered == granted, (user, offered)
        shot = tmp_path / f"{user}-models.png"
        assert browser.save_screenshot(str(shot))
        shots.append(shot)
    if os.environ.get("BRIDGE_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, DOCS / shot.name)
