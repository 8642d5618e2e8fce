"""The ``openidv`` command. Settings are built here, once, and passed down; ``--help`` and the
other commands import the web stack only when they need it."""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from sqlalchemy.exc import NoResultFound

from openidv.settings import Settings

if TYPE_CHECKING:
    import socket
    from collections.abc import Callable

    import uvicorn
    from huey.consumer import Consumer

    from openidv.runtime import Runtime


def _settings() -> Settings:
    return Settings()


def _prepare_database(settings: Settings) -> None:
    from openidv.store.migrate import upgrade

    settings.prepare_data_dir()
    upgrade(settings.resolved_database_url)


@click.group()
@click.version_option(package_name="openidv")
def main() -> None:
    """openidv: self-hosted identity verification, wire-compatible with Yoti Doc Scan."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Web worker processes (they share the database).",
)
def run(host: str, port: int, workers: int) -> None:
    """Run the whole product: web, job consumer and scheduler, migrations applied first."""
    from openidv.jobs.warm import Warmer
    from openidv.runtime import Runtime, Scheduler

    settings = _settings()
    _prepare_database(settings)
    if workers > 1:
        raise click.UsageError("openidv run is one web process; use openidv web --workers N")
    _log_events()
    runtime = Runtime(settings)
    consumer = _consumer(runtime)
    # The workers load the engines' models once the server answers (jobs/warm.py): the first
    # session's checks then run at the usual speed, and the first answer is not delayed.
    warmer = Warmer(runtime)
    warmer.install()
    consumer.start()  # forks the worker processes first: nothing else is running yet
    supervisor = _supervise(consumer)
    scheduler = Scheduler(runtime)
    scheduler.start()
    try:
        _serve(settings, host, port, 1, runtime, on_listening=warmer.release)
    finally:
        scheduler.stop()
        supervisor.set()
        consumer.stop(graceful=True)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(min=1))
def web(host: str, port: int, workers: int) -> None:
    """Run only the web processes (migrations are expected to be applied: openidv db upgrade)."""
    _log_events()
    _serve(_settings(), host, port, workers)


def _consumer(runtime: Runtime) -> Consumer:
    settings = runtime.settings
    return runtime.jobs.huey.create_consumer(
        workers=settings.worker_processes,
        worker_type=settings.worker_type,
        periodic=False,  # our scheduler reconciles; Huey's periodic tasks are not used
        check_worker_health=True,
        initial_delay=0.05,
        max_delay=0.25,  # an idle worker notices new work within a quarter of a second
    )


def _supervise(consumer: Consumer) -> threading.Event:
    """Huey's consumer restarts dead workers in its run() loop, which wants the main thread
    (signals); inside openidv run the web server has it, so the same loop runs here."""
    stopped = threading.Event()

    def loop() -> None:
        from huey.consumer import ConsumerStopped

        checked = time.monotonic()
        while not stopped.is_set():
            try:
                checked = consumer.loop(checked)
            except ConsumerStopped:
                return

    threading.Thread(target=loop, name="openidv-consumer", daemon=True).start()
    return stopped


@main.command()
@click.option("--scheduler/--no-scheduler", default=True, show_default=True)
def worker(scheduler: bool) -> None:
    """Run the job consumer (and the scheduler: only one runs it at a time, by lease)."""
    from huey.consumer import ConsumerStopped

    from openidv.jobs.warm import Warmer
    from openidv.runtime import Runtime, Scheduler

    settings = _settings()
    _log_events()
    runtime = Runtime(settings)
    consumer = _consumer(runtime)
    Warmer(runtime, released=True).install()  # no server here to wait for
    consumer.start()  # forks first: the scheduler thread must not exist in the children
    reconciler = Scheduler(runtime) if scheduler else None
    if reconciler:
        reconciler.start()
    click.echo(
        f"openidv worker: {settings.worker_processes} {settings.worker_type} worker(s)", err=True
    )
    checked = time.monotonic()
    while True:  # Huey's own run() loop, after our start(): health checks and signals
        try:
            checked = consumer.loop(checked)
        except ConsumerStopped:
            break
    consumer.huey.notify_interrupted_tasks()
    if reconciler:
        reconciler.stop()


def _serve(
    settings: Settings,
    host: str,
    port: int,
    workers: int,
    runtime: Runtime | None = None,
    *,
    on_listening: Callable[[], None] | None = None,
) -> None:
    import uvicorn

    if workers > 1 and settings.resolved_database_url.startswith("sqlite"):
        # Measured: two processes contending for SQLite's single write lock serve fewer creates
        # than one, with second-long tail latencies (benchmarks/create_sessions.py --workers 2).
        raise click.UsageError(
            "SQLite has a single writer: run one worker, or set OPENIDV_DATABASE_URL to a "
            "PostgreSQL database to run several"
        )

    from openidv.app import is_loopback

    demo = settings.demo if settings.demo is not None else is_loopback(host)
    banner = _banner(settings, host, port, demo)
    if workers == 1:
        from openidv.app import create_app

        config = uvicorn.Config(
            create_app(settings, runtime, listen_host=host, start_decoders=True),
            host=host, port=port, log_level="warning",
        )  # fmt: skip
        _announcing_server(config, banner, on_listening).run()
        return
    click.echo(banner, err=True)  # the workers bind their sockets after this: close enough
    # Worker processes rebuild the app from the environment: pass the resolved settings on.
    os.environ["OPENIDV_DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ["OPENIDV_DEMO"] = "true" if demo else "false"
    uvicorn.run(
        "openidv.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
    )


def _announcing_server(
    config: uvicorn.Config, banner: str, on_listening: Callable[[], None] | None = None
) -> uvicorn.Server:
    """uvicorn's server, printing the banner once its socket listens (the first moment a
    browser opened on those URLs gets an answer), then calling ``on_listening``."""
    import uvicorn

    class Announcing(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                click.echo(banner, err=True)
                if on_listening is not None:
                    on_listening()

    return Announcing(config)


def _log_events() -> None:
    from openidv.sessions.events import log_events_to_stderr

    log_events_to_stderr()


def _command() -> str:
    """How the operator runs this command (``make run`` starts ``.venv/bin/openidv``, which is
    rarely on the PATH): the next steps printed must work when pasted."""
    import shutil

    argv0 = Path(sys.argv[0])
    if argv0.name != "openidv":
        return "openidv"  # python -m openidv, or a test harness
    found = shutil.which("openidv")
    if found and Path(found).resolve() == argv0.resolve():
        return "openidv"
    try:
        return str(argv0.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(argv0)


def _banner(settings: Settings, host: str, port: int, demo: bool) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (a display name)
    if ":" in shown:
        shown = f"[{shown}]"
    origin = f"http://{shown}:{port}"
    command = _command()
    rows = [
        ("Demo", f"{origin}/demo" if demo else "off (OPENIDV_DEMO=true serves it)"),
        ("Review console", f"{origin}/console"),
        ("API docs", f"{origin}/docs"),
        ("API base URL", f"{origin}{settings.api_prefix}"),
    ]
    lines = [f"openidv {_version()} is ready (data in {settings.data_dir})"]
    lines += [f"  {name:<15} {value}" for name, value in rows]
    lines += [
        "Next steps:",
        "  an SDK ID and private key for your back end:",
        f'    {command} apps create "My app" --key-out my-app.pem',
        "  an account for the review console:",
        f"    {command} reviewer add you@example.com --role admin",
        "Session events are logged below (ids only). Ctrl-C stops the server.",
    ]
    return "\n".join(lines)


def _version() -> str:
    from openidv import __version__

    return __version__


@main.group()
def db() -> None:
    """Database maintenance."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations to the configured database."""
    _prepare_database(_settings())
    click.echo("database is up to date")


