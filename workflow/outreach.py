"""Reaching beneficiaries before they ask (every policy's general goal: «الوصول إليهم بأسهل الطرق
دون الحاجة إلى طلب المستفيد»).

For a service type, the registered beneficiaries whose recorded data already meets its
eligibility criteria (workflow.eligibility.evaluate_all: the same engine as verification) and
who have no open request for it and none within its cool-down
(workflow.applications.recent_service_conditions: the same rule as the checklist).

The exclusions are SQL (NOT EXISTS), the criteria are evaluated in Python over the remaining
beneficiaries in batches, each batch with its household loaded in one query: the number of
queries depends on the registry's size divided by the batch size, never on one query per person.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import selectinload

from extensions import db
from models.application import Application, Status
from models.beneficiary import Beneficiary
from models.reference import Channel
from models.types import utcnow
from workflow.applications import receive_application, recent_service_conditions
from workflow.branches import scope_query
from workflow.dates import to_local
from workflow.eligibility import PASS, UNKNOWN, evaluate_all

OUTREACH_CHANNEL = "outreach"
BATCH = 500
MAX_SELECTED = 200  # beneficiaries one bulk action may act on


@dataclass
class OutreachList:
    service_type: object
    eligible: list = field(default_factory=list)  # Beneficiary rows, every criterion passed
    data_missing: int = 0  # would be listed but a criterion's data is not recorded
    checked: int = 0  # beneficiaries evaluated (after the SQL exclusions)


def _today() -> date:
    return to_local(utcnow()).date()


def candidates_query(service_type, *, branch: str = "", city: str = "", day: date | None = None, user=None,
                     ids=None):
    """Beneficiaries not anonymised, without an open request for the service and none within its
    cool-down, kept to what `user` may see, filtered by branch ("0": head office) and city."""
    day = day or _today()
    query = db.session.query(Beneficiary).filter(Beneficiary.anonymised_at.is_(None))
    query = scope_query(query, Beneficiary, user)
    if branch == "0":
        query = query.filter(Beneficiary.branch_id.is_(None))
    elif branch and str(branch).isdigit():
        query = query.filter(Beneficiary.branch_id == int(branch))
    if city:
        query = query.filter(Beneficiary.city == city.strip())
    if ids is not None:
        query = query.filter(Beneficiary.id.in_(list(ids)))
    open_request = exists().where(Application.beneficiary_id == Beneficiary.id,
                                  Application.service_type_id == service_type.id,
                                  Application.status.in_(Status.OPEN))
    query = query.filter(~open_request)
    recent = recent_service_conditions(service_type, day)
    if recent is not None:
        query = query.filter(~exists().where(Application.beneficiary_id == Beneficiary.id, *recent))
    return query.order_by(Beneficiary.name_search, Beneficiary.id)


def eligible_beneficiaries(service_type, *, branch: str = "", city: str = "", day: date | None = None, user=None,
                           ids=None) -> OutreachList:
    day = day or _today()
    result = OutreachList(service_type=service_type)
    criteria = list(service_type.criteria)  # loaded once
    query = candidates_query(service_type, branch=branch, city=city, day=day, user=user, ids=ids)
    query = query.options(selectinload(Beneficiary.household), selectinload(Beneficiary.branch))
    for beneficiary in query.yield_per(BATCH):
        result.checked += 1
        outcomes = {r.outcome for r in evaluate_all(service_type, beneficiary, day)} if criteria else {PASS}
        if outcomes <= {PASS}:
            result.eligible.append(beneficiary)
        elif UNKNOWN in outcomes and outcomes <= {PASS, UNKNOWN}:
            result.data_missing += 1
    return result


def outreach_channel() -> Channel:
    """The outreach channel; created the first time an outreach request is opened."""
    channel = db.session.scalar(select(Channel).where(Channel.code == OUTREACH_CHANNEL))
    if channel is None:
        channel = Channel(code=OUTREACH_CHANNEL, name_ar="الوصول إلى المستفيدين دون طلب منهم",
                          name_en="Outreach (reaching beneficiaries before they ask)", active=True, sort_order=90)
        db.session.add(channel)
        db.session.flush()
    return channel


def _selected(service_type, ids, user) -> list:
    ids = sorted({int(i) for i in ids if str(i).isdigit()})[:MAX_SELECTED]
    if not ids:
        return []
    # Checked again now: someone may have applied, or the data changed, since the list was shown.
    return eligible_beneficiaries(service_type, user=user, ids=ids).eligible


def open_requests(service_type, ids, actor) -> list[Application]:
    """Open a request (channel: outreach) for each selected beneficiary still eligible. The caller commits."""
    channel = outreach_channel()
    note = str(_l("Opened by outreach: the recorded data meets this service's conditions."))
    return [receive_application(b, service_type, channel, actor=actor, description=note, branch=b.branch)
            for b in _selected(service_type, ids, actor)]


def invite(service_type, ids, actor) -> list:
    """Record (and send where configured) an invitation to apply for each selected beneficiary still
    eligible. The caller commits."""
    from workflow.notify import invite_to_service

    outreach_channel()
    return [invite_to_service(b, service_type, staff=actor) for b in _selected(service_type, ids, actor)]
