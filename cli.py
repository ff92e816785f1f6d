"""Command-line tools: `flask --app app users ...`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from extensions import db
from workflow.audit import set_cli_actor
from workflow.roles import Role
from workflow.users import UserError, bootstrap_admin, create_user, check_password_strength

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
        check_password_strength(password)
    except UserError as exc:
        raise click.ClickException(str(exc))
    user.set_password(password)
    db.session.commit()
    click.echo("Password changed.")


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
        click.echo("=" * 60)
    else:
        click.echo(f"First administrator created: {user.email}")


beneficiaries_cli = AppGroup("beneficiaries", help="The beneficiary registry.")


@beneficiaries_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--commit", is_flag=True, help="Import the valid rows (one transaction). Without it, only check.")
def import_command(path: str, commit: bool) -> None:
    """Check (and with --commit import) a CSV or XLSX sheet of beneficiaries."""
    from pathlib import Path

    from workflow.registry_import import SheetError, check_file, import_rows

    set_cli_actor("import")
    try:
        result = check_file(Path(path).read_bytes(), path)
    except SheetError as exc:
        raise click.ClickException(str(exc))
    if result.lines:
        click.echo("row\tcolumn\tproblem")
        for line in result.lines:
            click.echo(line.as_text())
    click.echo(f"rows read: {result.rows_read}; valid: {len(result.valid)}; with problems: {result.rejected}")
    if commit:
        imported = import_rows(result)
        click.echo(f"imported: {imported}")
    elif result.valid:
        click.echo("nothing imported (check only): add --commit to import the valid rows")


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


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(beneficiaries_cli)
    app.cli.add_command(seed_command)