@main.group()
def apps() -> None:
    """Register and manage integrator applications (the Yoti Hub's job)."""


@apps.command("create")
@click.argument("name")
@click.option(
    "--key-out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the new private key (PEM, mode 0600). Only its public half is kept.",
)
@click.option("--sandbox", is_flag=True, help="A sandbox application (/sandbox/idverify/v1 only).")
def apps_create(name: str, key_out: Path, sandbox: bool) -> None:
    """Create an application with a new 2048-bit RSA key; prints the SDK ID last."""
    from openidv.api.apps import generate_key_pair, private_key_pem

    settings = _settings()
    _prepare_database(settings)
    private_key, public_pem = generate_key_pair()
    try:
        fd = os.open(key_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise click.ClickException(f"{key_out} exists; refusing to overwrite a key") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(private_key))
    sdk_id = _register(settings, name, public_pem, sandbox=sandbox)
    click.echo(f"private key written to {key_out}", err=True)
    click.echo(sdk_id)


@apps.command("import-key")
@click.argument("name")
@click.argument("public_key", type=click.File("r"))
def apps_import_key(name: str, public_key: TextIO) -> None:
    """Register an application for an existing public key (PEM or base64 DER); prints its SDK ID."""
    settings = _settings()
    _prepare_database(settings)
    try:
        sdk_id = _register(settings, name, public_key.read())
    except ValueError as exc:
        raise click.ClickException(f"not a usable public key: {exc}") from exc
    click.echo(sdk_id)


