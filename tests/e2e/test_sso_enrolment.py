"""Open WebUI first (issue 24), end to end: people sign in to the real Open WebUI through a
real OpenID Connect provider run here (tests/fixtures/oidc.py), in front of the real proxy
with its own database and the plugin with ``BRIDGE_ENROL=sso``. Nothing is written by SQL
except Open WebUI's saved sign-up role, as its admin settings page saves it.

On PostgreSQL and on Open WebUI's SQLite file: a new SSO person becomes a LiteLLM user with
LiteLLM's defaults, sees those models, chats, and pays with their own key; a password sign-up
is not enrolled; a pending account waits for an Open WebUI admin's approval; a person deleted
in LiteLLM stays out; hostile sign-ins (an admin's email, the same with other case and
spaces, another domain, a flood, a race with an administrator) make no admin, take nobody
over and make nobody twice. And in a real browser, with screenshots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from devtools.stack import openwebui_connection_env
from tests.fixtures.litellm_api import ALIAS, OPENWEBUI_ROUTES, Api, real_litellm
from tests.fixtures.oidc import (
    PROVIDER_NAME,
    SignIn,
    openwebui_sso_env,
    provider,
    set_person,
    sso_sign_in,
)
from tests.fixtures.support import owui_save_signup_role

from .browser import MODEL_BUTTON, model_name, open_model_selector, publish
from .chain import NEWEST
from .openwebui_harness import OpenWebUI, running_openwebui

pytestmark = pytest.mark.proxy

DEFAULTS = (
    "  default_internal_user_params: {user_role: internal_user, models: [gpt-4], max_budget: 5}\n"
)
ADMIN = "admin@corp.example"
ADMIN_PASSWORD = "Admin-Corp-2026"
SERVICE = "sk-sso-test-openwebui"
WITHIN = 10.0
"""Seconds an enrolment may take here (a look a second; a loaded CI machine). The times
measured are printed (-s)."""


@dataclass
class Sso:
    api: Api
    server: OpenWebUI
    issuer: str
    admin_token: str
    dialect: str

    @property
    def base(self) -> str:
        return self.server.base

    def sign_in(self, sub: str, email: str, name: str = "") -> SignIn:
        set_person(self.issuer, sub, email, name or email.split("@")[0])
        return sso_sign_in(self.base, sub)

    def account(self, email: str) -> dict[str, Any]:
        return self.api.databases.owui_users()[email]

    def litellm_users(self, email: str) -> list[dict[str, Any]]:
        return (
            self.api.litellm()
            .execute(
                'SELECT user_id, user_role, models, max_budget FROM "LiteLLM_UserTable" '
                "WHERE lower(btrim(user_email)) = lower(btrim(%s))",
                (email,),
            )
            .fetchall()
        )

    def audit(self, account: str) -> list[dict[str, Any]]:
        return (
            self.api.litellm()
            .execute(
                "SELECT entity_id, result, error, after FROM litellm_bridge.sync_audit "
                "WHERE operation = 'enrol' AND (entity_id = %s OR after ->> 'openwebui_id' = %s) "
                "ORDER BY id",
                (account, account),
            )
            .fetchall()
        )

    def approve(self, account: str) -> None:
        """An Open WebUI admin approves a pending account on Open WebUI's users page."""
        status, answer = self.server.call(
            "POST", f"/api/v1/users/{account}/update", {"role": "user"}, token=self.admin_token
        )
        assert status == 200, answer

    def signup_role(self, role: str) -> None:
        """Open WebUI's "Default User Role" as its admin settings page saves it."""
        with self.api.databases.openwebui() as conn:
            owui_save_signup_role(conn, role)  # committed as the connection closes


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def sso(
    request: pytest.FixtureRequest,
    pg_server: str,
    templates: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Sso]:
    version = NEWEST[0][0]
    directory = tmp_path_factory.mktemp(f"sso-{request.param}")
    sqlite = directory / "webui.db" if request.param == "sqlite" else None
    with (
        provider() as issuer,
        real_litellm(
            pg_server,
            templates,
            directory,
            version,
            litellm=DEFAULTS,
            sqlite_file=sqlite,
            BRIDGE_ENROL="sso",
            BRIDGE_ENROL_DOMAINS="corp.example",
            BRIDGE_ENROL_KEY="true",
        ) as api,
    ):
        admin = api.ok("/user/new", {"user_email": ADMIN, "user_role": "proxy_admin"})
        api.ok("/user/update", {"user_id": admin["user_id"], "password": ADMIN_PASSWORD})
        api.ok(
            "/key/generate",
            {"key": SERVICE, "key_alias": ALIAS, "allowed_routes": OPENWEBUI_ROUTES},
        )
        api.wait_for(lambda: len(api.databases.owui_models()) == 3, "the served models")
        api.wait_for(lambda: "1 live key(s) match" in api.proxy.log, "the service key")
        with running_openwebui(
            version,
            api.databases.admin_openwebui_url,
            directory,
            **openwebui_connection_env(f"http://127.0.0.1:{api.proxy.port}", SERVICE),
            **openwebui_sso_env(issuer),
        ) as server:
            status, answer = server.sign_in(ADMIN, ADMIN_PASSWORD)
            assert status == 200, answer
            found = Sso(api, server, issuer, answer["token"], request.param)
            found.signup_role("user")  # what most SSO deployments choose
            yield found


