"""`flask policy templates` and `flask policy apply KEY`."""
from extensions import db
from models.organisation import OrganisationProfile
from models.reference import Channel


def test_list_and_apply(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["policy", "templates"])
    assert result.exit_code == 0 and "health_care\t7 days" in result.output
    result = runner.invoke(args=["policy", "apply", "endowment", "--with-organisation"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    profile = db.session.get(OrganisationProfile, 1)
    assert profile.template_key == "endowment" and profile.board_meeting_no == "161"
    assert db.session.scalar(db.select(db.func.count(Channel.id))) == 9  # the policy's eight and outreach
    # Policy 004 names branch offices (issue 14); every policy aims to reach beneficiaries first.
    assert profile.features == {"branches": True, "community_requests": False, "outreach": True}
    result = runner.invoke(args=["policy", "apply", "nope"])
    assert result.exit_code != 0