def _register(settings: Settings, name: str, public_pem: str, *, sandbox: bool = False) -> str:
    from openidv.api.apps import register_app
    from openidv.store.db import make_engine

    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:
        sdk_id = register_app(conn, name, public_pem, sandbox=sandbox)
    engine.dispose()
    return sdk_id


@apps.command("list")
def apps_list() -> None:
    """List applications: SDK ID, state, created, name."""
    from openidv.api.apps import list_apps
    from openidv.store.db import make_engine

    settings = _settings()
    _prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        for app in list_apps(conn):
            state = "disabled" if app.disabled_at else "active"
            state += "\tsandbox" if app.sandbox else "\tlive"
            click.echo(f"{app.sdk_id}\t{state}\t{app.created_at:%Y-%m-%dT%H:%M:%SZ}\t{app.name}")
    engine.dispose()


@apps.command("rotate-key")
@click.argument("sdk_id")
@click.argument("public_key", type=click.File("r"))
def apps_rotate_key(sdk_id: str, public_key: TextIO) -> None:
    """Replace an application's public key (PEM or base64 DER); the SDK ID stays."""
    from openidv.api.apps import AppNotFound, rotate_key
    from openidv.store.db import make_engine

    settings = _settings()
    _prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            rotate_key(conn, sdk_id, public_key.read())
    except AppNotFound as exc:
        raise click.ClickException(f"no application {sdk_id}") from exc
    except ValueError as exc:
        raise click.ClickException(f"not a usable public key: {exc}") from exc
    finally:
        engine.dispose()
    click.echo(f"{sdk_id}: key replaced")


@apps.command("webhook-secret")
@click.argument("sdk_id")
@click.option("--rotate", is_flag=True, help="Start a rotation: a new secret, the old still signs.")
@click.option("--finish-rotation", is_flag=True, help="Stop signing with the previous secret.")
def apps_webhook_secret(sdk_id: str, rotate: bool, finish_rotation: bool) -> None:
    """Print the application's webhook signing secrets (hex), newest first."""
    from openidv.notifications.secrets import finish_rotation as finish
    from openidv.notifications.secrets import rotate as start_rotation
    from openidv.notifications.secrets import signing_secrets
    from openidv.runtime import session_context
    from openidv.store.db import make_engine

    settings = _settings()
    _prepare_database(settings)
    keyring = session_context(settings).keyring
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            if rotate:
                start_rotation(conn, keyring, sdk_id)
            if finish_rotation:
                finish(conn, sdk_id)
            secrets = signing_secrets(conn, keyring, sdk_id)
    except NoResultFound as exc:
        raise click.ClickException(f"no application {sdk_id}") from exc
    finally:
        engine.dispose()
    for secret in secrets:
        click.echo(secret.hex())


@apps.command("disable")
@click.argument("sdk_id")
def apps_disable(sdk_id: str) -> None:
    """Disable an application: its signed requests are refused with 403 from now on."""
    from openidv.api.apps import AppNotFound, disable_app
    from openidv.store.db import make_engine

    settings = _settings()
    _prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            disable_app(conn, sdk_id)
    except AppNotFound as exc:
        raise click.ClickException(f"no application {sdk_id}") from exc
    finally:
        engine.dispose()
    click.echo(f"{sdk_id} disabled")


@main.group()
def reviewer() -> None:
    """Review console accounts."""