def _key_hashes(sso: Sso, user_id: str) -> list[str]:
    rows = sso.api.litellm().execute(
        'SELECT token FROM "LiteLLM_VerificationToken" WHERE user_id = %s', (user_id,)
    )
    return [r["token"] for r in rows.fetchall()]


def test_a_new_sso_person_sees_litellms_default_models_chats_and_pays(sso: Sso) -> None:
    began = time.monotonic()
    signed = sso.sign_in("nina-1", "nina@corp.example", "Nina")
    assert signed.token and signed.landed.endswith("/auth"), signed
    (made,) = sso.api.wait_for(
        lambda: sso.litellm_users("nina@corp.example"), "Nina's enrolment", WITHIN
    )
    enrolled = time.monotonic() - began
    assert made["user_role"] == "internal_user" and made["models"] == ["gpt-4"]
    assert made["max_budget"] == 5
    sso.api.wait_for(lambda: sso.server.model_ids(signed.token) == {"gpt-4"}, "Nina's models")
    print(
        f"\n  [{sso.dialect}] enrolled {enrolled:.1f} s after the sign-in began; her models in "
        f"Open WebUI {time.monotonic() - began:.1f} s after"
    )
    account = sso.account("nina@corp.example")
    (row,) = sso.audit(account["id"])
    assert row["result"] == "SUCCESS" and row["after"]["sso"] is True, row
    status, answer = sso.server.chat(signed.token, "gpt-4")
    assert status == 200, answer
    (key,) = _key_hashes(sso, made["user_id"])  # BRIDGE_ENROL_KEY: her own key
    spent = sso.api.wait_for(
        lambda: (
            sso.api.litellm()
            .execute(
                'SELECT api_key, "user" FROM "LiteLLM_SpendLogs" WHERE "user" = %s',
                (made["user_id"],),
            )
            .fetchall()
        ),
        "LiteLLM's spend log of her call",
    )
    assert {(r["api_key"], r["user"]) for r in spent} == {(key, made["user_id"])}
    status, _ = sso.server.chat(signed.token, "gpt-3.5-turbo")
    assert status != 200  # not hers: Open WebUI does not offer it, LiteLLM would refuse it
    assert sso.account("nina@corp.example")["role"] == "user"  # her Open WebUI role untouched


def test_a_password_sign_up_is_not_enrolled(sso: Sso) -> None:
    status, answer = sso.server.call(
        "POST",
        "/api/v1/auths/signup",
        {"name": "Pat", "email": "pat@corp.example", "password": "Pat-Password-1"},
    )
    assert status == 200, answer
    account = sso.account("pat@corp.example")["id"]
    (row,) = sso.api.wait_for(lambda: sso.audit(account), "Pat's held audit", WITHIN)
    assert row["result"] == "SKIPPED" and "SSO" in row["error"], row
    assert sso.litellm_users("pat@corp.example") == []


def test_a_pending_sso_account_waits_for_an_open_webui_admins_approval(sso: Sso) -> None:
    sso.signup_role("pending")
    try:
        sso.sign_in("rita-1", "rita@corp.example")
    finally:
        sso.signup_role("user")
    rita = sso.account("rita@corp.example")
    assert rita["role"] == "pending", rita  # Open WebUI shows her its "pending" page
    account = rita["id"]
    (row,) = sso.api.wait_for(lambda: sso.audit(account), "Rita's held audit", WITHIN)
    assert row["result"] == "SKIPPED" and "approves" in row["error"], row
    time.sleep(2)  # two more looks
    assert sso.litellm_users("rita@corp.example") == []
    began = time.monotonic()
    sso.approve(account)
    sso.api.wait_for(lambda: sso.litellm_users("rita@corp.example"), "Rita's enrolment", WITHIN)
    print(f"\n  [{sso.dialect}] enrolled {time.monotonic() - began:.1f} s after her approval")


