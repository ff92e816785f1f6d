"""Issue 15 (everyday-use polish) over HTTP: each test names the item it covers."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from extensions import db
from models.organisation import OrganisationProfile
from tests import factories as f
from tests.conftest import csrf_token
from tests.conftest import login as _login
from workflow.policy_templates import apply_template

KEYS = ["child_development", "dawa", "endowment", "food_preservation", "health_care"]


def login(client, email, lang="en"):
    _login(client, email)
    client.get(f"/admin/?lang={lang}")


def _html(response):
    return response.get_data(as_text=True)


# -- 2. a template sets or clears every field it defines, after a preview ----------------------
def test_applying_templates_in_turn_leaves_nothing_of_the_previous_one(client, users):
    login(client, "admin@example.org")
    for key in KEYS:
        token = csrf_token(_html(client.get("/admin/policy-templates/")))
        response = client.post("/admin/policy-templates/", data={"csrf_token": token, "key": key,
                                                                 "include_organisation": "y"})
        assert response.status_code == 302
        policy = _html(client.get("/policy?lang=ar"))
        assert ("05057" in policy) == (key == "food_preservation"), key
        profile = db.session.get(OrganisationProfile, 1)
        db.session.refresh(profile)
        assert (profile.licence_no == "05057") == (key == "food_preservation")
    # health_care (the last) has no board approval: dawa's resolution 17 must be gone too
    assert profile.board_resolution_no == "" and profile.board_approval_date is None


def test_preview_lists_what_will_change_and_changes_nothing(client, users):
    apply_template("food_preservation", include_organisation=True)
    db.session.commit()
    login(client, "admin@example.org")
    page = client.get("/admin/policy-templates/")
    assert 'name="preview"' in _html(page) and "Preview the changes" in _html(page)
    preview = _html(client.get("/admin/policy-templates/?preview=dawa&include_organisation=y"))
    table = preview[preview.index('id="template-changes"'):]
    row = re.search(r'<tr data-field="licence_no">(.*?)</tr>', table, re.S).group(1)
    assert "Licence number" in row and "05057" in row and "(empty)" in row
    assert 'data-field="board_resolution_no"' in table and "17" in table
    assert 'name="key" value="dawa"' in preview and 'name="include_organisation" value="y"' in preview
    db.session.expire_all()
    assert db.session.get(OrganisationProfile, 1).licence_no == "05057"  # nothing applied yet
    assert client.get("/admin/policy-templates/?preview=nope").status_code == 302
