"""Headless Debian Chromium driven by Selenium for the browser tests (scripts/install-chromium.sh
installs it; `make test` runs that), and what they do in Open WebUI's own pages. Screenshots
go to each test's directory; with BRIDGE_UPDATE_SCREENSHOTS=1 they replace docs/screenshots/
(what the README shows)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
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

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MODEL_BUTTON = (By.ID, "model-selector-model-button")  # the model picker above the chat input


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


def sign_in(driver: WebDriver, base: str, email: str, password: str) -> WebDriverWait[WebDriver]:
    """Sign in on Open WebUI's own page, from a clean browser; returns once the chat is up."""
    wait = WebDriverWait(driver, 60)
    driver.delete_all_cookies()
    driver.get(f"{base}/auth")
    driver.execute_script("localStorage.clear()")
    driver.get(f"{base}/auth")
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[type=email]"))).send_keys(
        email
    )
    driver.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(password + Keys.ENTER)
    wait.until(ec.element_to_be_clickable(MODEL_BUTTON))
    return wait


def open_model_selector(driver: WebDriver, wait: WebDriverWait[WebDriver]) -> list[Any]:
    wait.until(ec.element_to_be_clickable(MODEL_BUTTON)).click()
    return list(
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#model-selector-list [role=option]"))
    )


def model_name(option: Any) -> str:
    text: str = option.text.strip()
    return text.splitlines()[0].strip() if text else ""


def offered_models(driver: WebDriver, base: str, email: str, password: str) -> set[str]:
    wait = sign_in(driver, base, email, password)
    return {model_name(o) for o in open_model_selector(driver, wait)} - {""}


def publish(shots: Iterable[Path]) -> None:
    """With BRIDGE_UPDATE_SCREENSHOTS=1, the screenshots replace what the README shows."""
    if os.environ.get("BRIDGE_UPDATE_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        for shot in shots:
            shutil.copy(shot, DOCS / shot.name)
