"""The shared base views: every admin screen inherits its security from here.

Flask-Admin leaves several gaps that are closed here once, for every view:
- permissions are checked on the server for each endpoint (list, details,
  create, edit, delete, actions, inline edit, ajax lookups, export), not by
  hiding buttons;
- inline edit (/ajax/update/) honours the edit permission;
- get_one() goes through get_query(), so a row a role cannot list cannot be
  opened, edited or deleted by guessing its id;
- with BRANCH_SCOPED_ROLES set, get_query()/get_count_query() keep those roles to their own
  branch offices' records (workflow/branches.py), so lists, counts, details, edits, exports,
  bulk actions and every custom endpoint that opens a record through get_one() agree;
- exports escape spreadsheet formulas, carry a UTF-8 BOM for Excel, keep the
  Arabic file name, and are recorded in the audit trail;
- edit forms of versioned models carry the version: a stale save is refused, what changed
  is shown and what was typed is kept (optimistic locking);
- ids out of range are a 404 (RecordIdConverter, ids_out_of_range), never a database error.

And it makes every list fast at the size of a large association (see
admin_views/performance.py and docs/bench.md):
- the row count stops at LIST_COUNT_CAP (10,000: shown as "10,000+"), exact below;
- `list_eager_load` / `details_eager_load` name the relations a screen shows, loaded
  in one extra query at most, however many rows;
- `column_searchable_indexed` replaces ILIKE '%q%' with index-served conditions;
- relations to large tables (beneficiaries, requests) get ajax lookups by default;
- CSV exports stream rows from the database in batches (memory stays flat).
"""
from __future__ import annotations

import csv
import json
from datetime import date, datetime
from collections.abc import Iterable
from urllib.parse import quote, urlencode

import hashlib
import logging
import re
import secrets

from flask import (Response, abort, current_app, flash, g, has_request_context, redirect, request, session,
                   stream_with_context, url_for)
from flask_admin.model import typefmt
from flask_admin.model.template import BaseListRowAction, DeleteRowAction, EditRowAction, ViewRowAction
from flask_admin import AdminIndexView, BaseView, expose
from flask_admin.actions import action
from flask_admin.babel import lazy_gettext as admin_lazy_gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools as sqla_tools
from sqlalchemy import BigInteger
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from flask_admin.contrib.sqla.filters import FilterConverter
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import filters as model_filters
from flask_admin.form import BaseForm
from flask_admin.model.form import InlineBaseFormAdmin, converts
from flask_babel import get_locale, gettext
from flask_admin.babel import Translations as AdminTranslations
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.validators import InputRequired
from wtforms.fields import DateTimeLocalField
from jinja2 import pass_context
from markupsafe import Markup, escape
from werkzeug.datastructures import iter_multi_items
from werkzeug.routing import IntegerConverter

from admin_views.lookups import default_ajax_refs
from forms.text_input import CleanTextMeta, explain_unreadable_input
from forms.dates import DateField, LocalDateTimeField
from admin_views.performance import (
    capped_count,
    count_cap,
    eager_options,
    search_condition,
)
from workflow.audit import record_access
from workflow.branches import scope_query
from workflow.bidi import LTR_FIELDS, ltr, mark_ltr_inputs, reference
from workflow.dates import dual_date
from workflow.roles import ADMIN_ONLY, ALL, Role
from workflow.spreadsheet import export_cell

log = logging.getLogger(__name__)

# Which permission each Flask-Admin endpoint needs.
ENDPOINT_PERMISSION = {
    "index_view": "read",
    "details_view": "read",
    "ajax_lookup": "read",
    "action_view": "read",  # each action is then checked in is_action_allowed()
    "create_view": "create",
    "edit_view": "edit",
    "ajax_update": "edit",
    "delete_view": "delete",
    "export": "export",
}


# Record ids beyond what the key column holds (PostgreSQL's integer stops at 2,147,483,647;
# SQLite cannot bind a number past 2**63) name no record: they are a 404, never a database error.
MAX_RECORD_ID = 2_147_483_647
MAX_BIG_RECORD_ID = 2**63 - 1


def record_id(value) -> int | None:
    """An id from a URL or a form (?id=, ?file=, a posted field) as an int, or None when it is not
    one that could exist: malformed, or out of the key column's range."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -MAX_RECORD_ID - 1 <= number <= MAX_RECORD_ID else None


# The parameters that carry record ids into the screens' endpoints (Flask-Admin's and ours).
ID_PARAMETERS = ("id", "ids", "rowid", "pk", "research", "file", "item", "user", "application")


def ids_out_of_range() -> bool:
    """Whether the request names a record by a number no record can have (checked once, in the
    base views, before any endpoint reads it)."""
    for name in ID_PARAMETERS:
        for value in request.values.getlist(name):
            for piece in str(value).split(","):
                piece = piece.strip().lstrip("-")
                if piece.isdigit() and record_id(piece) is None:
                    return True
    return False


class RecordIdConverter(IntegerConverter):
    """`<int:...>` in every route: out-of-range numbers do not match (404), see MAX_RECORD_ID."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_RECORD_ID)
        super().__init__(map, *args, **kwargs)


