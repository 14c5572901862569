"""FastSelect renders what Django's Select renders (values, labels, selection, attributes, escaping)."""

from django import forms

from confide.core.widgets import FastSelect

CHOICES = [("", "Choose…"), ("US-NY", "New York"), ('x"<y', "A <b>tricky</b> & label")]


def test_marks_the_selected_option_and_escapes():
    html = FastSelect(choices=CHOICES).render("where", "US-NY", attrs={"id": "id_where", "required": True})
    assert html.startswith('<select name="where" id="id_where" required>')
    assert '<option value="US-NY" selected>New York</option>' in html
    assert '<option value="x&quot;&lt;y">A &lt;b&gt;tricky&lt;/b&gt; &amp; label</option>' in html
    assert html.count(" selected") == 1


def test_form_round_trip_keeps_validation():
    class Form(forms.Form):
        where = forms.ChoiceField(choices=CHOICES, widget=FastSelect)

    assert Form({"where": "US-NY"}).is_valid()
    assert not Form({"where": "nowhere"}).is_valid()
    assert 'value="US-NY" selected' in str(Form({"where": "US-NY"})["where"])
