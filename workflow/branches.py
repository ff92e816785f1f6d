"""Branch offices: the receiving branch of a record, and which records a staff member may see.

BRANCH_SCOPED_ROLES (config, e.g. "officer,specialist"; default none) keeps those roles to the
records of their own branches. A staff member with no branch works at head office and sees every
branch; so does every role not named. The rule is applied in one place, the shared base view
(admin_views/base.py: lists, counts, details, edits, exports, bulk actions, custom endpoints that
open records through get_one), and reused by the form look-ups, the file downloads, the dashboard
and the reports, all through visible_branch_ids() and scope_clause() below.
"""
from __future__ import annotations

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import false, select
from sqlalchemy import inspect as sa_inspect

from extensions import db
from models.application import Application, Research
from models.beneficiary import Beneficiary, Communication, Declaration, Document, HouseholdMember
from models.branch import Branch, BranchRepresentative
from models.committee import AgendaItem, Decision

BRANCH_CHANNEL = "branch_offices"  # the policies' «مناديب المكاتب الفرعية» channel

# How each model reaches its branch: "self" (its own branch_id) or the relation to a model that
# has one. Every admin screen on these models is scoped without saying so.
SCOPES: dict[type, str] = {
    Beneficiary: "self",
    Application: "self",
    Communication: "self",
    Document: "beneficiary",
    Declaration: "beneficiary",
    HouseholdMember: "beneficiary",
    Research: "application",
    Decision: "application",
    AgendaItem: "application",
}


def scoped_roles() -> frozenset[str]:
    if not has_app_context():
        return frozenset()
    raw = current_app.config.get("BRANCH_SCOPED_ROLES") or ""
    if isinstance(raw, str):
        raw = raw.replace("،", ",").split(",")
    return frozenset(str(r).strip().lower() for r in raw if str(r).strip())


def branch_ids_of(user) -> list[int]:
    return sorted(b.id for b in (getattr(user, "branches", None) or []))


def visible_branch_ids(user=None) -> list[int] | None:
    """The branches whose records `user` (default: the signed-in user) may see; None = all."""
    if user is None:
        if not has_request_context():
            return None
        from flask_login import current_user

        if not getattr(current_user, "is_authenticated", False):
            return None
        user = current_user
    if getattr(user, "role", None) not in scoped_roles():
        return None
    ids = branch_ids_of(user)
    return ids or None  # head office


def scope_clause(model, ids: list[int], via: str | None = None):
    """SQL condition: rows of `model` belonging to one of the branches `ids`."""
    via = via or SCOPES.get(model)
    if via is None:
        return None
    if via == "self":
        return model.branch_id.in_(ids) if ids else false()
    relation = sa_inspect(model).relationships[via]
    target = relation.mapper.class_
    (local,) = relation.local_columns
    inner = scope_clause(target, ids)
    return local.in_(select(target.id).where(inner))


def scope_query(query, model, user=None, via: str | None = None):
    """`query` kept to what `user` may see (unchanged for head office and unscoped roles)."""
    ids = visible_branch_ids(user)
    if ids is None:
        return query
    clause = scope_clause(model, ids, via)
    return query if clause is None else query.filter(clause)


def record_visible(model, record_id: int, user=None) -> bool:
    ids = visible_branch_ids(user)
    if ids is None:
        return True
    clause = scope_clause(model, ids)
    if clause is None:
        return True
    return db.session.scalar(select(model.id).where(model.id == record_id, clause)) is not None


def file_visible(stored, user=None) -> bool:
    """A stored file owned by branch records (a document, a declaration scan, a research
    attachment) is visible when one of those owners is; other files (tools, logo) are not
    branch records."""
    ids = visible_branch_ids(user)
    if ids is None:
        return True
    from models.application import research_attachment

    owners = [
        (Document, select(Document.id).where(Document.file_id == stored.id)),
        (Declaration, select(Declaration.id).where(Declaration.scan_file_id == stored.id)),
        (Research, select(research_attachment.c.research_id).where(research_attachment.c.file_id == stored.id)),
    ]
    owned = False
    for model, owner_ids in owners:
        found = db.session.scalars(owner_ids).all()
        if not found:
            continue
        owned = True
        if db.session.scalar(select(model.id).where(model.id.in_(found), scope_clause(model, ids)).limit(1)):
            return True
    return not owned


# -- which branches a form offers, and the defaults ---------------------------------
def active_branches():
    return db.session.scalars(select(Branch).where(Branch.active.is_(True)).order_by(Branch.name_ar)).all()


def branch_choices_for(user=None):
    """Branches a staff member may record against: their own when scoped, else every active one."""
    ids = visible_branch_ids(user)
    branches = active_branches()
    return [b for b in branches if ids is None or b.id in ids]


def default_branch(user):
    """The user's branch when they work at exactly one; None otherwise (head office or several)."""
    branches = [b for b in (getattr(user, "branches", None) or []) if b.active]
    return branches[0] if len(branches) == 1 else None


def receiving_branch(actor=None, representative=None, chosen=None, beneficiary=None):
    """The branch that receives a request: the representative's who brought it in, else the one
    chosen, else the receiving staff member's own (when they work at one), else the beneficiary's."""
    if representative is not None:
        return representative.branch
    if chosen is not None:
        return chosen
    return default_branch(actor) or getattr(beneficiary, "branch", None)


def active_representatives(user=None):
    ids = visible_branch_ids(user)
    query = (select(BranchRepresentative).join(Branch, Branch.id == BranchRepresentative.branch_id)
             .where(BranchRepresentative.active.is_(True), Branch.active.is_(True))
             .order_by(Branch.name_ar, BranchRepresentative.full_name))
    if ids is not None:
        query = query.where(BranchRepresentative.branch_id.in_(ids))
    return db.session.scalars(query).all()


def branch_channel():
    """The branch-representative channel; created the first time a representative brings a request."""
    from models.reference import Channel

    channel = db.session.scalar(select(Channel).where(Channel.code == BRANCH_CHANNEL))
    if channel is None:
        channel = Channel(code=BRANCH_CHANNEL, name_ar="مناديب المكاتب الفرعية",
                          name_en="Branch office representatives", active=True, sort_order=80)
        db.session.add(channel)
        db.session.flush()
    return channel
