"""`manage.py screen_text`: one JSON object per input line, the same verdicts as the library."""

import io
import json

from django.core.management import call_command

from confide.safety.screening import screen_text


def run(text: str, **options) -> list[dict]:
    out = io.StringIO()
    call_command("screen_text", stdin=io.StringIO(text), stdout=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_one_json_object_per_line_with_level_and_reasons():
    lines = run("I'm going to kill myself tonight\nI feel hopeless\nthis traffic is killing me\n")
    assert [line["level"] for line in lines] == ["urgent", "concern", "none"]
    assert lines[1] == {"level": "concern", "reasons": ["hopelessness: 'hopeless'"]}
    assert lines[2]["reasons"] == []


def test_blank_lines_and_crlf_still_give_one_answer_each():
    lines = run("\r\nI want to die\r\n\n")
    assert lines == [screen_text("").as_dict(), screen_text("I want to die").as_dict(), screen_text("").as_dict()]


def test_non_ascii_and_curly_quotes_are_screened():
    lines = run("I want to die \u2014 caf\u00e9\nI don\u2019t want to die\n\U0001f600\n")
    assert lines[0] == {"level": "concern", "reasons": ["suicidal thoughts: 'want to die'"]}
    assert [line["level"] for line in lines[1:]] == ["none", "none"]


def test_unsupported_locale_gives_none_not_an_error():
    assert run("I want to die\n", locale="xx") == [{"level": "none", "reasons": []}]
