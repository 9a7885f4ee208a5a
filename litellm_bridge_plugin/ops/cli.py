"""``litellm-bridge``: sync, status and audit from the command line.

Exit codes: 0 all went well, 1 some changes failed, 2 configuration or connection errors
(and invalid arguments).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import metadata
from typing import Any

from litellm_bridge_plugin import __version__
from litellm_bridge_plugin.capture import outbox, triggers
from litellm_bridge_plugin.connections import connect
from litellm_bridge_plugin.domain import Scope
from litellm_bridge_plugin.engine import bridge_db, enrolment, passwords
from litellm_bridge_plugin.engine.sync import detect_schema, reconcile
from litellm_bridge_plugin.engine.worker import BridgeWorker
from litellm_bridge_plugin.errors import BridgeError
from litellm_bridge_plugin.litellm import service_key
from litellm_bridge_plugin.litellm import tables as litellm_db
from litellm_bridge_plugin.logs import ensure_log_handler
from litellm_bridge_plugin.ops import doctor, progress, report, verify
from litellm_bridge_plugin.ops import link as operator_link
from litellm_bridge_plugin.ops import rendering as operator_report
from litellm_bridge_plugin.ops import role_grants as grants
from litellm_bridge_plugin.ops.serve import serve
from litellm_bridge_plugin.queries import queries
from litellm_bridge_plugin.releases import SUPPORTED_LITELLM
from litellm_bridge_plugin.settings import Settings, load_settings

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


class UsageError(Exception):
    """The command cannot do what was asked; nothing was changed (exit 1)."""


MAX_AUDIT_LIMIT = 10_000
_DURATION = re.compile(r"^(\d{1,6})([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> datetime:
    """``30m``, ``1h``, ``7d``… before now, or an ISO 8601 timestamp (UTC if no zone)."""
    match = _DURATION.match(text.strip())
    if match:
        return datetime.now(UTC) - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text[:40]!r} is neither a duration like 30m, 1h, 7d nor an ISO timestamp"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a whole number") from None
    if not 1 <= value <= MAX_AUDIT_LIMIT:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_AUDIT_LIMIT}")
    return value


def parse_port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text[:40]!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 1 and 65535")
    return value


def version_line() -> str:
    """``litellm-bridge 0.2.0 (LiteLLM 1.106.12; supported 1.77.3 to 1.108.7)``, read
    without importing LiteLLM."""
    try:
        litellm_version = metadata.version("litellm")
    except metadata.PackageNotFoundError:
        litellm_version = "not installed"
    low, high = SUPPORTED_LITELLM
    return f"litellm-bridge {__version__} (LiteLLM {litellm_version}; supported {low} to {high})"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="litellm-bridge",
        description="Keep Open WebUI's users and groups in step with LiteLLM.",
        epilog="Settings come from the environment: BRIDGE_OPENWEBUI_DATABASE_URL, "
        "BRIDGE_LITELLM_DATABASE_URL (or DATABASE_URL), see the README.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=version_line(),
        help="the bridge's version and the LiteLLM release installed beside it",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sync = commands.add_parser("sync", help="make Open WebUI match LiteLLM now")
    sync.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    sync.add_argument("--json", action="store_true", help="machine-readable output")
    sync.add_argument(
        "--quiet", action="store_true", help="no progress on stderr (phases, n of m, rate)"
    )
    status = commands.add_parser("status", help="counts on both sides, last sync, failures")
    status.add_argument("--json", action="store_true", help="machine-readable output")
    audit = commands.add_parser("audit", help="what the bridge changed, newest first")
    audit.add_argument("--failed", action="store_true", help="only failed changes")
    audit.add_argument("--since", type=parse_since, help="e.g. 1h, 30m, 7d or an ISO time")
    audit.add_argument("--limit", type=parse_limit, default=50, help="rows (default 50)")
    audit.add_argument("--json", action="store_true", help="machine-readable output")
    commands.add_parser(
        "install-triggers",
        help="capture changes made behind the proxy's back (idempotent, one transaction)",
    )
    commands.add_parser("uninstall-triggers", help="remove triggers, function and outbox")
    worker = commands.add_parser(
        "worker", help="run sweeps and the outbox consumer without the plugin (until Ctrl-C)"
    )
    worker.add_argument(
        "--no-sweep", action="store_true", help="only consume the outbox, no periodic sweeps"
    )
    worker.add_argument(
        "--metrics-port",
        type=parse_port,
        help="serve /metrics (Prometheus) and /health on this port (docs/observability.md)",
    )
    worker.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="the address to serve them on (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    commands.add_parser("retry-failed", help="give parked (dead) outbox rows new attempts")
    set_password = commands.add_parser(
        "set-password",
        help="set the Open WebUI password of a user the bridge created (read from stdin)",
    )
    set_password.add_argument("email", help="the LiteLLM user's email (any case)")
    link = commands.add_parser(
        "link",
        help="link the Open WebUI account with this email to its LiteLLM user, on your word",
    )
    link.add_argument("email", help="the person's email (any case)")
    link.add_argument(
        "--account-id",
        help="the Open WebUI account id you checked (verify-user shows it): refuse if the "
        "account with the email is another one",
    )
    verify = commands.add_parser(
        "verify-user", help="one person in LiteLLM and Open WebUI, every model and why"
    )
    verify.add_argument("email", help="the person's email (any case)")
    verify.add_argument("--json", action="store_true", help="machine-readable output")
    doctor_cmd = commands.add_parser(
        "doctor", help="check everything the bridge relies on; the fix for each failure"
    )
    doctor_cmd.add_argument("--json", action="store_true", help="machine-readable output")
    grants_cmd = commands.add_parser(
        "grants", help="print the SQL for least-privilege bridge roles on both databases"
    )
    grants_cmd.add_argument("--litellm-role", default="litellm_bridge", help="role name")
    grants_cmd.add_argument("--openwebui-role", default="litellm_bridge", help="role name")
    return parser


def _sync(settings: Settings, args: argparse.Namespace) -> int:
    with progress.shown(args.quiet):
        result = reconcile(settings, dry_run=args.dry_run, trigger="cli")
    print(report.sync_json(result) if args.json else report.sync_text(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def _one(conn: Any, sql_file: str, name: str) -> dict[str, Any]:
    with conn.cursor() as cur:
        cur.execute(queries(sql_file)[name])
        row: dict[str, Any] = cur.fetchone()
        return row


def _status(settings: Settings, args: argparse.Namespace) -> int:
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        bridge_db.ensure_schema(litellm)
        schema_version = bridge_db.schema_version(litellm)
        litellm_counts = _one(litellm, "litellm.sql", "counts")
        links = bridge_db.fetch(litellm, "link_counts")
        skipped = bridge_db.skipped_count(litellm)
        runs = bridge_db.fetch(litellm, "last_runs", limit=1)
        failures = bridge_db.fetch(litellm, "failures_since", window="24 hours")[0]["n"]
        capture = {
            "triggers": triggers.installed(litellm),
            "outbox": outbox.stats(litellm),
            "dead": outbox.dead_rows(litellm) if outbox.outbox_present(litellm) else [],
        }
        master = service_key.proxy_master_key(settings.litellm_config)
        service = service_key.inspect(litellm, settings, master).as_dict()
        enrol = enrolment.status(litellm, settings)
    with connect(settings.openwebui_database_url, "Open WebUI", autocommit=True) as openwebui:
        schema = detect_schema(openwebui)
        openwebui_counts = _one(openwebui, "openwebui.sql", "counts") | {
            "schema": schema.describe()
        }
    status = {
        "litellm": litellm_counts,
        "openwebui": openwebui_counts,
        "links": links,
        "skipped": skipped,
        "last_run": runs[0] if runs else None,
        "failures_24h": failures,
        "capture": capture,
        "service_key": service,
        "bridge_schema_version": schema_version,
        "enrolment": enrol,
    }
    print(report.to_json(status) if args.json else report.status_text(status))
    last_failed = bool(runs and (runs[0]["failed"] or runs[0]["error"]))
    return EXIT_FAILED if last_failed or capture["dead"] else EXIT_OK


def _audit(settings: Settings, args: argparse.Namespace) -> int:
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        bridge_db.ensure_schema(litellm)
        rows = bridge_db.fetch(
            litellm, "audit", failed_only=args.failed, since=args.since, limit=args.limit
        )
    print(report.to_json(rows) if args.json else report.audit_text(rows))
    return EXIT_OK


def _install_triggers(settings: Settings, args: argparse.Namespace) -> int:
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        bridge_db.ensure_schema(litellm)
        tables = triggers.install(litellm)
    print(f"installed change capture on {len(tables)} tables: {', '.join(tables)}")
    print("run `litellm-bridge worker` (or load the plugin in the proxy) to consume it")
    return EXIT_OK


def _uninstall_triggers(settings: Settings, args: argparse.Namespace) -> int:
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        dropped = triggers.uninstall(litellm)
    print(f"removed {dropped} trigger(s), the capture function and the outbox")
    return EXIT_OK


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    ensure_log_handler()
    worker = BridgeWorker(settings, sweeps=not args.no_sweep)
    server = None
    if args.metrics_port is not None:
        try:
            server = serve(settings, args.metrics_port, args.metrics_host, not args.no_sweep)
        except OSError as exc:
            print(
                f"litellm-bridge: cannot serve metrics on {args.metrics_host}:"
                f"{args.metrics_port}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return EXIT_CONFIG
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: worker.stop(timeout=0))
    worker.start()
    try:
        worker.wait()
    finally:
        worker.stop()
        if server is not None:
            server.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def _retry_failed(settings: Settings, args: argparse.Namespace) -> int:
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        if not outbox.outbox_present(litellm):
            print("no outbox: triggers are not installed (litellm-bridge install-triggers)")
            return EXIT_OK
        count = outbox.retry_dead(litellm)
    print(f"{count} parked change(s) will be retried by the next worker pass")
    return EXIT_OK


def _read_password() -> str:
    """From the terminal without echo, or the first line of standard input."""
    if sys.stdin.isatty():
        first = getpass.getpass("new Open WebUI password: ")
        if getpass.getpass("again: ") != first:
            raise UsageError("the two passwords differ; nothing was changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _set_password(settings: Settings, args: argparse.Namespace) -> int:
    email = args.email.strip()
    if "@" not in email or len(email) > 320 or any(ord(c) < 32 for c in email):
        raise UsageError(f"{email[:80]!r} is not an email address")
    password = _read_password()
    problem = passwords.problem(password)
    if problem:
        raise UsageError(f"password refused: {problem}; nothing was changed")
    with connect(settings.litellm_database_url, "LiteLLM", autocommit=True) as litellm:
        users = litellm_db.users_with_email(litellm, email)
    if len(users) != 1:
        raise UsageError(
            f"no LiteLLM user has email {email!r}; the bridge sets passwords only for the users "
            "it manages"
            if not users
            else f"{len(users)} LiteLLM users have email {email!r}; give each one email first"
        )
    user_id = users[0]
    result = reconcile(
        settings,
        Scope(users=frozenset({user_id})),
        trigger="cli",
        passwords={user_id: password},
    )
    done = [
        o
        for o in result.outcomes
        if o.change.entity_id == user_id
        and o.change.operation in ("set_password", "create_user")
        and o.result == "SUCCESS"
    ]
    if done:
        print(f"password set for {email} (LiteLLM user {user_id}); audited without the secret")
        return EXIT_OK
    reasons = [s.reason for s in result.skips if s.entity_id == user_id]
    print(
        f"litellm-bridge: password not set for {email}: "
        + ("; ".join(reasons) or "see `litellm-bridge audit --failed`"),
        file=sys.stderr,
    )
    return EXIT_FAILED


def _link(settings: Settings, args: argparse.Namespace) -> int:
    try:
        linked = operator_link.link_account(
            settings, verify.check_email(args.email), account_id=args.account_id
        )
    except (verify.VerifyError, operator_link.LinkRefused) as exc:
        raise UsageError(str(exc)) from None
    print(
        f"{'confirmed the link of' if linked.confirmed else 'linked'} Open WebUI account "
        f"{linked.openwebui_id} ({linked.email}) to LiteLLM user {linked.litellm_id} on your "
        "word (audited); it now gets the user's mapped role, admin included"
    )
    result = reconcile(settings, Scope(users=frozenset({linked.litellm_id})), trigger="cli")
    print(report.sync_text(result))
    return EXIT_OK if result.ok else EXIT_FAILED


def _verify_user(settings: Settings, args: argparse.Namespace) -> int:
    try:
        found = verify.verify_user(settings, args.email)
    except verify.VerifyError as exc:
        raise UsageError(str(exc)) from None
    print(report.to_json(found) if args.json else operator_report.verify_text(found))
    return EXIT_FAILED if found["problems"] else EXIT_OK


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    checks = doctor.run_checks(settings)
    print(report.to_json(checks) if args.json else operator_report.doctor_text(checks))
    return EXIT_FAILED if any(c["result"] == "fail" for c in checks) else EXIT_OK


def _grants(args: argparse.Namespace) -> int:
    on_sqlite = os.environ.get("BRIDGE_OPENWEBUI_DATABASE_URL", "").startswith("sqlite:")
    try:
        parts = [
            ("LiteLLM's database", grants.grants_sql("litellm", args.litellm_role)),
            ("Open WebUI's database", grants.grants_sql("openwebui", args.openwebui_role)),
        ]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if on_sqlite:  # no roles in a file: say what stands in for them
        parts = parts[:1]
    for where, text in parts:
        print(f"-- ===== run on {where}, as its owner =====\n{text}\n")
    if on_sqlite:
        print(grants.SQLITE_NOTE)
        print("-- then point BRIDGE_LITELLM_DATABASE_URL at this role")
    else:
        print(
            "-- then point BRIDGE_LITELLM_DATABASE_URL and BRIDGE_OPENWEBUI_DATABASE_URL at "
            "these roles (set their passwords with ALTER ROLE ... PASSWORD)"
        )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    # LiteLLM, imported by some commands, would fetch its model cost map from the internet
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "grants":  # needs no settings: it only prints
            return _grants(args)
        settings = load_settings()
        handler = {
            "sync": _sync,
            "status": _status,
            "audit": _audit,
            "install-triggers": _install_triggers,
            "uninstall-triggers": _uninstall_triggers,
            "worker": _worker,
            "retry-failed": _retry_failed,
            "set-password": _set_password,
            "link": _link,
            "verify-user": _verify_user,
            "doctor": _doctor,
        }[args.command]
        return handler(settings, args)
    except UsageError as exc:
        print(f"litellm-bridge: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except BridgeError as exc:
        print(f"litellm-bridge: {exc}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
