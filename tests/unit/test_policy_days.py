"""Arabic counted nouns for the decision period."""
import pytest

from workflow.policy import arabic_days, english_days, fill_days


@pytest.mark.parametrize("n, nominative, genitive", [
    (1, "يوم واحد", "يوم واحد"),
    (2, "يومان", "يومين"),
    (3, "3 أيام", "3 أيام"),
    (7, "7 أيام", "7 أيام"),
    (10, "10 أيام", "10 أيام"),
    (11, "11 يومًا", "11 يومًا"),
    (14, "14 يومًا", "14 يومًا"),
    (30, "30 يومًا", "30 يومًا"),
    (99, "99 يومًا", "99 يومًا"),
])
def test_arabic_days(n, nominative, genitive):
    assert arabic_days(n) == nominative
    assert arabic_days(n, genitive=True) == genitive


def test_steps_get_the_right_noun_whatever_the_template_wrote():
    assert fill_days("خلال {days} يومًا.", 7, "ar") == "خلال 7 أيام."
    assert fill_days("خلال {days} أيام.", 14, "ar") == "خلال 14 يومًا."
    assert fill_days("خلال {days} يومًا.", 2, "ar") == "خلال يومين."
    assert fill_days("خلال {days} أيام.", 1, "ar") == "خلال يوم واحد."
    assert fill_days("within {days} days.", 1, "en") == "within 1 day."
    assert fill_days("within {days} days.", 14, "en") == "within 14 days."
    assert english_days(7) == "7 days"