def test_a_person_deleted_in_litellm_stays_out(sso: Sso) -> None:
    sso.sign_in("tom-1", "tom@corp.example")
    (made,) = sso.api.wait_for(
        lambda: sso.litellm_users("tom@corp.example"), "Tom's enrolment", WITHIN
    )
    sso.api.ok("/user/delete", {"user_ids": [made["user_id"]]})
    sso.api.wait_for(
        lambda: not sso.account("tom@corp.example")["active"], "Tom's account deactivated"
    )
    again = sso.sign_in("tom-1", "tom@corp.example")  # he tries again through SSO
    assert again.token is None and again.landed.startswith("refused"), again
    time.sleep(3)  # three looks
    assert sso.litellm_users("tom@corp.example") == []
    tom = sso.account("tom@corp.example")
    assert not tom["active"], tom  # deactivated (its login row), as the bridge left it


def test_an_sso_sign_in_with_an_admins_email_makes_no_admin_and_takes_nobody_over(
    sso: Sso,
) -> None:
    """The provider says a new subject has the LiteLLM admin's email: Open WebUI refuses it
    (the email is taken, accounts are not merged by email); with other case and spaces,
    Open WebUI makes a separate account, which enrolment holds (LiteLLM has that email) and
    which gets nothing of the admin's."""
    before = sso.account(ADMIN)
    same = sso.sign_in("mallory-1", ADMIN)
    assert same.token is None and "error" in same.landed, same
    spaced = sso.sign_in("mallory-2", "  Admin@Corp.Example ")
    print(f"\n  [{sso.dialect}] the admin's email: {same.landed}; with case and spaces: {spaced}")
    time.sleep(3)  # three looks
    (admin,) = sso.litellm_users(ADMIN)  # nobody made with the admin's email
    assert admin["user_role"] == "proxy_admin"
    assert sso.account(ADMIN)["id"] == before["id"]
    if spaced.token is not None:
        users = sso.api.databases.owui_users()
        others = {e: r for e, r in users.items() if e.strip() == ADMIN and e != ADMIN}
        for row in others.values():
            assert row["role"] != "admin"
            assert sso.audit(row["id"]) == [] or sso.audit(row["id"])[-1]["result"] != "SUCCESS"
        assert sso.server.model_ids(spaced.token) == set()


def test_an_sso_sign_in_from_another_domain_is_held(sso: Sso) -> None:
    signed = sso.sign_in("eve-1", "eve@other.example")
    assert signed.token, signed
    account = sso.account("eve@other.example")["id"]
    (row,) = sso.api.wait_for(lambda: sso.audit(account), "Eve's held audit", WITHIN)
    assert row["result"] == "SKIPPED" and "domain" in row["error"], row
    assert sso.litellm_users("eve@other.example") == []
    assert sso.server.model_ids(signed.token) == set()


FLOOD = 40


