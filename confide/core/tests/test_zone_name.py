"""A zone is written the same way for people everywhere: the IANA key without underscores."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.template import Context, Template

from confide.core.times import format_local, zone_name


def test_people_read_zone_names_without_underscores():
    assert zone_name(ZoneInfo("America/New_York")) == "America/New York"
    assert zone_name("America/St_Johns") == "America/St Johns"
    assert zone_name("Europe/Berlin") == "Europe/Berlin"


def test_every_written_instant_names_its_zone_that_way():
    instant = datetime(2031, 1, 14, 23, 30, tzinfo=UTC)
    assert format_local(instant, ZoneInfo("America/New_York")) == "Tue 14 Jan 2031, 18:30 (America/New York)"


def test_templates_use_the_same_name_for_a_key_or_a_zone():
    template = Template("{% load confide %}{{ key|zone_name }}|{{ zone|zone_name }}|{{ missing|zone_name }}")
    rendered = template.render(Context({"key": "America/Los_Angeles", "zone": ZoneInfo("America/Los_Angeles")}))
    assert rendered == "America/Los Angeles|America/Los Angeles|"
