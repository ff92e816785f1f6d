"""Ajax look-ups (Select2) for relations to the large tables: beneficiaries and requests.

A form field pointing at a 100,000-row table must never render a <select> of the
whole table, nor search it with ILIKE '%term%'. SecureModelView gives every such
relation one of these loaders (default_ajax_refs) unless the view sets its own.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect as sa_inspect

from admin_views.performance import IndexedAjaxLoader
from extensions import db
from models.application import Application
from models.beneficiary import Beneficiary
from workflow.branches import scope_query
from workflow.identity import mask_national_id
from workflow.registry import search_clause


class BeneficiaryLoader(IndexedAjaxLoader):
    """Beneficiaries by any word of the name (any spelling), national ID or mobile, as the list's
    search box finds them; anonymised records are not offered, IDs are shown masked."""

    def __init__(self, name, **options):
        options.setdefault("placeholder", _l("Name, national ID or mobile"))
        options.setdefault("minimum_input_length", 2)
        super().__init__(name, db.session, Beneficiary, search=search_clause,
                         order_by=Beneficiary.name_search, **options)

    def get_query(self):
        return scope_query(super().get_query().filter(Beneficiary.anonymised_at.is_(None)), Beneficiary)

    def format(self, model):
        if model is None:
            return None
        return model.id, f"{model.full_name} — {mask_national_id(model.national_id)}"


def _reference_prefix(text: str) -> str:
    return (text or "").strip().upper()


class ApplicationLoader(IndexedAjaxLoader):
    """Requests by the start of their reference number (REQ-1447-…), an index range."""

    def __init__(self, name, **options):
        options.setdefault("placeholder", _l("Reference number"))
        super().__init__(name, db.session, Application, search=(("reference", "prefix", _reference_prefix),),
                         order_by=Application.id, **options)

    def get_query(self):
        return scope_query(super().get_query(), Application)


LOADERS = {Beneficiary: BeneficiaryLoader, Application: ApplicationLoader}


def default_ajax_refs(model, form_columns=None, excluded=()) -> dict:
    """form_ajax_refs for every relation of `model` (in the form) that points at a large table."""
    refs = {}
    for rel in sa_inspect(model).relationships:
        loader = LOADERS.get(rel.mapper.class_)
        if loader is None or rel.viewonly:
            continue
        if form_columns is not None and rel.key not in form_columns:
            continue
        if rel.key in (excluded or ()):
            continue
        refs[rel.key] = loader(rel.key, page_size=10)
    return refs
