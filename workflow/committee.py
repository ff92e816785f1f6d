"""Committee sessions: members, presence, quorum, agenda, closing.

Decisions themselves are a transition of the application and live in
workflow/state_machine.py (decide()); this module holds the session rules
decide() relies on.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from extensions import db
from models.application import Application, Status
from models.committee import AgendaItem, CommitteeSession
from models.types import utcnow
from workflow.errors import IllegalTransition, InvalidInput, NotAllowed
from workflow.roles import Role

OPEN = "open"
CLOSED = "closed"


def _role(user) -> str:
    return getattr(user, "role", "") or ""


def required_quorum(session: CommitteeSession) -> int:
    """The session's quorum, or a majority of its members."""
    if session.quorum:
        return session.quorum
    return len(session.members) // 2 + 1


def has_quorum(session: CommitteeSession) -> bool:
    member_ids = {m.id for m in session.members}
    present = sum(1 for p in session.present if p.id in member_ids)
    return bool(member_ids) and present >= required_quorum(session)


def is_member(session: CommitteeSession, user) -> bool:
    return user is not None and any(m.id == user.id for m in session.members)


def is_present(session: CommitteeSession, user) -> bool:
    return user is not None and any(m.id == user.id for m in session.present)


def check_session_setup(members, quorum: int | None) -> None:
    """Members must be active committee users; the quorum must be reachable."""
    if not members:
        raise InvalidInput(_l("Choose at least one committee member."))
    for user in members:
        if _role(user) != Role.COMMITTEE.value or not user.active:
            raise InvalidInput(_l("%(name)s is not an active committee member.", name=str(user)))
    if quorum is not None and (quorum < 1 or quorum > len(members)):
        raise InvalidInput(_l("The quorum must be between 1 and the number of members (%(n)d).", n=len(members)))


def _require_open(session: CommitteeSession) -> None:
    if session.status != OPEN:
        raise IllegalTransition(_l("Session %(number)s is closed; its decisions are locked.", number=session.number))


def add_to_agenda(session: CommitteeSession, application: Application, actor) -> AgendaItem:
    if _role(actor) != Role.ADMIN.value:
        raise NotAllowed(_l("Only an administrator prepares the session agenda."))
    _require_open(session)
    if application.status != Status.AWAITING_COMMITTEE:
        raise IllegalTransition(_l("Only requests awaiting the committee can be put on an agenda."))
    elsewhere = db.session.scalar(
        select(CommitteeSession.number).join(AgendaItem, AgendaItem.session_id == CommitteeSession.id)
        .where(AgendaItem.application_id == application.id, CommitteeSession.status == OPEN))
    if elsewhere is not None:
        raise IllegalTransition(_l("This request is already on the agenda of open session %(number)s.",
                                   number=elsewhere))
    position = max((i.position for i in session.agenda), default=0) + 1
    item = AgendaItem(session=session, application=application, position=position)
    db.session.add(item)
    db.session.flush()
    return item


def remove_from_agenda(session: CommitteeSession, item: AgendaItem, actor) -> None:
    if _role(actor) != Role.ADMIN.value:
        raise NotAllowed(_l("Only an administrator prepares the session agenda."))
    _require_open(session)
    if any(d.application_id == item.application_id for d in session.decisions):
        raise IllegalTransition(_l("A decision was recorded for this request; it stays on the agenda."))
    session.agenda.remove(item)
    db.session.flush()


def set_presence(session: CommitteeSession, user, present: bool, actor) -> None:
    """A member marks their own presence; an administrator may mark anyone's."""
    _require_open(session)
    if not is_member(session, user):
        raise InvalidInput(_l("%(name)s is not a member of this session.", name=str(user)))
    if _role(actor) != Role.ADMIN.value and getattr(actor, "id", None) != user.id:
        raise NotAllowed(_l("Members mark their own presence."))
    if present and not is_present(session, user):
        session.present.append(user)
    elif not present and is_present(session, user):
        if any(d.recorded_by_id == user.id for d in session.decisions):
            raise IllegalTransition(_l("%(name)s recorded decisions in this session and stays present.",
                                       name=str(user)))
        session.present.remove(user)
    db.session.flush()


def close_session(session: CommitteeSession, actor) -> None:
    """Lock the session and its decisions; undecided items go to a later session."""
    if not (_role(actor) == Role.ADMIN.value or (_role(actor) == Role.COMMITTEE.value and is_present(session, actor))):
        raise NotAllowed(_l("Only an administrator or a present member can close the session."))
    _require_open(session)
    session.status = CLOSED
    session.closed_at = utcnow()
    db.session.flush()


def decision_for(session: CommitteeSession, application_id: int):
    """The latest decision taken in this session on an application, if any."""
    found = [d for d in session.decisions if d.application_id == application_id]
    return found[-1] if found else None


def awaiting_not_scheduled():
    """Requests awaiting the committee that are on no open session's agenda (oldest first)."""
    scheduled = (select(AgendaItem.application_id).join(CommitteeSession, AgendaItem.session_id == CommitteeSession.id)
                 .where(CommitteeSession.status == OPEN))
    return db.session.scalars(
        select(Application).where(Application.status == Status.AWAITING_COMMITTEE,
                                  Application.id.not_in(scheduled)).order_by(Application.received_at)).all()
