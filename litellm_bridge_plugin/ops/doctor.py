"""`litellm-bridge doctor`: every check with its result and, when it fails, the fix.

Each check is independent: one that cannot run (a database down) marks those that need it
as skipped and the others still run. Results: ok, warn (works, but look), fail, skip.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psycopg
import yaml

from litellm_bridge_plugin import bridge_placeholder, releases
from litellm_bridge_plugin.capture import outbox, triggers
from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.engine import bridge_db, enrolment
from litellm_bridge_plugin.engine.sync import detect_schema
from litellm_bridge_plugin.errors import BridgeError
from litellm_bridge_plugin.litellm import service_key
from litellm_bridge_plugin.litellm.tables import fetch as litellm_fetch
from litellm_bridge_plugin.openwebui import config as openwebui_config
from litellm_bridge_plugin.ops import link as operator_link
from litellm_bridge_plugin.plan.enrolment import ADMIN_ROLES as ENROL_ADMIN_ROLES
from litellm_bridge_plugin.queries import query
from litellm_bridge_plugin.settings import Settings, mask_url
from litellm_bridge_plugin.sqlite import BUSY_TIMEOUT_MS, SQLiteConnection

CALLBACK = "litellm_bridge_callback.bridge"
LOADER_FILE = "litellm_bridge_callback.py"
STALE_OUTBOX_SECONDS = 300


@dataclass(frozen=True)
class Check:
    name: str
    result: str
    detail: str
    fix: str | None = None


def _owui_rows(conn: psycopg.Connection[Any], name: str) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(query("openwebui.sql", name), {})  # {}: "%%" in the SQL means "%"
        return cur.fetchall()


class Doctor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.checks: list[Check] = []
        self.litellm: psycopg.Connection[Any] | None = None
        self.openwebui: psycopg.Connection[Any] | None = None

    def add(self, name: str, result: str, detail: str, fix: str | None = None) -> None:
        self.checks.append(Check(name, result, detail, fix))

    def guarded(self, name: str, needs: list[Any], check: Callable[[], None]) -> None:
        if any(n is None for n in needs):
            self.add(name, "skip", "needs a database that is not reachable")
            return
        try:
            check()
        except (BridgeError, psycopg.Error) as exc:
            self.add(name, "fail", str(exc).splitlines()[0][:300], "see the message")

    def run(self) -> list[dict[str, Any]]:
        s = self.settings
        self.litellm = self._connect(s.litellm_database_url, "LiteLLM", "litellm database")
        self.openwebui = self._connect(s.openwebui_database_url, "Open WebUI", "openwebui database")
        try:
            self.guarded("openwebui schema", [self.openwebui], self._schema)
            if isinstance(self.openwebui, SQLiteConnection):
                self.guarded("openwebui file", [self.openwebui], self._sqlite_file)
            else:
                self.guarded("openwebui privileges", [self.openwebui], self._privileges)
            self.guarded("triggers", [self.litellm], self._triggers)
            self.guarded("outbox", [self.litellm], self._outbox)
            self.guarded("last sweep", [self.litellm], self._last_sweep)
            self.guarded("service key", [self.litellm], self._service_key)
            self._callback()
            self.guarded("openwebui connection", [self.openwebui], self._openwebui_settings)
            self.guarded("openwebui sign-up role", [self.openwebui], self._signup_role)
            self.guarded("duplicate emails", [self.litellm], self._duplicates)
            self.guarded("accounts", [self.litellm, self.openwebui], self._accounts)
            self.guarded("held accounts", [self.litellm, self.openwebui], self._held)
            self.guarded("enrolment", [self.litellm], self._enrolment)
        finally:
            for conn in (self.litellm, self.openwebui):
                if conn is not None:
                    conn.close()
        return [asdict(c) for c in self.checks]

    def _connect(self, url: str, what: str, name: str) -> psycopg.Connection[Any] | None:
        try:
            conn = connect(url, what, autocommit=True)
        except BridgeError as exc:
            self.add(name, "fail", str(exc), f"check the URL ({mask_url(url)}) and the server")
            return None
        self.add(name, "ok", f"reachable at {mask_url(url)}")
        return conn

    def _schema(self) -> None:
        assert self.openwebui is not None
        self.add("openwebui schema", "ok", detect_schema(self.openwebui).describe())

    def _privileges(self) -> None:
        assert self.openwebui is not None
        missing = _owui_rows(self.openwebui, "missing_privileges")
        if missing:
            shown = ", ".join(f"{r['privilege']} on {r['name']}" for r in missing[:8])
            self.add(
                "openwebui privileges",
                "fail",
                f"the bridge's role lacks {shown}",
                "run the SQL of `litellm-bridge grants` on Open WebUI's database again "
                "(an Open WebUI upgrade may have added tables)",
            )
        else:
            self.add("openwebui privileges", "ok", "every table the bridge writes is writable")

    def _sqlite_file(self) -> None:
        """Open WebUI on SQLite: the bridge's user must read and write the file and create
        SQLite's journal next to it; the journal mode is reported, never changed."""
        assert isinstance(self.openwebui, SQLiteConnection)
        path = self.openwebui.path
        lacking = [
            what
            for what, ok in (
                (f"read {path}", os.access(path, os.R_OK)),
                (f"write {path}", os.access(path, os.W_OK)),
                (
                    f"create files in {path.parent} (SQLite's journal)",
                    os.access(path.parent, os.W_OK),
                ),
            )
            if not ok
        ]
        if lacking:
            self.add(
                "openwebui file",
                "fail",
                f"the bridge's user ({getpass.getuser()}) cannot " + ", ".join(lacking),
                "run the bridge as the user Open WebUI runs as, or give that user's group "
                "read and write on the file and its directory (the data volume)",
            )
            return
        mode = str(self.openwebui.execute("PRAGMA journal_mode").fetchone()["journal_mode"])
        advice = (
            "Open WebUI reads while the bridge writes"
            if mode == "wal"
            else "a reader waits for the bridge's short write transactions (busy timeout "
            f"{BUSY_TIMEOUT_MS // 1000} s); WAL lets both go on at once: run `PRAGMA "
            "journal_mode=WAL` on the file once, with Open WebUI stopped (the bridge never "
            "changes it)"
        )
        self.add(
            "openwebui file",
            "ok",
            f"{path}: readable and writable, journal mode {mode}: {advice}; this must be the "
            "webui.db in Open WebUI's DATA_DIR (/app/backend/data in the official image)",
        )

    def _triggers(self) -> None:
        assert self.litellm is not None
        found = triggers.installed(self.litellm)
        if not found:
            self.add(
                "triggers",
                "skip",
                "not installed: changes made behind the proxy's back wait for the next sweep",
                "litellm-bridge install-triggers, if LiteLLM's tables change outside the proxy",
            )
            return
        tables = {row["table_name"] for row in found}
        missing = sorted(set(triggers.CAPTURED_TABLES) - tables)
        disabled = sorted(row["table_name"] for row in found if not row["enabled"])
        if missing or disabled:
            self.add(
                "triggers",
                "fail",
                f"missing on {missing or '-'}, disabled on {disabled or '-'}",
                "litellm-bridge install-triggers (idempotent)",
            )
        else:
            self.add("triggers", "ok", f"enabled on {len(tables)} tables")

    def _outbox(self) -> None:
        assert self.litellm is not None
        stats = outbox.stats(self.litellm)
        if stats is None:
            self.add("outbox", "skip", "no outbox (triggers not installed)")
            return
        oldest = stats.get("oldest_pending_seconds")
        detail = f"{stats['pending']} pending, {stats['dead']} dead"
        if stats["dead"]:
            rows = outbox.dead_rows(self.litellm, 3)
            errors = "; ".join(
                f"{r['entity_type']} {r['entity_id']}: {r['last_error']}" for r in rows
            )
            self.add(
                "outbox",
                "fail",
                f"{detail} ({errors})",
                "fix the cause shown, then litellm-bridge retry-failed",
            )
        elif oldest is not None and float(oldest) > STALE_OUTBOX_SECONDS:
            self.add(
                "outbox",
                "fail",
                f"{detail}; the oldest waits for {float(oldest):.0f}s",
                "start the proxy with the plugin, or litellm-bridge worker",
            )
        else:
            self.add("outbox", "ok", detail)

    def _last_sweep(self) -> None:
        assert self.litellm is not None
        bridge_db.ensure_schema(self.litellm)
        rows = bridge_db.fetch(self.litellm, "sync_lag")
        age = rows[0]["seconds_since_last_good_run"] if rows else None
        limit = 2 * self.settings.sweep_interval + 60
        if age is None:
            self.add(
                "last sweep",
                "fail",
                "no reconcile has finished yet",
                "start the proxy with the plugin (or litellm-bridge worker) or run sync",
            )
        elif float(age) > limit:
            error = rows[0]["error_since"]
            self.add(
                "last sweep",
                "fail",
                f"the last good reconcile was {float(age):.0f}s ago (sweeps every "
                f"{self.settings.sweep_interval:g}s)" + (f"; since then: {error}" if error else ""),
                "is the proxy with the plugin running? its log says why sweeps fail",
            )
        else:
            self.add("last sweep", "ok", f"{float(age):.0f}s ago")

    def _service_key(self) -> None:
        assert self.litellm is not None
        master = service_key.proxy_master_key(self.settings.litellm_config)
        found = service_key.inspect(self.litellm, self.settings, master)
        if not found.problems:
            self.add("service key", "ok", found.describe())
            return
        self.add(
            "service key",
            found.result,
            "; ".join(p.problem for p in found.problems) + f" [{found.describe()}]",
            "; ".join(p.fix for p in found.problems),
        )

    def _callback(self) -> None:
        path = self.settings.litellm_config
        if path is None:
            self.add("proxy config", "skip", "BRIDGE_LITELLM_CONFIG is not set")
            return
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            self.add("proxy config", "fail", f"cannot read {path}: {exc}", "fix the file")
            return
        settings = loaded.get("litellm_settings") if isinstance(loaded, dict) else None
        callbacks = settings.get("callbacks") if isinstance(settings, dict) else None
        names = callbacks if isinstance(callbacks, list) else [callbacks]
        fix = (
            f"put {LOADER_FILE} (one line: from litellm_bridge_plugin import bridge) beside "
            f'{path.name} and add: litellm_settings: {{callbacks: ["{CALLBACK}"]}}'
        )
        reasons = []
        for name in (n for n in names if isinstance(n, str) and "bridge" in n):
            # LiteLLM's own loader, as the proxy will run it at start (it executes that file)
            try:
                with bridge_placeholder() as bridge:
                    loaded = releases.load_callback(name, str(path))
                if loaded is bridge:
                    self.add("proxy config", "ok", f"{path} names {name}, which loads the bridge")
                    return
                reasons.append(f"{name} loads something other than the bridge")
            except Exception as exc:  # what LiteLLM's loader says, whatever it raised
                reasons.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
        detail = "; ".join(reasons) or "it names no bridge callback in litellm_settings.callbacks"
        self.add("proxy config", "fail", f"{path}: {detail}", fix)

    def _openwebui_settings(self) -> None:
        assert self.openwebui is not None
        urls = self._openwebui_urls()
        forward = (
            "user-info forwarding (ENABLE_FORWARD_USER_INFO_HEADERS) is an environment setting "
            "of Open WebUI and cannot be read here: make sure it is true"
        )
        if urls is None:
            self.add("openwebui connection", "warn", "no saved connection settings; " + forward)
        elif not urls:
            self.add(
                "openwebui connection",
                "fail",
                "Open WebUI has no OpenAI-style connection: it cannot reach LiteLLM",
                "set OPENAI_API_BASE_URL=http://<proxy>/v1 and OPENAI_API_KEY in Open WebUI",
            )
        else:
            self.add("openwebui connection", "warn", f"connections {urls}; " + forward)

    def _openwebui_urls(self) -> list[str] | None:
        assert self.openwebui is not None
        values = openwebui_config.read_config(
            self.openwebui, detect_schema(self.openwebui), "openai"
        )
        if not values:
            return None
        if values.get("openai.enable") is False:
            return []
        return [str(u) for u in values.get("openai.api_base_urls") or []]

    def _signup_role(self) -> None:
        assert self.openwebui is not None
        mode = self.settings.link_existing
        found = openwebui_config.signup_role(self.openwebui, detect_schema(self.openwebui))
        if mode != "verified":
            self.add(
                "openwebui sign-up role",
                "ok",
                f"{found.describe()} (not used: "
                f"BRIDGE_LINK_EXISTING={mode} links no account for its role)",
            )
            return
        if found.role == "pending":
            self.add(
                "openwebui sign-up role",
                "ok",
                f"{found.describe()}: an account with role 'user' was approved by an admin",
            )
            return
        self.add(
            "openwebui sign-up role",
            "warn",
            f"{found.describe()}: an account with role 'user' "
            + ("or 'admin' " if found.role == "admin" else "")
            + "may be anyone's sign-up, so the bridge holds it instead of linking it "
            "(BRIDGE_LINK_EXISTING=verified)",
            "set Default User Role to 'pending' in Open WebUI's admin settings (Settings > "
            "General), then check any 'user' account that signed up before (litellm-bridge "
            "verify-user EMAIL), as it will count as approved; or have people sign in through "
            "SSO, or vouch for each account with litellm-bridge link EMAIL",
        )

    def _duplicates(self) -> None:
        assert self.litellm is not None
        dups = litellm_fetch(self.litellm, "duplicate_emails")
        if dups:
            shown = "; ".join(f"{d['email']}: {', '.join(d['user_ids'])}" for d in dups[:5])
            self.add(
                "duplicate emails",
                "fail",
                f"{len(dups)} email(s) shared by several LiteLLM users ({shown})",
                "give each LiteLLM user its own email; the bridge skips them until then",
            )
        else:
            self.add("duplicate emails", "ok", "every LiteLLM email belongs to one user")

    def _accounts(self) -> None:
        assert self.litellm is not None and self.openwebui is not None
        litellm_users = {
            r["email"]: r["user_id"] for r in litellm_fetch(self.litellm, "user_emails")
        }
        accounts = {r["email"]: r for r in _owui_rows(self.openwebui, "account_emails")}
        missing = sorted(set(litellm_users) - set(accounts))
        extra = sorted(e for e in set(accounts) - set(litellm_users))
        if missing:
            self.add(
                "accounts",
                "fail",
                f"{len(missing)} LiteLLM user(s) without an Open WebUI account: "
                + ", ".join(missing[:5]),
                "litellm-bridge sync; if they stay missing, litellm-bridge verify-user EMAIL",
            )
        else:
            self.add("accounts", "ok", "every LiteLLM user with an email has an account")
        if extra:
            self.add(
                "local accounts",
                "warn",
                f"{len(extra)} Open WebUI account(s) LiteLLM does not know: "
                + ", ".join(extra[:5]),
                "fine for local admins; otherwise create them in LiteLLM or remove them",
            )

    def _held(self) -> None:
        assert self.litellm is not None and self.openwebui is not None
        mode = self.settings.link_existing
        held = operator_link.held_accounts(self.litellm, self.openwebui, mode)
        if not held:
            self.add("held accounts", "ok", f"none (BRIDGE_LINK_EXISTING={mode})")
            return
        self.add(
            "held accounts",
            "fail",
            f"{len(held)} Open WebUI account(s) not linked to the LiteLLM user with the same "
            f"email, so not managed (BRIDGE_LINK_EXISTING={mode}): "
            + ", ".join(f"{h.email} (role {h.role})" for h in held[:5]),
            "if an account is that person's: litellm-bridge link EMAIL; otherwise delete it "
            "in Open WebUI and the bridge creates the person's account",
        )

    def _enrolment(self) -> None:
        s = self.settings
        if s.enrol == "none":
            self.add("enrolment", "ok", "off (BRIDGE_ENROL=none): only LiteLLM makes people")
            return
        role = _default_role(s.litellm_config)
        if role in ENROL_ADMIN_ROLES:
            self.add(
                "enrolment",
                "fail",
                f"BRIDGE_ENROL={s.enrol} but LiteLLM's default_internal_user_params.user_role "
                f"is {role!r}: the proxy refuses to start (enrolment would make admins)",
                "give default_internal_user_params an internal_user role",
            )
            return
        assert self.litellm is not None
        found = enrolment.status(self.litellm, s)
        said = (
            f"{s.enrol}, in the proxy only: {found['enrolled']} enrolled, "
            f"{len(found['held'])} held (`litellm-bridge status`)"
        )
        if s.access_source == "keys" and not s.enrol_key:
            self.add(
                "enrolment",
                "warn",
                said + "; enrolled people get no key, so with BRIDGE_ACCESS_SOURCE=keys they "
                "see no models until someone makes them one",
                "set BRIDGE_ENROL_KEY=true (a personal key by LiteLLM's defaults)",
            )
            return
        if role is None and s.litellm_config is None:
            said += "; LiteLLM's defaults not checked (BRIDGE_LITELLM_CONFIG is not set)"
        self.add("enrolment", "ok", said)


def _default_role(config: Path | None) -> str | None:
    """``litellm_settings.default_internal_user_params.user_role`` of the proxy's config."""
    if config is None:
        return None
    try:
        loaded = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None  # the "proxy config" check says why
    litellm = loaded.get("litellm_settings") if isinstance(loaded, dict) else None
    defaults = litellm.get("default_internal_user_params") if isinstance(litellm, dict) else None
    role = defaults.get("user_role") if isinstance(defaults, dict) else None
    return role if isinstance(role, str) else None


def run_checks(settings: Settings) -> list[dict[str, Any]]:
    return Doctor(settings).run()