def current_role() -> Role | None:
    if not has_request_context():
        return None
    # Asked a hundred times a page (menu, buttons, columns): worked out once per request and user.
    user = g.get("_login_user") or current_user._get_current_object()  # where Flask-Login keeps it
    cached = g.get("_role_of")
    if cached is not None and cached[0] is user:
        return cached[1]
    role = None
    if getattr(user, "is_authenticated", False):
        try:
            role = Role(user.role)
        except ValueError:
            role = None
    g._role_of = (user, role)
    return role


def main_menu(admin_view, render) -> Markup:
    """A page's main menu: which entries it has depends only on the role (every screen's
    is_visible/is_accessible is a role check), its words on the language and its open entry on
    the screen, so it is written once per (role, language, screen) and kept: `render` (the
    template's menu macro) runs on the first page of each."""
    key = (current_role(), str(get_locale()), admin_view.endpoint, request.script_root)
    menus = current_app.extensions.setdefault("brs_main_menus", {})
    html = menus.get(key)
    if html is None:
        html = menus[key] = Markup(_compact_menu(str(render())))
    return html


def static_url(endpoint: str, **values) -> str:
    """url_for of a static file (an app's or Flask-Admin's), built once per process and address:
    a page links twenty of them, and url_for is the dearest call of a page's frame."""
    if not has_request_context() or any(name.startswith("_") for name in values):  # _external: per request
        return url_for(endpoint, **values)
    key = (endpoint, tuple(sorted(values.items())), request.script_root)
    urls = current_app.extensions.setdefault("brs_static_urls", {})
    url = urls.get(key)
    if url is None:
        url = urls[key] = url_for(endpoint, **values)
    return url


def _compact_menu(html: str) -> str:
    """Flask-Admin's menu macro without its comments, its Bootstrap 3 chevrons (Bootstrap 4 draws
    the dropdown's caret itself) and the line breaks around its tags: a fifth of a list page."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    html = re.sub(r'<i class="glyphicon glyphicon-chevron-(?:down|right) small"></i>', "", html)
    html = re.sub(r'\s*\n\s*', "\n", html)
    return re.sub(r">\n+", ">", re.sub(r"\n+<", "<", html)).strip()


def role_in(roles: Iterable[Role]) -> bool:
    role = current_role()
    return role is not None and role in roles


def _deny(name=None, **kwargs):
    """Anonymous people go to the login page; staff without the right get 403."""
    if not getattr(current_user, "is_authenticated", False):
        return redirect(url_for("auth.login", next=request.full_path if request.method == "GET" else None))
    abort(403)


class CheckedByWorkflow(InputRequired):
    """Marks a field required (asterisk, the browser's `required`) whose emptiness the workflow
    itself reports, in its own words, next to the field: this validator adds no second message."""

    def __call__(self, form, field):
        return None


class AdminForm(FlaskForm):
    """Flask-Admin forms carry Flask-WTF's CSRF token, which the global CSRFProtect checks."""

    class Meta(CleanTextMeta, FlaskForm.Meta):
        _translations = AdminTranslations()

        def get_translations(self, form):
            return self._translations

    # Fields the workflow requires though no validator says so (it checks them itself): marked
    # with the asterisk and the browser's `required`, so an empty save is stopped at once.
    required_fields: frozenset[str] = frozenset()

    def __init__(self, formdata=None, obj=None, prefix="", **kwargs):
        self._obj = obj
        super().__init__(formdata=formdata, obj=obj, prefix=prefix, **kwargs)
        mark_ltr_inputs(self)
        for name in self.required_fields:
            field = self._fields.get(name)
            if field is not None and not any(isinstance(v, InputRequired) for v in field.validators):
                field.validators = [*field.validators, CheckedByWorkflow()]
                field.flags.required = True

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        explain_unreadable_input(self)
        # Flask-Admin's templates print only `str` errors; translated (lazy) messages become text here.
        for field in self:
            if isinstance(field.errors, list):
                field.errors = [e if isinstance(e, (list, dict)) else str(e) for e in field.errors]
        return valid


class InlineForm(BaseForm):
    """Base of inline (household, documents, criteria) forms: same text cleaning as AdminForm."""

    class Meta(CleanTextMeta, BaseForm.Meta):
        pass


class AppModelConverter(AdminModelConverter):
    """Form fields for our own column types."""

    # One date input everywhere (the browser's own, with the Hijri beside it) and times in the
    # organisation's time zone: forms/dates.py.
    @converts("UTCDateTime")
    def convert_utc_datetime(self, field_args, **extra):
        return LocalDateTimeField(**field_args)

    # Flask-Admin's date pickers (daterangepicker) rewrite the field on every key press, so a date
    # could not be typed, and the calendar is mouse-only. The browsers' own date inputs (with the
    # Hijri box beside them, forms/dates.py) work with the keyboard and screen readers (WCAG 2.1.1, 4.1.2).
    @converts("Date")
    def convert_date(self, field_args, **extra):
        return DateField(**field_args)

    @converts("DateTime")
    def convert_datetime(self, field_args, **extra):
        # Shown to the minute (what the browser's input holds); the older forms' formats still read.
        field_args.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S",
                                         "%Y-%m-%d %H:%M"])
        return DateTimeLocalField(**field_args)


