"""Command-line tools: `flask --app app users ...`."""
from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from extensions import db
from workflow.audit import set_cli_actor
from workflow.roles import Role
from workflow.users import UserError, bootstrap_admin, create_user, set_password

users_cli = AppGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True, help="Full name as shown in the panel.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
def create_command(email: str, full_name: str, role: str, password: str) -> None:
    """Add a staff user with a role."""
    set_cli_actor("cli")
    try:
        user = create_user(email, full_name, role, password)
    except UserError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Created {user.email} ({user.role}).")


@users_cli.command("list")
def list_command() -> None:
    """List staff users and their roles."""
    from models.user import User

    for user in db.session.scalars(db.select(User).order_by(User.id)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.email}\t{user.role}\t{state}\t{user.full_name}")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(email: str, password: str) -> None:
    """Reset a user's password (for a locked-out admin)."""
    from models.user import User
    from workflow.users import normalize_email

    set_cli_actor("cli")
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException("No such user.")
    try:
        set_password(user, password, "password_reset")  # checked; every session of theirs ends
    except UserError as exc:
        raise click.ClickException(str(exc))
    click.echo("Password changed. Every session of this user was signed out.")


@users_cli.command("reset-mfa")
@click.option("--email", required=True)
def reset_mfa_command(email: str) -> None:
    """Remove a user's second factor (lost phone); they set it up again at their next sign-in."""
    from models.user import User
    from workflow import mfa
    from workflow.users import normalize_email

    set_cli_actor("cli")
    user = db.session.scalar(db.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise click.ClickException("No such user.")
    if not user.has_mfa:
        raise click.ClickException("This user has no second factor set up.")
    mfa.reset(user)
    click.echo("Second factor removed and every session signed out. The user sets it up again at the next "
               "sign-in.")


@users_cli.command("bootstrap")
def bootstrap_command() -> None:
    """Create the first admin when there is no user (ADMIN_EMAIL / ADMIN_PASSWORD)."""
    import os

    set_cli_actor("bootstrap")
    try:
        result = bootstrap_admin(os.environ.get("ADMIN_EMAIL"), os.environ.get("ADMIN_PASSWORD"))
    except UserError as exc:
        raise click.ClickException(str(exc))
    if result is None:
        return
    user, generated = result
    if generated:
        click.echo("=" * 60)
        click.echo("First administrator created. This password is shown only once:")
        click.echo(f"  email:    {user.email}")
        click.echo(f"  password: {generated}")
        click.echo("Change it after signing in (Settings → Users).")
        click.echo("At the first sign-in you will set up the second factor (an authenticator app).")
        click.echo("=" * 60)
    else:
        click.echo(f"First administrator created: {user.email}")


policy_cli = AppGroup("policy", help="The published beneficiary-relations policy.")


@policy_cli.command("templates")
def policy_templates_command() -> None:
    """List the policy templates."""
    from workflow.policy_templates import list_templates

    for t in list_templates():
        click.echo(f"{t['key']}\t{t['decision_period_days']} days\t{t['name_en']}")


@policy_cli.command("apply")
@click.argument("key")
@click.option("--with-organisation", is_flag=True,
              help="Also copy the example organisation's name, licence and board approval.")
def policy_apply_command(key: str, with_organisation: bool) -> None:
    """Fill channels, staff tools, decision period, goals and steps from a template."""
    from workflow.policy_templates import TemplateError, apply_template

    set_cli_actor("cli")
    try:
        apply_template(key, include_organisation=with_organisation)
    except TemplateError as exc:
        raise click.ClickException(str(exc))
    db.session.commit()
    click.echo(f"Applied the {key} template. Adjust it in Settings → Organisation profile.")
retention_cli = AppGroup("retention", help="Anonymise closed files kept longer than the retention period.")


@retention_cli.command("run")
@click.option("--commit", is_flag=True, help="Anonymise for real (without it: a dry run that only lists).")
@click.option("--years", type=int, default=None,
              help="Override the period (default: the organisation profile's retention years).")
def retention_run_command(commit: bool, years: int | None) -> None:
    """List (or with --commit anonymise) beneficiaries whose requests all closed before the period."""
    from workflow.privacy import run_retention

    set_cli_actor("retention")
    result = run_retention(commit=commit, years=years)
    if result["years"] <= 0:
        click.echo("Retention period is not set (organisation profile: retention years = 0): nothing to do.")
        return
    click.echo(f"Retention period: {result['years']} years; files closed before {result['cutoff'][:10]}.")
    for row in result["candidates"]:
        click.echo(f"  beneficiary {row['reference']}\t{row['applications']} request(s)")
    if commit:
        click.echo(f"Anonymised {result['anonymised']} beneficiaries; deleted {result['files_deleted']} stored files.")
    else:
        click.echo(f"Dry run: {len(result['candidates'])} beneficiaries would be anonymised. "
                   "Run again with --commit to anonymise them.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--files/--no-files", default=True, show_default=True,
              help="Also write the uploaded files (from the local folder or the S3 bucket) to PATH.files.tar.")
def backup_command(path: str, files: bool) -> None:
    """Write a consistent backup of the database to PATH (SQLite copy or pg_dump custom format)."""
    from workflow.backup import BackupError, backup, files_archive_path

    try:
        result = backup(path, files=files)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    target = result[0] if files else result
    click.echo(f"Backup written to {target} ({target.stat().st_size} bytes).")
    if files:
        report = result[1]
        click.echo(f"Files: {report.copied} written to {files_archive_path(target)}.")
        if not report.ok:
            raise click.ClickException(f"{len(report.missing)} file(s) missing from the store, "
                                       f"{len(report.damaged)} with a wrong checksum.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: str, force: bool) -> None:
    """Bring back a backup made with `backup`. Refuses a non-empty database without --force."""
    from workflow.backup import BackupError, restore

    from workflow.backup import files_archive_path

    try:
        restore(path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"Restored {path}.")
    archive = files_archive_path(path)
    if archive.is_file():
        from workflow.storage import file_store
        from workflow.storage.transfer import restore_files_archive

        report = restore_files_archive(file_store(), archive)
        click.echo(f"Files: {report.copied} restored, {report.skipped} already in place.")
        if not report.ok:
            raise click.ClickException(f"{len(report.missing)} file(s) missing from the archive, "
                                       f"{len(report.damaged)} with a wrong checksum.")


storage_cli = AppGroup("storage", help="Where uploaded files are kept (local folder or S3 bucket).")


@storage_cli.command("migrate")
@click.option("--to", "target_url", required=True, help="The new store: s3://bucket/prefix or file:///path.")
def storage_migrate_command(target_url: str) -> None:
    """Copy every stored file to another store, verifying checksums (run again to resume).

    Then set STORAGE_URL to the new store and restart the app.
    """
    from workflow.storage import file_store, store_for
    from workflow.storage.transfer import copy_files
    from extensions import db
    from models.files import StoredFile
    from sqlalchemy import func, select

    source, target = file_store(), store_for(target_url)
    total = db.session.scalar(select(func.count()).select_from(StoredFile)) or 0
    with click.progressbar(length=total, label=f"{source.describe()} -> {target.describe()}") as bar:
        report = copy_files(source, target, progress=lambda n: bar.update(1))
    click.echo(f"Copied {report.copied}, already there {report.skipped}, "
               f"missing at the source {len(report.missing)}, wrong checksum {len(report.damaged)}.")
    if not report.ok:
        raise click.ClickException("Some files could not be copied; see the counts above.")
    click.echo(f"Now set STORAGE_URL={target_url} and restart the application and the workers.")


@storage_cli.command("check")
def storage_check_command() -> None:
    """Say which store is configured and whether it is reachable."""
    from workflow.storage import file_store

    store = file_store()
    try:
        store.check()
    except Exception as exc:  # noqa: BLE001
        raise click.ClickException(f"{store.describe()} is not reachable: {type(exc).__name__}")
    click.echo(f"{store.describe()}: reachable.")


@storage_cli.command("orphans")
@click.option("--delete", is_flag=True, help="Remove them (otherwise only listed).")
@click.option("--older-than", "minutes", type=int, default=60, show_default=True,
              help="Only files older than this many minutes (younger ones may be uploads in progress).")
def storage_orphans_command(delete: bool, minutes: int) -> None:
    """Files in the store that no record points at (left by a crash between upload and save)."""
    from workflow.storage import file_store
    from workflow.storage.transfer import orphans

    store = file_store()
    names = orphans(store, minutes)
    for name in names:
        click.echo(name)
        if delete:
            store.delete(name)
    click.echo(f"{len(names)} orphaned file(s){' removed' if delete else ''}.")


beneficiaries_cli = AppGroup("beneficiaries", help="The beneficiary registry.")


@beneficiaries_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--commit", is_flag=True, help="Import the valid rows (one transaction). Without it, only check.")
def import_command(path: str, commit: bool) -> None:
    """Check (and with --commit import) a CSV or XLSX sheet of beneficiaries."""
    from pathlib import Path

    from workflow.registry_import import SheetError, check_file, import_rows

    set_cli_actor("import")
    data = Path(path).read_bytes()
    try:
        with _bar("checking") as bar:
            result = check_file(data, path, progress=bar)
    except SheetError as exc:
        raise click.ClickException(str(exc))
    if result.lines or result.warnings:
        click.echo("row\tcolumn\tproblem")
        for line in sorted(result.lines + result.warnings, key=lambda line: line.row):
            click.echo(line.as_text())
    click.echo(f"rows read: {result.rows_read}; valid: {len(result.valid)}; with problems: {result.rejected}; "
               f"warnings: {len(result.warnings)}")
    if not result.valid:
        raise click.ClickException("nothing to import: no row is valid")
    if commit:
        with _bar("importing") as bar:
            imported = import_rows(result, progress=bar)
        click.echo(f"imported: {imported}")
        if not imported:
            raise click.ClickException("nothing imported")
    else:
        click.echo("nothing imported (check only): add --commit to import the valid rows")


class _bar:
    """A click progress bar fed by the import's (done, total) callbacks, on stderr (the report
    stays clean on stdout)."""

    def __init__(self, label: str) -> None:
        self.label, self.bar, self.done = label, None, 0

    def __enter__(self):
        return self

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)


@click.command("seed")
def seed_command() -> None:
    """Load the default reference data into empty tables (channels, tools, document types...)."""
    from workflow.reference import load_defaults

    set_cli_actor("seed")
    added = load_defaults()
    for table, count in added.items():
        click.echo(f"{table}: {count} added")
    if not added:
        click.echo("reference data already present: nothing changed")


outbox_cli = AppGroup("outbox", help="Send the messages waiting in the outbox.")


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def outbox_work_command(once: bool, interval: float) -> None:
    """Send what is due: retries with backoff, quiet hours, rate per minute (workflow/messaging/worker.py)."""
    from workflow.messaging.worker import work

    set_cli_actor("outbox")
    if not once:
        click.echo(f"outbox worker: a pass every {interval:g} s (Ctrl-C stops)")
    try:
        work(interval=interval, once=once, echo=click.echo)
    except KeyboardInterrupt:
        pass


@outbox_cli.command("send-test")
@click.option("--channel", type=click.Choice(["sms", "whatsapp", "email", "record"]), required=True)
@click.option("--to", "to", required=True, help="05XXXXXXXX for sms/whatsapp, an address for email.")
@click.option("--template", "template_name", default="", help="WhatsApp: the approved template to use.")
def outbox_send_test_command(channel: str, to: str, template_name: str) -> None:
    """Send one test message through the configured adapter and print the provider's answer."""
    from workflow.messaging.channels import Outgoing, SendFailure
    from workflow.messaging.outbox import organisation_name, sender_name
    from workflow.messaging.templates import sms_segments
    from workflow.messaging.worker import adapter_for
    from workflow.phones import mask_phone, normalize_saudi_mobile

    if channel != "email":
        try:
            to = normalize_saudi_mobile(to)
        except ValueError as exc:
            raise click.ClickException(str(exc))
    text = f"رسالة تجريبية من نظام علاقات المستفيدين {organisation_name('ar')}".strip()
    encoding, segments, _ = sms_segments(text)
    try:
        adapter = adapter_for(channel)
        receipt = adapter.send(Outgoing(message_id=0, to=to, text=text, subject="رسالة تجريبية",
                                        sender=sender_name(), template_name=template_name))
    except SendFailure as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc.reason}")
    shown = to if channel == "email" else mask_phone(to)
    click.echo(f"{adapter.name} → {shown} ({encoding}, {segments} segment(s)): {receipt.answer}"
               + (f" [id {receipt.provider_id}]" if receipt.provider_id else ""))


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(policy_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(beneficiaries_cli)
    app.cli.add_command(storage_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(outbox_cli)
