"""The admin home page: who you are and what your role lets you do."""
from __future__ import annotations

from flask import url_for
from flask_admin import expose
from flask_login import current_user

from admin_views.base import SecureIndexView, current_role, role_in
from workflow.roles import role_label
from workflow.security import rate_limit_warning


class HomeView(SecureIndexView):
    @expose("/")
    def index(self):
        links = []
        for view in self.admin._views:
            if view is self or not view.is_accessible() or not view.is_visible():
                continue
            perms = []
            for perm in ("create", "edit", "export"):
                if hasattr(view, "allowed") and view.allowed(perm):
                    perms.append(perm)
            # Screens that act without a create/edit form (apply a template, import, record research)
            # say what they do; only a screen that does nothing for this role is "read only".
            actions = [str(label) for label, roles in getattr(view, "home_actions", {}).values() if role_in(roles)]
            links.append({
                "name": view.name,
                "category": view.category,
                "url": url_for(f"{view.endpoint}.index_view" if hasattr(view, "index_view") else f"{view.endpoint}.index"),
                "perms": perms,
                "actions": actions,
            })
        from admin_views.dashboard import list_url, record_url
        from workflow.state_machine import status_label
        from workflow.dashboard import dashboard_for
        from workflow.privacy import privacy_days_left

        return self.render("admin/home.html", links=links,
                           role_name=role_label(current_user.role), user=current_user,
                           panels=dashboard_for(current_user, current_role()), list_url=list_url,
                           record_url=record_url, status_label=status_label, privacy_days_left=privacy_days_left,
                           rate_limit_warning=rate_limit_warning())