class AppFilterConverter(FilterConverter):
    """List filters for our own column types."""

    @model_filters.convert("utcdatetime")
    def conv_utc_datetime(self, column, name, **kwargs):
        return self.conv_datetime(column, name, **kwargs)


def _dual_date_formatter(view, value, name=None):
    return dual_date(value, with_time=isinstance(value, datetime))


# Dates everywhere in lists and details: Gregorian with Hijri (Umm al-Qura).
TYPE_FORMATTERS = dict(typefmt.BASE_FORMATTERS)
TYPE_FORMATTERS.update({date: _dual_date_formatter, datetime: _dual_date_formatter})


class SecureView(BaseView):
    """A custom (non-model) admin page, readable by `roles_read`."""

    roles_read: frozenset[Role] = ALL

    def is_accessible(self) -> bool:
        return role_in(self.roles_read)

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)

    def _handle_view(self, name, **kwargs):
        response = super()._handle_view(name, **kwargs)
        if response is None and ids_out_of_range():
            abort(404)
        return response


class SecureIndexView(AdminIndexView):
    def is_accessible(self) -> bool:
        return current_role() is not None

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)


def way_back(return_url: str, get_url) -> str | None:
    """A list row link's ?url=: none when it is the plain list, where the page goes back anyway
    (not written on every row). The plain list's URL is worked out once per request."""
    plain = g.get("_plain_list_url")
    if plain is None or plain[0] != request.endpoint:
        plain = g._plain_list_url = (request.endpoint, get_url(".index_view"))
    return None if return_url == plain[1] else return_url


def row_url(get_url, endpoint: str, row_id, return_url: str) -> str:
    """A list row's link to `endpoint` (details, edit) with the way back. Built with url_for once
    per page and endpoint, then the row's key put in: twenty url_for calls a page fewer."""
    templates = g.setdefault("_row_url_templates", {})
    key = (request.endpoint, endpoint, return_url)
    template = templates.get(key)
    if template is None:
        template = templates[key] = _unquote_letters(get_url(endpoint, id="ROWKEY", url=way_back(return_url, get_url)))
    return template.replace("ROWKEY", quote(str(row_id), safe=""), 1)


_TWICE_QUOTED_LETTERS = re.compile(r"(?:%25[89A-F][0-9A-F])+")


def _unquote_letters(url: str) -> str:
    """A row link's way back (?url=) with its letters written as letters: the list's URL inside
    the link's had each byte of an Arabic filter or search quoted twice (ج = %25D8%25AC, 10
    bytes for 2), forty times a page. Only whole UTF-8 letters are unquoted, never a delimiter,
    so the way back reads the same; browsers quote them again when they follow the link."""
    def letters(match):
        raw = match.group(0)
        try:
            return bytes.fromhex(raw.replace("%25", "")).decode("utf-8")
        except UnicodeDecodeError:
            return raw
    return _TWICE_QUOTED_LETTERS.sub(letters, url)


class QuickLinkRowAction(BaseListRowAction):
    """A list row's view or edit icon, written directly instead of calling Flask-Admin's template
    macro once per row (and without the Bootstrap 3 icon classes Bootstrap 4 does not use)."""

    def __init__(self, endpoint: str, icon: str, title):
        super().__init__(title=title)
        self.endpoint, self.icon = endpoint, icon

    @pass_context
    def render_ctx(self, context, row_id, row):
        return self.html(row_url(context.resolve("get_url"), self.endpoint, row_id, context.resolve("return_url")))

    def html(self, url: str) -> Markup:
        return Markup(f'<a class="icon fa fa-{escape(self.icon)}" href="{escape(url)}" title="{escape(self.title)}"></a>')


def _isolated(value):
    """A list cell's value, text in <bdi> (see SecureModelView.get_list_value)."""
    if value is None or isinstance(value, (Markup, bool, int, float)) or value == "":
        return value
    return Markup("<bdi>") + escape(value) + Markup("</bdi>")


SEARCH_KEY_ARG = "q"
URL_FOR_SAFE = "!$'()*,/:;?@"  # what url_for leaves unquoted in a query string (Werkzeug's _urlencode)
REMEMBERED_SEARCHES = 20


def remember_search(text: str) -> str:
    """Keep a list search's text in the session; return the short key that stands for it in URLs."""
    searches = dict(session.get("list_searches") or {})
    for key, value in searches.items():
        if value == text:
            return key
    key = secrets.token_urlsafe(6)
    searches[key] = text[:200]
    session["list_searches"] = dict(list(searches.items())[-REMEMBERED_SEARCHES:])
    return key


def recall_search(key: str) -> str | None:
    return (session.get("list_searches") or {}).get(key)


def export_note(export_type: str, args) -> str:
    """What an export covered, for the audit trail: its format, whether a search narrowed it
    and which filters, never the search text or filter values (a national ID, a name)."""
    parts = [export_type]
    if args.get("search") or args.get(SEARCH_KEY_ARG):
        parts.append("search")
    filters = sorted({k for k in args if k.startswith("flt")})
    if filters:
        parts.append(f"filters: {len(filters)}")
    return "; ".join(parts)


VERSION_FIELD = "record_version"


