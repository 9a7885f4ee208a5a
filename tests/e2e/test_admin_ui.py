"""In a real browser, the way an operator and a newcomer do it, on LiteLLM with its own
database (devtools/litellm_db.py) and the plugin, the real Open WebUI in front:

1. the operator signs in to LiteLLM's Admin UI (``/ui``, admin and the master key), invites
   Grace on "Internal Users" and makes her a gpt-4 key on "Virtual Keys";
2. Grace opens her invitation link and chooses her password on LiteLLM's onboarding page;
3. Grace signs in to Open WebUI with that password: its model selector offers exactly gpt-4.

Nothing here is written by SQL: every change is LiteLLM's own, made by its UI. Screenshots of
both products go to the test's directory (BRIDGE_UPDATE_SCREENSHOTS=1: to docs/screenshots/).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from devtools.stack import openwebui_connection_env
from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api, real_litellm
from tests.fixtures.proxies import MASTER_KEY

from .browser import offered_models, publish
from .chain import NEWEST
from .openwebui_harness import OpenWebUI, running_openwebui

pytestmark = pytest.mark.proxy

SERVICE_KEY = "sk-admin-ui-test-openwebui"
GRACE = "grace@techcompany.com"
PASSWORD = "Grace-Chosen-2026"
PERSONAL_MODELS = ("gpt-4", "claude-3-sonnet")
"""Grace's own models (her user's); her key is limited further, to gpt-4: she sees gpt-4."""


@pytest.fixture
def stack(
    pg_server: str, templates: dict[str, str], tmp_path: Path
) -> Iterator[tuple[Api, OpenWebUI]]:
    """LiteLLM with its database and the plugin; Open WebUI's own key made by the master key
    (as docker-compose makes it); an admin to own Open WebUI's model rows; Open WebUI."""
    version = NEWEST[0][0]
    (tmp_path / "proxy").mkdir()
    with real_litellm(pg_server, templates, tmp_path / "proxy", version) as api:
        api.ok(
            "/key/generate",
            {"key": SERVICE_KEY, "key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES},
        )
        admin = {"user_email": "carol@techcompany.com", "user_role": "proxy_admin"}
        api.ok("/user/new", admin | {"auto_create_key": False})
        proxy_url = f"http://127.0.0.1:{api.proxy.port}"
        with running_openwebui(
            version,
            api.databases.admin_openwebui_url,
            tmp_path,
            **openwebui_connection_env(proxy_url, SERVICE_KEY),
        ) as server:
            yield api, server


def _click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _option(wait: WebDriverWait[WebDriver], starts: str) -> WebElement:
    """The first option of the open drop-down whose text starts with ``starts``."""

    def found(driver: WebDriver) -> WebElement | bool:
        for option in driver.find_elements(By.CSS_SELECTOR, "[role=option]"):
            if option.is_displayed() and option.text.strip().startswith(starts):
                return option
        return False

    element: WebElement = wait.until(found)
    return element


def _dialog(wait: WebDriverWait[WebDriver], title: str) -> WebElement:
    locator = (By.XPATH, f"//*[@role='dialog'][.//*[normalize-space(.)='{title}']]")
    element: WebElement = wait.until(ec.visibility_of_element_located(locator))
    return element


def _admin_signs_in(driver: WebDriver, base: str) -> WebDriverWait[WebDriver]:
    wait = WebDriverWait(driver, 60)
    driver.get(f"{base}/ui")
    wait.until(ec.url_contains("/ui/login"))  # the UI sends a visitor there itself
    wait.until(ec.element_to_be_clickable((By.NAME, "username"))).send_keys("admin")
    driver.find_element(By.NAME, "password").send_keys(MASTER_KEY + Keys.ENTER)
    wait.until(ec.element_to_be_clickable((By.LINK_TEXT, "Internal Users")))
    return wait


def _invite(driver: WebDriver, wait: WebDriverWait[WebDriver], email: str, shot: Path) -> str:
    """Internal Users > Invite User, role "Internal User" (the form filled in: ``shot``): the
    invitation link shown."""
    driver.find_element(By.LINK_TEXT, "Internal Users").click()
    invite = (By.XPATH, "//button[normalize-space(.)='+ Invite User']")
    _click(driver, wait.until(ec.element_to_be_clickable(invite)))
    form = _dialog(wait, "Invite User")
    form.find_element(By.NAME, "user_email").send_keys(email)
    _click(driver, form.find_element(By.XPATH, ".//button[contains(., 'Internal User')]"))
    _click(driver, _option(wait, "Internal User (Create"))
    # without personal models LiteLLM's UI gives "no-default-models": only team keys work
    _click(
        driver, form.find_element(By.XPATH, ".//button[normalize-space(.)='Personal Key Creation']")
    )
    models = form.find_element(By.CSS_SELECTOR, "input[placeholder='Select models']")
    for model in PERSONAL_MODELS:
        _click(driver, models)
        _click(driver, _option(wait, model))
    models.send_keys(Keys.ESCAPE)
    assert driver.save_screenshot(str(shot))
    _click(driver, form.find_element(By.XPATH, ".//button[@type='submit']"))
    shown = _dialog(wait, "Invitation Link")
    link: str = wait.until(
        lambda d: next(
            (
                i.get_attribute("value")
                for i in shown.find_elements(By.TAG_NAME, "input")
                if "invitation_id=" in (i.get_attribute("value") or "")
            ),
            False,
        )
    )
    return link


def _make_key(
    driver: WebDriver, wait: WebDriverWait[WebDriver], email: str, model: str, shot: Path
) -> str:
    """Virtual Keys > Create New Key, owned by another user (the form filled in: ``shot``):
    the key shown once."""
    # the invitation's dialogs are still open: go by the menu entry's address
    driver.get(str(driver.find_element(By.LINK_TEXT, "Virtual Keys").get_attribute("href")))
    create = (By.XPATH, "//button[normalize-space(.)='+ Create New Key']")
    _click(driver, wait.until(ec.element_to_be_clickable(create)))
    form = _dialog(wait, "Create New Key")
    _click(driver, form.find_element(By.XPATH, ".//label[normalize-space(.)='Another User']"))
    wait.until(ec.element_to_be_clickable((By.ID, "user_id"))).send_keys(email.split("@")[0])
    _click(driver, _option(wait, email))
    form.find_element(By.ID, "key_alias").send_keys("grace-gpt4")
    _click(driver, form.find_element(By.ID, "models"))
    _click(driver, _option(wait, model))
    form.find_element(By.ID, "models").send_keys(Keys.ESCAPE)
    assert driver.save_screenshot(str(shot))
    _click(driver, form.find_element(By.XPATH, ".//button[@type='submit']"))
    saved = _dialog(wait, "Save your Key")
    key: str = wait.until(
        lambda d: next((w for w in saved.text.split() if w.startswith("sk-")), False)
    )
    return key


def _claim(driver: WebDriver, link: str, password: str) -> None:
    """The invited person's page: the email is filled in, a password chosen."""
    wait = WebDriverWait(driver, 60)
    driver.delete_all_cookies()
    driver.get(link)
    # the page fills the email in once LiteLLM has checked the link (and draws itself again)
    email = (By.CSS_SELECTOR, "input[type=email]")
    wait.until(ec.text_to_be_present_in_element_value(email, GRACE))
    wait.until(ec.element_to_be_clickable((By.NAME, "password"))).send_keys(password)
    driver.find_element(By.XPATH, "//button[@type='submit']").click()
    wait.until(ec.url_contains("login=success"))


def test_a_person_made_in_litellms_admin_ui_sees_exactly_their_models_in_open_webui(
    stack: tuple[Api, OpenWebUI], browser: WebDriver, tmp_path: Path
) -> None:
    api, server = stack
    base = f"http://127.0.0.1:{api.proxy.port}"
    wait = _admin_signs_in(browser, base)
    shots = [tmp_path / "litellm-invite-user.png", tmp_path / "litellm-create-key.png"]
    link = _invite(browser, wait, GRACE, shots[0])
    assert link.startswith(f"{base}/ui/onboarding?invitation_id=")
    key = _make_key(browser, wait, GRACE, "gpt-4", shots[1])

    rows = (
        api.litellm()
        .execute(
            "SELECT k.models AS key, u.models AS user, u.user_role "
            'FROM "LiteLLM_VerificationToken" k '
            'JOIN "LiteLLM_UserTable" u USING (user_id) WHERE u.user_email = %s',
            (GRACE,),
        )
        .fetchall()
    )
    assert rows == [  # what the UI asked LiteLLM for
        {"key": ["gpt-4"], "user": list(PERSONAL_MODELS), "user_role": "internal_user"}
    ], rows

    _claim(browser, link, PASSWORD)
    api.wait_for(
        lambda: server.sign_in(GRACE, PASSWORD)[0] == 200, "Grace's password in Open WebUI"
    )
    offered = offered_models(browser, server.base, GRACE, PASSWORD)
    assert offered == {"gpt-4"}, offered
    shots.append(tmp_path / "openwebui-grace-models.png")
    assert browser.save_screenshot(str(shots[-1]))
    # her own key is hers in LiteLLM: it works for gpt-4, not for what it does not grant
    assert api.chat(key, "gpt-4")[0] == 200
    assert api.chat(key, "gpt-3.5-turbo")[0] in (401, 403)
    publish(shots)