def test_a_flood_of_sign_ups_is_enrolled_once_each_while_calls_are_served(sso: Sso) -> None:
    """FLOOD people sign in at once (8 at a time): each becomes exactly one LiteLLM user,
    linked once; an enrolled person's calls are served throughout."""
    nina = sso.sign_in("nina-1", "nina@corp.example")
    assert nina.token
    emails = [f"flood{n:03}@corp.example" for n in range(FLOOD)]
    failures: list[str] = []
    chats: list[int] = []

    def sign_in_some(part: list[str]) -> None:
        for email in part:
            try:
                sso.sign_in(email, email)
            except AssertionError as exc:  # pragma: no cover - reported below
                failures.append(f"{email}: {exc}")

    def chat_meanwhile(stop: threading.Event) -> None:
        while not stop.is_set():
            chats.append(sso.server.chat(nina.token or "", "gpt-4")[0])

    stop = threading.Event()
    chatter = threading.Thread(target=chat_meanwhile, args=(stop,))
    chatter.start()
    began = time.monotonic()
    workers = [threading.Thread(target=sign_in_some, args=(emails[i::8],)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert failures == []

    def enrolled() -> int:
        found = sso.api.litellm().execute(
            'SELECT count(*) AS n FROM "LiteLLM_UserTable" WHERE user_email LIKE %s',
            ("flood%@corp.example",),
        )
        return int(found.fetchone()["n"])

    sso.api.wait_for(lambda: enrolled() >= FLOOD, "the flood's enrolments", 60)
    took = time.monotonic() - began
    stop.set()
    chatter.join()
    print(
        f"\n  [{sso.dialect}] {FLOOD} SSO sign-ups enrolled in {took:.1f} s; "
        f"{len(chats)} calls meanwhile, statuses {sorted(set(chats))}"
    )
    time.sleep(2)  # two more looks: nobody made twice
    assert enrolled() == FLOOD
    links = sso.api.litellm().execute(
        "SELECT count(*) AS n, count(DISTINCT l.litellm_id) AS users "
        'FROM litellm_bridge.link l JOIN "LiteLLM_UserTable" u ON u.user_id = l.litellm_id '
        "WHERE l.entity_type = 'user' AND u.user_email LIKE %s",
        ("flood%@corp.example",),
    )
    assert links.fetchone() == {"n": FLOOD, "users": FLOOD}
    assert chats and set(chats) == {200}


def test_an_administrator_creating_the_same_person_at_once_makes_one_user(sso: Sso) -> None:
    """The race: an administrator makes Uma in LiteLLM (``/user/new``) while she signs in
    through SSO. One LiteLLM user has her email, linked to her one Open WebUI account."""
    answers: list[tuple[int, Any]] = []
    admin = threading.Thread(
        target=lambda: answers.append(
            sso.api.call("/user/new", {"user_email": "uma@corp.example", "auto_create_key": False})
        )
    )
    set_person(sso.issuer, "uma-1", "uma@corp.example", "Uma")
    admin.start()
    signed = sso_sign_in(sso.base, "uma-1")
    admin.join()
    time.sleep(3)  # three looks, a sweep
    users = sso.litellm_users("uma@corp.example")
    accounts = [e for e in sso.api.databases.owui_users() if e.strip() == "uma@corp.example"]
    print(f"\n  [{sso.dialect}] race: admin's /user/new {answers[0][0]}, sign-in {signed.landed}")
    assert len(users) == 1, users
    assert len(accounts) == 1, accounts
    account = sso.account("uma@corp.example")["id"]
    sso.api.wait_for(
        lambda: (
            sso.api.litellm()
            .execute(
                "SELECT litellm_id FROM litellm_bridge.link WHERE openwebui_id = %s", (account,)
            )
            .fetchall()
            == [{"litellm_id": users[0]["user_id"]}]
        ),
        "Uma's one account linked to her one user",
    )


def test_in_a_browser_a_new_person_signs_in_with_sso_and_sees_the_default_models(
    sso: Sso, browser: WebDriver, tmp_path: Path
) -> None:
    """Zoe's first visit: Open WebUI's sign-in page, "Continue with Corp SSO", the
    provider's page, back in Open WebUI's chat, whose model selector offers LiteLLM's
    defaults (gpt-4) once she is enrolled."""
    set_person(sso.issuer, "zoe-1", "zoe@corp.example", "Zoe")
    wait = WebDriverWait(browser, 60)
    browser.get(f"{sso.base}/auth")
    button = wait.until(
        ec.element_to_be_clickable(
            (By.XPATH, f"//button[contains(., 'Continue with {PROVIDER_NAME}')]")
        )
    )
    shots = [tmp_path / "openwebui-sso-sign-in.png", tmp_path / "oidc-provider-authorize.png"]
    browser.save_screenshot(str(shots[0]))
    button.click()
    subject = wait.until(ec.presence_of_element_located((By.NAME, "sub")))
    subject.send_keys("zoe-1")
    browser.save_screenshot(str(shots[1]))
    browser.find_element(By.XPATH, "//button[normalize-space()='Authorize']").click()
    wait.until(ec.element_to_be_clickable(MODEL_BUTTON))
    sso.api.wait_for(lambda: sso.litellm_users("zoe@corp.example"), "Zoe's enrolment", WITHIN)

    def offered() -> set[str]:
        browser.refresh()
        return {model_name(o) for o in open_model_selector(browser, wait)} - {""}

    deadline = time.monotonic() + WITHIN
    while (found := offered()) != {"gpt-4"} and time.monotonic() < deadline:
        time.sleep(1)
    assert found == {"gpt-4"}
    shots.append(tmp_path / "openwebui-sso-models.png")
    browser.save_screenshot(str(shots[-1]))
    if sso.dialect == "postgresql":
        publish(shots)
