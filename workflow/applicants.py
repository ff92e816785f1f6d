"""Who a request comes from (policy 001: «استقبال الطلبات من المستفيدين أو المجتمع فيما يخص البرامج
والمشاريع … أو من الجهة المشرفة فنياً»).

A person's request belongs to a registered beneficiary, as always. A group (a mosque's
congregation, a neighbourhood, a school) or an organisation (the supervising ministry, another
association) asks for a programme or project: there is no single beneficiary with a national ID,
so the request itself carries the applicant's name, its contact person, the organisation's
registration number where it has one and the expected number of beneficiaries; the request has
no beneficiary (Application.beneficiary_id is empty) and the contact person is reached through
the request. Registering the contact person as a beneficiary was rejected: they are not the
beneficiaries, often have no national ID on file, and would then show in eligibility lists and
outreach.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from models.application import ApplicantKind
from workflow.public_forms import clean_text
from workflow.phones import normalize_saudi_mobile

KIND_LABELS = {
    ApplicantKind.PERSON: _l("A person (registered beneficiary)"),
    ApplicantKind.GROUP: _l("A group (congregation, neighbourhood, school)"),
    ApplicantKind.ORGANISATION: _l("An organisation (ministry, association)"),
}
MAX_EXPECTED = 1_000_000


def kind_choices(community: bool = True) -> list[tuple[str, str]]:
    kinds = ApplicantKind.ALL if community else (ApplicantKind.PERSON,)
    return [(k, str(KIND_LABELS[k])) for k in kinds]


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind or ""))


@dataclass
class Applicant:
    """The applicant's details as typed, cleaned by check_applicant()."""

    kind: str = ApplicantKind.PERSON
    name: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    registration_no: str = ""
    expected_beneficiaries: int | None = None
    problems: dict = field(default_factory=dict)  # field name -> message

    @property
    def ok(self) -> bool:
        return not self.problems


def check_applicant(kind, beneficiary, name="", contact_name="", contact_phone="", registration_no="",
                    expected_beneficiaries=None) -> Applicant:
    """Clean and check who is asking. A person needs a registered beneficiary; a group or an
    organisation needs its name, a contact person with a valid mobile and the expected number of
    beneficiaries (the registration number is optional: not every group has one)."""
    kind = (kind or ApplicantKind.PERSON).strip()
    result = Applicant(kind=kind)
    if kind not in ApplicantKind.ALL:
        result.problems["applicant_kind"] = _l("Choose who the request comes from.")
        return result
    if kind == ApplicantKind.PERSON:
        if beneficiary is None:
            result.problems["beneficiary"] = _l("Choose the beneficiary.")
        return result
    result.name = clean_text(name or "")[:200]
    result.contact_name = clean_text(contact_name or "")[:200]
    result.registration_no = clean_text(registration_no or "")[:50]
    if not result.name:
        result.problems["applicant_name"] = _l("Write the group's or the organisation's name.")
    if not result.contact_name:
        result.problems["contact_name"] = _l("Write the contact person's name.")
    try:
        result.contact_phone = normalize_saudi_mobile(contact_phone or "")
    except ValueError as exc:
        result.problems["contact_phone"] = exc.args[0] if exc.args else _l("Enter a valid Saudi mobile number.")
    expected = expected_beneficiaries
    if isinstance(expected, str):
        from workflow.identity import normalize_digits

        expected = normalize_digits(expected).strip()
        expected = int(expected) if expected.isdigit() else None
    if expected is None or not (1 <= int(expected) <= MAX_EXPECTED):
        result.problems["expected_beneficiaries"] = _l("Write how many people are expected to benefit (1 or more).")
    else:
        result.expected_beneficiaries = int(expected)
    if beneficiary is not None:
        result.problems["beneficiary"] = _l("A group's or an organisation's request has no single beneficiary: "
                                            "leave it empty and give the contact person.")
    return result


def is_community(application) -> bool:
    return (application.applicant_kind or ApplicantKind.PERSON) in ApplicantKind.COMMUNITY


def check_execution(application, start, end, responsible) -> list:
    """The approved programme's execution: dates in order, a responsible active staff member
    once dates are set. Only an accepted (or served, closed) request is executed."""
    from models.application import Status

    problems = []
    if application.status not in (Status.ACCEPTED, Status.SERVED, Status.CLOSED) and (start or end or responsible):
        problems.append(_l("Execution is planned once the request is accepted."))
    if start and end and end < start:
        problems.append(_l("The execution cannot end before it starts."))
    if (start or end) and responsible is None:
        problems.append(_l("Name the staff member responsible for the execution."))
    if responsible is not None and not responsible.active:
        problems.append(_l("The responsible staff member's account is not active."))
    return problems