class VersionField(HiddenField):
    """The version of the record the form was opened on, with a fingerprint of each field it
    showed (so a refused save can say which fields changed). Never written to the record."""

    def populate_obj(self, obj, name):
        pass


def _fingerprint(value) -> str:
    if isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__") and not isinstance(value, (str, bytes, dict)):
        value = sorted(str(_identity(v)) for v in value)
    else:
        value = _identity(value)
    raw = json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


def _identity(value):
    """A related record stands for its key; anything else for itself."""
    state = sa_inspect(value, raiseerr=False) if value is not None and hasattr(value, "__table__") else None
    return list(state.identity or ()) if state is not None else value


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, (date, datetime)):
        return dual_date(value, with_time=isinstance(value, datetime))
    if isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__") and not isinstance(value, (str, dict)):
        return "، ".join(str(v) for v in value) or "—"
    text = str(value)
    return text if len(text) <= 80 else text[:80] + "…"


class SecureModelView(ModelView):
    """Base of every model screen. Subclasses set the role sets, nothing else."""

    roles_read: frozenset[Role] = ADMIN_ONLY
    roles_create: frozenset[Role] = ADMIN_ONLY
    roles_edit: frozenset[Role] = ADMIN_ONLY
    roles_delete: frozenset[Role] = ADMIN_ONLY
    roles_export: frozenset[Role] = frozenset()
    # Per bulk action: {"verify": {Role.OFFICER, ...}}; unnamed actions need edit.
    action_roles: dict[str, frozenset[Role]] = {}
    # Table whose reads and exports are personal data and go to the audit trail.
    audit_reads = False
    # How rows reach their branch office for BRANCH_SCOPED_ROLES: None = workflow.branches.SCOPES
    # by model ("self", or the relation to a branch-carrying model).
    branch_scope: str | None = None
    # Custom endpoints open to other roles than roles_read: {"eligible_view": ADMIN_OFFICER}.
    endpoint_roles: dict[str, frozenset[Role]] = {}

    form_base_class = AdminForm
    model_form_converter = AppModelConverter
    filter_converter = AppFilterConverter()
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    can_view_details = True
    list_template = "admin/model/lean_list.html"  # Flask-Admin's list, less work per row
    # 20 rows a page, Flask-Admin's (and Django admin's) default: a list page stays under 40 KB.
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    export_types = ["csv", "xlsx"]
    export_max_rows = 50_000

    # -- performance (admin_views/performance.py) --------------------------
    # Relations shown in the list, as dotted paths: ("beneficiary", "service_type").
    # To-one relations are joined, collections come with one SELECT ... IN per page.
    list_eager_load: tuple = ()
    # Relations shown on the details page (e.g. a timeline).
    details_eager_load: tuple = ()
    # Index-served search: ((column, mode, normaliser), ...), modes in performance.SEARCH_MODES.
    # When set, the search box uses only these conditions (not ILIKE on column_searchable_list).
    column_searchable_indexed: tuple = ()
    # Relations to large tables (admin_views.lookups.LOADERS) become ajax lookups
    # unless the view sets form_ajax_refs itself or turns this off.
    auto_ajax_refs = True
    # List columns whose cell depends only on one attribute of the row (a status, a service type
    # by its key): {"status": "status", "service_type": "service_type_id"}. Each value's cell is
    # written once per page (list_row_renderer).
    list_cells_by_value: dict[str, str] = {}
    # Columns a list page reads of a joined relation it shows (the rest stays unread):
    # {"beneficiary": ("first_name", ...)}. Exports read whole rows.
    list_load_only: dict[str, tuple[str, ...]] = {}
    # From this many rows skipped, a list page reads its keys first (see get_list).
    deep_page_offset = 2_000
    # Rows fetched per round trip when a CSV export streams.
    export_batch_size = 1_000

    def __init__(self, model, session, *args, **kwargs):
        for inline in self.inline_models or ():
            if isinstance(inline, InlineBaseFormAdmin) and inline.form_base_class is None:
                inline.form_base_class = InlineForm
        if self.form_ajax_refs is None and self.auto_ajax_refs and (self.roles_create or self.roles_edit):
            refs = default_ajax_refs(model, self.form_columns, self.form_excluded_columns or ())
            if refs:
                self.form_ajax_refs = refs
        super().__init__(model, session, *args, **kwargs)
        self._isolate_ltr_columns()

    def _isolate_ltr_columns(self) -> None:
        """Phones, IDs, emails and references in every list and details page: left-to-right
        islands (workflow/bidi.py), unless the screen formats the column itself."""
        formatters = self.column_formatters
        if not isinstance(formatters, dict):
            return
        wanted = {name for name in LTR_FIELDS if name not in formatters and hasattr(self.model, name)}
        if not wanted:
            return
        added = dict(formatters)
        for name in wanted:
            shown = reference if name == "reference" else ltr
            added[name] = lambda v, c, m, n, shown=shown: shown(getattr(m, n, None))
        try:
            self.column_formatters = added
        except AttributeError:  # a screen that computes its formatters keeps them
            pass

    # -- optimistic locking ---------------------------------------------------
    # A model with a version column (SQLAlchemy version_id_col) gets it carried in its edit form;
    # a save from a form opened before someone else's save is refused (what changed is shown,
    # what was typed is kept). Set False to opt a view out.
    optimistic_locking = True

    def _version_key(self) -> str | None:
        if not self.optimistic_locking:
            return None
        mapper = sa_inspect(self.model)
        column = mapper.version_id_col
        return mapper.get_property_by_column(column).key if column is not None else None

    def get_edit_form(self):
        form_class = super().get_edit_form()
        if self._version_key() is None:
            return form_class
        return type(form_class.__name__, (form_class,), {VERSION_FIELD: VersionField()})

    def _watched_fields(self, form, model) -> list[str]:
        attrs = sa_inspect(type(model)).attrs
        return [field.name for field in form if field.name in attrs and field.name != self._version_key()]

    def _version_token(self, form, model) -> str:
        fingerprints = {name: _fingerprint(getattr(model, name)) for name in self._watched_fields(form, model)}
        return json.dumps({"v": getattr(model, self._version_key()), "f": fingerprints}, separators=(",", ":"))

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        field = getattr(form, VERSION_FIELD, None)
        if field is not None and obj is not None and not field.data:
            field.data = self._version_token(form, obj)
        return form

    def stale_edit_message(self, form, model) -> str | None:
        """None when the form was opened on the record's current version (or changed no field
        the form shows); otherwise the translated refusal naming the changed fields and their values."""
        field = getattr(form, VERSION_FIELD, None)
        key = self._version_key()
        if field is None or key is None or not field.data:
            return None
        try:
            seen = json.loads(field.data)
            seen_version, fingerprints = int(seen["v"]), dict(seen["f"])
        except (ValueError, TypeError, KeyError):
            return gettext("This form could not be checked against the saved record. Reload the page and "
                           "enter your changes again.")
        if seen_version == getattr(model, key):
            return None
        changed = [name for name, mark in fingerprints.items()
                   if hasattr(model, name) and _fingerprint(getattr(model, name)) != mark]
        if not changed:
            return None  # someone saved fields this form does not show: nothing of theirs is overwritten
        lines = "; ".join(f"{form[name].label.text}: «{_shown(getattr(model, name))}»"
                          for name in changed if name in form)
        return gettext("Someone else saved this record after you opened it, so your changes were NOT saved. "
                       "What you typed is kept below. Changed in the meantime: %(changes)s. Check these fields, "
                       "then save again to keep your version.", changes=lines)

    def update_model(self, form, model):
        message = self.stale_edit_message(form, model)
        if message:
            flash(message, "error")
            # The person has now seen the other save: saving again (on purpose) is accepted.
            form[VERSION_FIELD].data = self._version_token(form, model)
            return False
        return super().update_model(form, model)

    # -- errors -------------------------------------------------------------
    def handle_view_exception(self, exc: Exception) -> bool:
        """A save made stale by another one at the same moment is refused in the user's language."""
        if isinstance(exc, StaleDataError):  # two saves of the same version at the same moment
            flash(gettext("Someone else saved this record at the same moment, so your changes were NOT saved. "
                          "What you typed is kept below: reload the record in another tab to compare, then "
                          "save again."), "error")
            log.warning("concurrent save refused on %s", self.model.__tablename__)
            return True
        # A save refused by the database (a duplicate number, a record still in use) is told to the
        # user in their language; Flask-Admin's default showed the raw SQL error. The log names the
        # table and constraint only (SQL parameters are hidden from errors: hide_parameters).
        if isinstance(exc, IntegrityError) and not current_app.config.get("FLASK_ADMIN_RAISE_ON_INTEGRITY_ERROR"):
            flash(gettext("This could not be saved: it conflicts with another record (for example a number "
                          "that is already registered) or is still used by other records. Nothing was changed."),
                  "error")
            diag = getattr(getattr(exc, "orig", None), "diag", None)
            log.warning("integrity error on %s (%s)", self.model.__tablename__,
                        getattr(diag, "constraint_name", None) or type(getattr(exc, "orig", exc)).__name__)
            return True
        return super().handle_view_exception(exc)

    # -- permission checks -------------------------------------------------
    def allowed(self, permission: str) -> bool:
        return role_in(getattr(self, f"roles_{permission}"))

    def is_accessible(self) -> bool:
        return self.allowed("read")

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name, **kwargs):
        return _deny(name, **kwargs)

    def _handle_view(self, name, **kwargs):
        if name in self.endpoint_roles:
            return None if role_in(self.endpoint_roles[name]) else _deny(name, **kwargs)
        response = super()._handle_view(name, **kwargs)
        if response is not None:
            return response
        permission = ENDPOINT_PERMISSION.get(name, "read")
        if not self.allowed(permission):
            return _deny(name, **kwargs)
        if ids_out_of_range():
            abort(404)
        return None

    # Flask-Admin reads these flags to draw buttons and in some endpoints;
    # they follow the signed-in role on every request.
    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allowed("create")

    @can_create.setter
    def can_create(self, value) -> None:
        pass

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allowed("edit")

    @can_edit.setter
    def can_edit(self, value) -> None:
        pass

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allowed("delete")

    @can_delete.setter
    def can_delete(self, value) -> None:
        pass

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allowed("export")

    @can_export.setter
    def can_export(self, value) -> None:
        pass

    def is_action_allowed(self, name: str) -> bool:
        if name == "delete":
            return self.allowed("delete")
        roles = self.action_roles.get(name)
        if roles is None:
            return self.allowed("edit")
        return role_in(roles)

    # -- search terms stay out of URLs --------------------------------------
    # What is typed in a list's search box is often a national ID, a mobile number or a name.
    # static/js/app.js posts the box here; the text is kept in the (signed) session under a
    # short random key and the list's links carry only ?q=<key>, so the text never reaches a
    # URL: not the address bar, the history, a Referer header or the server's access log.
    # Without JavaScript the box still works the Flask-Admin way (?search=...).
    @expose("/", methods=("GET", "POST"))
    def index_view(self):
        if request.method == "POST":  # CSRF-checked by CSRFProtect like every POST
            args = {k: v for k, v in request.form.items() if k not in ("csrf_token", "search", SEARCH_KEY_ARG)}
            text = " ".join((request.form.get("search") or "").split())
            if text:
                args[SEARCH_KEY_ARG] = remember_search(text)
            return redirect(self.get_url(".index_view", **args))
        return super().index_view()

    @pass_context
    def get_list_value(self, context, model, name):
        """Every list cell of text people typed (a name, a city, a service) is isolated in <bdi>:
        mixed Arabic and Latin text (a name with a number, an English service name) never
        reorders the cell or its neighbours. Cells a formatter built as HTML are left as they are."""
        return _isolated(super().get_list_value(context, model, name))

    @pass_context
    def list_row_renderer(self, context):
        """The cells of one list row (checkbox, row icons, columns) as HTML, from a function set up
        once per page: the same cells as Flask-Admin's list_row block, without two template calls and
        a formatter search per cell, which were most of a list page's time. The values are those of
        get_list_value (Flask-Admin's _get_list_value: column formatter or attribute, choices, then
        the formatter of the value's type), escaped as the template escapes them."""
        formatters = self.column_formatters
        type_formatters = self.column_type_formatters
        choices = self._column_choices_map
        field_value = self._get_field_value
        by_type: dict = {}

        def type_formatter(value):
            kind = type(value)
            if kind not in by_type:
                by_type[kind] = next((f for t, f in type_formatters.items() if isinstance(value, t)), None)
            return by_type[kind]

        by_value = self.list_cells_by_value
        written: dict = {}

        def cell(row, name):
            attribute = by_value.get(name)
            if attribute is None:
                return write_cell(row, name)
            key = (name, getattr(row, attribute))
            html = written.get(key)
            if html is None:
                html = written[key] = write_cell(row, name)
            return html

        def write_cell(row, name):
            fmt = formatters.get(name)
            value = fmt(self, context, row, name) if fmt is not None else field_value(row, name)
            choice_map = choices.get(name)
            if choice_map:
                value = choice_map.get(value) or value
            else:
                type_fmt = type_formatter(value)
                if type_fmt is not None:
                    value = type_fmt(self, value, name)
            return escape(_isolated(value))

        columns = [(name, f'<td class="col-{escape(name)}">') for name, _label in context.resolve("list_columns")]
        checkbox = None
        if context.resolve("actions"):
            title = escape(context.resolve("_gettext")("Select record"))
            checkbox = ('<td><input type="checkbox" name="rowid" class="action-checkbox" value="',
                        f'" title="{title}" /></td>')
        links = []  # per row action: (HTML with ROWKEY for the row's key, None) or (None, the action)
        if self.column_display_actions:
            get_url, return_url = context.resolve("get_url"), context.resolve("return_url")
            for action in context.resolve("list_row_actions"):
                if isinstance(action, QuickLinkRowAction):
                    links.append((str(action.html(row_url(get_url, action.endpoint, "ROWKEY", return_url))), None))
                else:
                    links.append((None, action))
        get_pk = self.get_pk_value

        def render(row) -> Markup:
            pk = get_pk(row)
            parts = []
            if checkbox:
                parts += (checkbox[0], escape(pk), checkbox[1])
            if links:
                key = quote(str(pk), safe="")
                parts.append('<td class="list-buttons-column">')
                for html, action in links:
                    parts.append(html.replace("ROWKEY", key, 1) if html is not None
                                 else escape(action.render_ctx(context, pk, row)))
                    parts.append(" ")
                parts.append("</td>")
            for name, opening in columns:
                parts += (opening, cell(row, name), "</td>")
            return Markup("".join(parts))

        return render

    def get_list_row_actions(self):
        """View and edit icons per row; no delete form per row (a third of a list page's bytes):
        rows are deleted by ticking them and choosing Delete under "With selected", confirmed."""
        quick = {ViewRowAction: (".details_view", "eye"), EditRowAction: (".edit_view", "pencil")}
        actions = []
        for a in super().get_list_row_actions():
            if type(a) is DeleteRowAction:
                continue
            actions.append(QuickLinkRowAction(*quick[type(a)], a.title) if type(a) in quick else a)
        return actions

    @expose("/ajax/lookup/", methods=("GET", "POST"))
    def ajax_lookup(self):
        """A form's search-as-you-type field. static/js/app.js sends it as a POST (CSRF header), so
        the name or ID being typed is not in a URL; GET (?query=) still answers without it.
        Only for those who fill the forms it serves (results show names and IDs)."""
        if not (self.can_create or self.can_edit):
            abort(403)
        values = request.values  # the field's name is in its URL; what was typed is in the body when posted
        loader = self._form_ajax_refs.get(values.get("name") or "")
        if not loader:
            abort(404)
        rows = loader.get_list(values.get("query") or "", values.get("offset", 0, type=int) or 0,
                               values.get("limit", 10, type=int) or 10)
        return Response(json.dumps([loader.format(m) for m in rows], ensure_ascii=False),
                        mimetype="application/json")

    def _get_list_extra_args(self):
        view_args = super()._get_list_extra_args()
        key = view_args.extra_args.get(SEARCH_KEY_ARG)
        if key:
            if not view_args.search:
                view_args.search = recall_search(key)
            # A ?search= typed anew (no JavaScript) replaces the key; an unknown or forgotten key
            # means no search. Either way the links must not carry the old key.
            if view_args.search is None or request.args.get("search"):
                view_args.extra_args.pop(SEARCH_KEY_ARG)
        return view_args

    def _get_list_url(self, view_args):
        if view_args.extra_args.get(SEARCH_KEY_ARG):
            if view_args.search:  # the key stands for the text
                view_args = view_args.clone(search=None)
            else:  # "clear search"
                extra = dict(view_args.extra_args)
                extra.pop(SEARCH_KEY_ARG)
                view_args = view_args.clone(extra_args=extra)
        return self.list_url(view_args)

    def list_url(self, view_args) -> str:
        """Flask-Admin's _get_list_url (the same parameters in the same order, encoded as url_for
        encodes them) from the list's address built once per page: a list page has some twenty
        of these links (pager, sort headers, page sizes), and url_for was a tenth of its frame.
        The default page size is left out (Flask-Admin writes it into every link)."""
        bases = g.setdefault("_list_base_urls", {})
        base = bases.get(self.endpoint)
        if base is None:
            base = bases[self.endpoint] = self.get_url(".index_view")
        values = {"page": view_args.page or None, "sort": view_args.sort,
                  "desc": 1 if view_args.sort_desc else None, "search": view_args.search}
        values.update(view_args.extra_args)
        size = self.get_safe_page_size(view_args.page_size)
        values["page_size"] = size if size != self.page_size else None
        values.update(self._get_filters(view_args.filters))
        query = urlencode([item for item in iter_multi_items(values) if item[1] is not None], safe=URL_FOR_SAFE)
        return f"{base}?{query}" if query else base

    # -- lists that stay fast at 100,000 rows ------------------------------
    def init_search(self) -> bool:
        supported = super().init_search()
        return supported or bool(self.column_searchable_indexed)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        if not self.column_searchable_indexed:
            return super()._apply_search(query, count_query, joins, count_joins, search)
        dialect = query.session.get_bind().dialect.name
        condition = search_condition(self.model, self.column_searchable_indexed, search, dialect)
        query = query.filter(condition)
        if count_query is not None:
            count_query = count_query.filter(condition)
        return query, count_query, joins, count_joins

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None,
                 with_count=True):
        """Flask-Admin's get_list with a capped count and the declared eager loads."""
        joins: dict = {}
        count_joins: dict = {}
        query = self.get_query()
        count_query = self.get_count_query() if with_count and not self.simple_list_pager else None
        if self._search_supported and search:
            query, count_query, joins, count_joins = self._apply_search(
                query, count_query, joins, count_joins, search)
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(
                query, count_query, joins, count_joins, filters)
        count = None
        if count_query is not None:
            size = self.page_size if page_size is None else page_size
            count = self.indexed_count(search if self._search_supported else None, filters, page, size)
            if count is None:
                count = capped_count(count_query, page, size, count_cap())
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        size = self.page_size if page_size is None else page_size
        offset = (page or 0) * (size or 0)
        pk = sa_inspect(self.model).primary_key
        if size and offset >= self.deep_page_offset and len(pk) == 1:
            # A deep page (page 2,000 of the audit trail): find the page's keys first, from the
            # index alone, then read just those rows. OFFSET over whole rows made PostgreSQL fetch
            # the 50,000 skipped rows from the table.
            keys = query.with_entities(pk[0]).offset(offset).limit(size).subquery()
            query = query.filter(pk[0].in_(select(keys.c[0]))).limit(size)
        else:
            query = self._apply_pagination(query, page, page_size)
        for j in self._auto_joins:
            option = joinedload(j)
            columns = self.list_load_only.get(j.key) if execute else None  # exports read whole rows
            if columns:
                option = option.load_only(*(getattr(j.property.mapper.class_, c) for c in columns))
            query = query.options(option)
        if self.list_eager_load:
            query = query.options(*eager_options(self.model, self.list_eager_load))
        if execute:
            query = query.all()
            self.annotate_rows(query)
        return count, query

    def indexed_count(self, search, filters, page, page_size):
        """The list's row count read from an index alone (a screen whose search has its own index
        table), or None: then the count query counts the rows themselves."""
        return None

    def annotate_rows(self, rows) -> None:
        """Attach per-row figures computed for a whole page at once (one grouped query, not one
        per row). Called for list pages and for each batch of an export."""

    def _annotated_batches(self, query):
        batch = []
        for row in query.yield_per(self.export_batch_size):
            batch.append(row)
            if len(batch) == self.export_batch_size:
                self.annotate_rows(batch)
                yield from batch
                batch = []
        if batch:
            self.annotate_rows(batch)
            yield from batch

    def _export_data(self):
        """Rows for an export, without a count, streamed from the database in batches."""
        for col, func in self.column_formatters_export.items():
            if col in [c for c, _ in self._export_columns] and func.__name__ == "inner":
                raise NotImplementedError(f"Macros are not supported in export: {col}")
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _, query = self.get_list(0, sort[0] if sort else None, view_args.sort_desc, view_args.search,
                                 view_args.filters, execute=False, page_size=self.export_max_rows,
                                 with_count=False)
        return None, self._annotated_batches(query)

    # -- branch offices ---------------------------------------------------
    def get_query(self):
        return scope_query(super().get_query(), self.model, via=self.branch_scope)

    def get_count_query(self):
        return scope_query(super().get_count_query(), self.model, via=self.branch_scope)

    # -- closing Flask-Admin's gaps --------------------------------------
    def typed_key(self, id) -> list | None:
        """A record id from a URL or form, converted to the key's types (PostgreSQL refuses
        integer = varchar); None when malformed, which callers treat as "no such record"."""
        columns = sa_inspect(self.model).primary_key
        try:
            values = [col.type.python_type(v) for col, v in zip(columns, sqla_tools.iterdecode(id))]
        except (TypeError, ValueError, NotImplementedError):
            return None
        for col, value in zip(columns, values):
            if isinstance(value, int):
                limit = MAX_BIG_RECORD_ID if isinstance(col.type, BigInteger) else MAX_RECORD_ID
                if not -limit - 1 <= value <= limit:
                    return None
        return values

    def typed_ids(self, ids) -> list:
        """Row ids from a bulk action, typed; malformed ones dropped."""
        if len(sa_inspect(self.model).primary_key) != 1:
            return list(ids)
        return [key[0] for key in map(self.typed_key, ids) if key]

    def get_one(self, id):
        """Open a record only if this role could list it (get_query applies)."""
        values = self.typed_key(id)
        if values is None:
            return None
        columns = sa_inspect(self.model).primary_key
        query = self.get_query().filter(*[col == v for col, v in zip(columns, values)])
        if self.details_eager_load:
            # PostgreSQL plans a record joined with its model's own to-one relations and these in
            # 1.5 ms (eight tables); a small query per set key costs less there. SQLite plans joins
            # for next to nothing and pays per statement.
            dialect = query.session.get_bind().dialect.name
            query = query.options(*eager_options(self.model, self.details_eager_load,
                                                 to_one=selectinload if dialect == "postgresql" else joinedload))
        record = query.one_or_none()
        # Opening a record (its details, or its edit form, which shows the same data) is recorded.
        if (record is not None and self.audit_reads and request.method == "GET" and request.endpoint
                and request.endpoint.endswith(("details_view", "edit_view"))):
            record_access("view", self.model.__tablename__, "-".join(map(str, values)))
        return record

    @action("delete", admin_lazy_gettext("Delete"),
            admin_lazy_gettext("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        return super().action_delete(self.typed_ids(ids))

    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self):
        if not self.can_edit:  # Flask-Admin does not check this itself
            abort(403)
        return super().ajax_update()

    def get_export_value(self, model, name):
        return export_cell(super().get_export_value(model, name))

    def get_export_name(self, export_type: str = "csv") -> str:
        return super().get_export_name(export_type)

    def _export_disposition(self, export_type: str) -> str:
        # secure_filename() would drop Arabic; RFC 5987 keeps it.
        name = self.get_export_name(export_type)
        ascii_name = f"{self.model.__tablename__}.{export_type}"
        return f"attachment; filename={ascii_name}; filename*=UTF-8''{quote(name)}"

    @expose("/export/<export_type>/")
    def export(self, export_type: str):
        if self.can_export and export_type in self.export_types and self.audit_reads:
            record_access("export", self.model.__tablename__, note=export_note(export_type, request.args))
        response = super().export(export_type)
        if isinstance(response, Response) and "Content-Disposition" in response.headers:
            response.headers["Content-Disposition"] = self._export_disposition(export_type)
        return response

    def _export_csv(self, return_url):
        """Streamed CSV with a UTF-8 BOM so Excel shows Arabic correctly."""
        count, data = self._export_data()

        class Echo:
            def write(self, value):
                return value

        writer = csv.writer(Echo())
        columns = self._export_columns

        def generate():
            yield "\ufeff" + writer.writerow([export_cell(str(c[1])) for c in columns])
            for row in data:
                yield writer.writerow([self.get_export_value(row, c[0]) for c in columns])

        return Response(stream_with_context(generate()), mimetype="text/csv",  # Flask adds the charset
                        headers={"Content-Disposition": "attachment"})


class ReadOnlyModelView(SecureModelView):
    """A record nobody may change from the panel (audit trail, events)."""

    roles_create = frozenset()
    roles_edit = frozenset()
    roles_delete = frozenset()
