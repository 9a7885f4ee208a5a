"""The demo's company, made the way an operator makes it: through LiteLLM's management API.

The integration guide's company (``devtools.litellm_seed`` writes the same by SQL for the
tests that need LiteLLM's rows without a running proxy): teams "AI Research Team" (Alice) and
"Product Team" (Bob), Carol a proxy admin; Alice holds a key of her team, Bob a gpt-3.5-turbo
key and a 7-day gpt-4 key of the "Premium" team, Carol an all-models key, Erin a blocked key,
Frank has spent his budget, Dave has no key. The organisation "Tech Company Inc" is made when
LiteLLM serves ``/organization/new`` (releases that keep it for Enterprise licences refuse it;
the company then has none, and says so).
"""

from __future__ import annotations

from collections.abc import Callable

from devtools.management import Management, ManagementError
from litellm_bridge_plugin.litellm.service_key import OPENWEBUI_ROUTES

CATALOG = ("gpt-4", "gpt-3.5-turbo", "claude-3-sonnet")
ORGANIZATION = "Tech Company Inc"
TEAMS = {
    "team-ai-research": ("AI Research Team", ["gpt-4", "claude-3-sonnet"]),
    "team-product": ("Product Team", ["gpt-3.5-turbo"]),
    "team-product-premium": ("Premium", ["gpt-4"]),
}
PEOPLE = {
    # user id: (role, team joined, user-level models, max budget, spend)
    "alice": ("internal_user", "team-ai-research", [], None, 0.0),
    "bob": ("internal_user", "team-product", ["gpt-3.5-turbo"], None, 0.0),
    "carol": ("proxy_admin", None, [], None, 0.0),
    "dave": ("internal_user", None, [], None, 0.0),
    "erin": ("internal_user", None, [], None, 0.0),
    "frank": ("internal_user", None, [], 10.0, 12.5),
}
KEYS = {
    # alias: (user, models, team, duration, blocked)
    "alice-research": ("alice", [], "team-ai-research", None, False),
    "bob-basic": ("bob", ["gpt-3.5-turbo"], None, None, False),
    "bob-premium-7d": ("bob", ["gpt-4"], "team-product-premium", "7d", False),
    "carol-admin": ("carol", ["all-proxy-models"], None, None, False),
    "erin-blocked": ("erin", ["gpt-4"], None, None, True),
    "frank-basic": ("frank", ["gpt-3.5-turbo"], None, None, False),
}
SERVICE_KEY_ALIAS = "openwebui_global_key"


def email(user_id: str) -> str:
    return f"{user_id}@techcompany.com"


def create_service_key(api: Management, value: str) -> None:
    """Open WebUI's own key, as docker-compose.yml's ``openwebui-key`` step makes it: made by
    the master key, limited to the routes Open WebUI calls, carrying the trusted alias."""
    api.ok(
        "/key/generate",
        {
            "key": value,
            "key_alias": SERVICE_KEY_ALIAS,
            "allowed_routes": list(OPENWEBUI_ROUTES),
            "metadata": {"purpose": "Open WebUI's connection; every call checked by the bridge"},
        },
    )


def create_organization(api: Management) -> str | None:
    """The company's organisation, or None where LiteLLM refuses ``/organization/new``."""
    status, answer = api.call(
        "/organization/new",
        {"organization_alias": ORGANIZATION, "models": list(CATALOG), "max_budget": 1000},
    )
    if status != 200:
        return None
    return str(answer["organization_id"])


def build(api: Management, say: Callable[[str], None] = print) -> str | None:
    """The company through the API, each call printed as ``say``'s line; the organisation's
    id (None when this LiteLLM refuses it)."""
    organization = create_organization(api)
    if organization is None:
        say(f"  /organization/new refused (an Enterprise feature here): no '{ORGANIZATION}'")
    else:
        say(f"  /organization/new        {ORGANIZATION}")
    in_org = {"organization_id": organization} if organization else {}
    for team_id, (alias, models) in TEAMS.items():
        api.ok("/team/new", {"team_id": team_id, "team_alias": alias, "models": models} | in_org)
        say(f"  /team/new                {alias} ({', '.join(models)})")
    for user_id, (role, team, models, budget, spend) in PEOPLE.items():
        person: dict[str, object] = {
            "user_id": user_id,
            "user_email": email(user_id),
            "user_alias": user_id.title(),
            "user_role": role,
            "auto_create_key": False,
        }
        if models:
            person["models"] = models
        if budget is not None:
            person |= {"max_budget": budget, "spend": spend}
        api.ok("/user/new", person)
        if organization:
            member = {"user_id": user_id, "role": "internal_user"}
            call = {"organization_id": organization, "member": [member]}
            try:
                api.ok("/organization/member_add", call)
            except ManagementError as exc:
                say(f"  /organization/member_add {user_id}: {exc}")
        if team:
            member = {"user_id": user_id, "role": "user"}
            api.ok("/team/member_add", {"team_id": team, "member": [member]})
        say(
            f"  /user/new                {email(user_id)} ({role})"
            + (f" -> {team}" if team else "")
        )
    for alias, (user_id, models, team, duration, blocked) in KEYS.items():
        request: dict[str, object] = {"user_id": user_id, "key_alias": alias, "models": models}
        if team:
            request["team_id"] = team
        if duration:
            request["duration"] = duration
        key = api.ok("/key/generate", request)["key"]
        if blocked:
            api.ok("/key/block", {"key": key})
        say(f"  /key/generate            {alias}" + (" then /key/block" if blocked else ""))
    return organization


def set_passwords(api: Management, passwords: dict[str, str]) -> None:
    """Each person's password, by ``/user/update`` (the bridge takes it to Open WebUI)."""
    for address, password in passwords.items():
        api.ok("/user/update", {"user_id": address.split("@")[0], "password": password})