@reviewer.command("add")
@click.argument("email")
@click.option(
    "--role", type=click.Choice(["reviewer", "admin"]), default="reviewer", show_default=True
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def reviewer_add(email: str, role: str, password_stdin: bool) -> None:
    """Create a console account (password: at least 12 characters, hashed with argon2id)."""
    from openidv.review.accounts import add_reviewer
    from openidv.store.db import make_engine

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = _settings()
    _prepare_database(settings)
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            add_reviewer(conn, email, password, role)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()
    click.echo(f"{email} added as {role}")


@reviewer.command("totp")
@click.argument("email")
def reviewer_totp(email: str) -> None:
    """Require an authenticator code for this account; prints the otpauth:// URI to enrol."""
    from openidv.review.accounts import enable_totp
    from openidv.runtime import session_context
    from openidv.store.db import make_engine

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            uri = enable_totp(conn, session_context(settings).keyring, email)
    except LookupError as exc:
        raise click.ClickException(f"no reviewer {email}") from exc
    finally:
        engine.dispose()
    click.echo(uri)


@main.group()
def audit() -> None:
    """The review console's hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the whole chain; exits 1 and names the first bad entry if it was altered."""
    from openidv.review.audit import verify
    from openidv.store.db import make_engine

    engine = make_engine(_settings().resolved_database_url)
    with engine.connect() as conn:
        ok, bad = verify(conn)
    engine.dispose()
    if not ok:
        click.echo(f"audit log altered at entry {bad}", err=True)
        sys.exit(1)
    click.echo("audit log intact")


@audit.command("export")
def audit_export() -> None:
    """Print the audit log as JSON lines (with each entry's hashes)."""
    import json

    from openidv.review.audit import entries
    from openidv.store.db import make_engine

    engine = make_engine(_settings().resolved_database_url)
    with engine.connect() as conn:
        for entry in entries(conn):
            click.echo(json.dumps(entry, default=str, sort_keys=True))
    engine.dispose()


@main.group()
def check() -> None:
    """Run an engine on files, as a session would (for operators and evaluation)."""


@check.command("face-match")
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "selfies", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as the session carries it.")
def check_face_match(document: Path, selfies: tuple[Path, ...], as_json: bool) -> None:
    """ID_DOCUMENT_FACE_MATCH on a document page and one or more selfie frames."""
    import json

    from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
    from openidv.checks.face_match import FaceMatchEngine

    def item(path: Path) -> MediaItem:
        return MediaItem(media_id=path.name, content_type="image/*", load=path.read_bytes)

    evidence = Evidence(
        session_id="cli",
        item_type="ID_DOCUMENT_FACE_MATCH",
        config={},
        resources=[
            EvidenceResource("document", "ID_DOCUMENT", None, None, None, pages=[item(document)]),
            EvidenceResource(
                "liveness", "LIVENESS", None, None, "ZOOM", frames=[item(p) for p in selfies]
            ),
        ],
    )
    result = FaceMatchEngine().run(evidence)
    report = result.report or {}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    recommendation = report.get("recommendation", {})
    click.echo(f"{recommendation.get('value')} {recommendation.get('reason') or ''}".strip())
    for breakdown in report.get("breakdown", []):
        for detail in breakdown.get("details", []):
            click.echo(f"  {detail['name']}: {detail['value']}")
    if not result.decided:
        click.echo("  (undecided: FALLBACK would send this to a reviewer)")


@check.command("document")
@click.argument("front", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "back", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the results as the session carries them."
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Judge expiry as of this date (YYYY-MM-DD) instead of today: a specimen past its "
    "expiry is then judged on everything else.",
)
def check_document(
    front: Path, back: Path | None, as_json: bool, as_of: dt.datetime | None
) -> None:
    """ID_DOCUMENT_TEXT_DATA_EXTRACTION and ID_DOCUMENT_AUTHENTICITY on a document's pages."""
    import json

    from openidv.checks.authenticity import AuthenticityEngine
    from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
    from openidv.checks.text_extraction import TextExtractionEngine

    pages = [
        MediaItem(media_id=path.name, content_type="image/*", load=path.read_bytes)
        for path in (front, back)
        if path is not None
    ]
    resource = EvidenceResource("document", "ID_DOCUMENT", None, None, None, pages=pages)

    def evidence(item_type: str) -> Evidence:
        return Evidence(session_id="cli", item_type=item_type, config={}, resources=[resource])

    day = as_of.date() if as_of is not None else None
    extraction = TextExtractionEngine(as_of=day).run(evidence("ID_DOCUMENT_TEXT_DATA_EXTRACTION"))
    fields = next(
        (json.loads(m.content) for m in extraction.media if m.role == "document_fields"), None
    )
    authenticity = AuthenticityEngine(as_of=day).run(evidence("ID_DOCUMENT_AUTHENTICITY"))
    if as_json:
        output = {
            "ID_DOCUMENT_TEXT_DATA_EXTRACTION": {
                "recommendation": extraction.recommendation,
                "document_fields": fields,
                "decided": extraction.decided,
            },
            "ID_DOCUMENT_AUTHENTICITY": {
                "report": authenticity.report,
                "decided": authenticity.decided,
            },
        }
        click.echo(json.dumps(output, indent=2))
        return
    recommendation = extraction.recommendation or {}
    reason = recommendation.get("reason") or {}
    click.echo(
        f"ID_DOCUMENT_TEXT_DATA_EXTRACTION: {recommendation.get('value')} "
        f"{reason.get('detail', '')}".rstrip()
    )
    if fields is not None:
        click.echo(json.dumps(fields, indent=2))
    report = authenticity.report or {}
    verdict = report.get("recommendation", {})
    click.echo(
        f"ID_DOCUMENT_AUTHENTICITY: {verdict.get('value')} {verdict.get('reason') or ''}".rstrip()
    )
    for sub in report.get("breakdown", []):
        details = ", ".join(f"{d['name']}={d['value']}" for d in sub.get("details", []))
        click.echo(f"  {sub['sub_check']}: {sub['result']} ({details})")
    if not authenticity.decided:
        click.echo("  (undecided: FALLBACK would send this to a reviewer)")


@check.command("liveness")
@click.argument(
    "frames", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--turn", type=click.Choice(["LEFT", "RIGHT"]), help="A one-move challenge (ZOOM).")
@click.option("--moves", help="The challenge's moves (ZOOM), comma-separated: LEFT,UP.")
@click.option("--static", "static_", is_flag=True, help="STATIC: a selfie or its burst.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as the session carries it.")
def check_liveness(
    frames: tuple[Path, ...], turn: str | None, moves: str | None, static_: bool, as_json: bool
) -> None:
    """LIVENESS on frames in capture order (ZOOM with --moves or --turn, or --static)."""
    import json

    from openidv.checks.engines import Evidence, EvidenceResource, MediaItem
    from openidv.checks.liveness import LivenessEngine

    resource = EvidenceResource(
        "liveness", "LIVENESS", None, None, "STATIC" if static_ else "ZOOM",
        frames=[MediaItem(p.name, "image/*", p.read_bytes) for p in frames],
        challenge=(
            {"moves": moves.upper().split(",") if moves else [turn], "nonce": "cli"}
            if (turn or moves) and not static_ else None
        ),
    )  # fmt: skip
    evidence = Evidence("cli", "LIVENESS", {}, [resource])
    result = LivenessEngine(os.environ.get("OPENIDV_PASSIVE_LIVENESS_MODEL")).run(evidence)
    report = result.report or {}
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    recommendation = report.get("recommendation", {})
    suggestion = recommendation.get("recovery_suggestion") or ""
    click.echo(f"{recommendation.get('value')} {suggestion}".strip())
    for breakdown in report.get("breakdown", []):
        for detail in breakdown.get("details", []):
            click.echo(f"  {detail['name']}: {detail['value']}")
    if not result.decided:
        click.echo("  (undecided: FALLBACK would send this to a reviewer)")


@main.group()
def notifications() -> None:
    """The webhook delivery log, and manual replay."""


@notifications.command("log")
@click.argument("session_id")
def notifications_log(session_id: str) -> None:
    """Every notification of a session and each attempt to deliver it."""
    from openidv.notifications.service import delivery_log
    from openidv.store.db import make_engine

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        for delivery in delivery_log(conn, session_id):
            click.echo(
                f"{delivery['id']}\t{delivery['topic']}\t{delivery['state']}\t"
                f"attempts={delivery['attempts']}"
            )
            for attempt in delivery["attempt_log"]:
                outcome = attempt["status_code"] or attempt["error"]
                click.echo(
                    f"    {attempt['attempted_at']:%Y-%m-%dT%H:%M:%S}Z\t{outcome}\t"
                    f"{attempt['latency_ms']} ms"
                )
    engine.dispose()


@notifications.command("replay")
@click.argument("delivery_id")
def notifications_replay(delivery_id: str) -> None:
    """Deliver a notification again, now."""
    from openidv.notifications.service import replay
    from openidv.runtime import Runtime
    from openidv.store.db import make_engine, utcnow

    settings = _settings()
    engine = make_engine(settings.resolved_database_url)
    with engine.begin() as conn:
        found = replay(conn, delivery_id, utcnow())
    engine.dispose()
    if not found:
        raise click.ClickException(f"no delivery {delivery_id}")
    Runtime(settings).jobs.enqueue("deliver", delivery_id)
    click.echo(f"{delivery_id} queued for delivery")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
