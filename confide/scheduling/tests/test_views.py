"""Every scheduling page: it works for the right person, refuses the wrong role (403) and the wrong owner (404)."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from confide.scheduling.availability import zone_of
from confide.scheduling.models import Appointment, AvailabilityException, SchedulingPolicy, Status, WaitlistEntry
from confide.scheduling.tests.conftest import book, open_slots, type_of

pytestmark = pytest.mark.django_db


def confirm_url(therapist, slot, modality="video", kind_type=None):
    kind_type = kind_type or type_of(therapist)
    return (
        f"{reverse('book_confirm', args=[therapist.pk])}?type={kind_type.pk}&modality={modality}"
        f"&start={slot.start.isoformat().replace('+', '%2B')}"
    )


# --- client booking flow ----------------------------------------------------------------------------


def test_booking_page_groups_slots_by_day_in_client_zone(as_client, practice, ready_client):
    response = as_client.get(reverse("book_with_therapist", args=[practice.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "America/New York" in page and "slot-day" in page
    assert "Your first appointment with a therapist is an intake." in page


def test_booking_page_htmx_returns_only_the_slots(as_client, practice, ready_client):
    response = as_client.get(reverse("book_with_therapist", args=[practice.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()


def test_booking_page_explains_missing_consent_and_licence(as_client, practice, client_user):
    page = as_client.get(reverse("book_with_therapist", args=[practice.pk])).content.decode()
    assert "Please read and sign the telehealth consent before booking." in page
    profile = client_user.client_profile
    profile.jurisdiction = "US-TX"
    profile.save()
    page = as_client.get(reverse("book_with_therapist", args=[practice.pk])).content.decode()
    assert "Not licensed in Texas" in page and "book_confirm" not in page


def test_booking_page_says_why_a_modality_is_unavailable(as_client, practice, ready_client):
    page = as_client.get(reverse("book_with_therapist", args=[practice.pk])).content.decode()
    assert "In person (hybrid) is unavailable: This therapist does not offer it." in page


def test_confirm_shows_policy_then_books(as_client, practice, ready_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(late_cancel_fee=50)
    slot = open_slots(practice, viewer=ready_client)[0]
    page = as_client.get(confirm_url(practice, slot)).content.decode()
    assert "Cancellation policy" in page and "late-change fee of USD 50.00" in page
    response = as_client.post(
        reverse("book_confirm", args=[practice.pk]),
        {"type": type_of(practice).pk, "modality": "video", "start": slot.start.isoformat(), "note": "about my sleep"},
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302 and response.url == reverse("appointment_detail", args=[appointment.pk])
    assert appointment.note == "about my sleep"


def test_confirm_of_taken_slot_is_409_with_message(as_client, practice, ready_client, ready_other_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    book(ready_other_client, practice, slot)
    response = as_client.post(
        reverse("book_confirm", args=[practice.pk]),
        {"type": type_of(practice).pk, "modality": "video", "start": slot.start.isoformat()},
    )
    assert response.status_code == 409
    assert "That time was just taken — please choose another." in response.content.decode()
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("start", ["garbage", "2030-01-01T10:00:00", ""])
def test_confirm_with_malformed_time_is_400(as_client, practice, ready_client, start):
    response = as_client.get(
        f"{reverse('book_confirm', args=[practice.pk])}?type={type_of(practice).pk}&modality=video&start={start}"
    )
    assert response.status_code == 400


def test_confirm_outside_hours_is_400_and_writes_nothing(as_client, practice, ready_client):
    slot = open_slots(practice, viewer=ready_client)[0]
    response = as_client.post(
        reverse("book_confirm", args=[practice.pk]),
        {"type": type_of(practice).pk, "modality": "video", "start": (slot.start + timedelta(minutes=7)).isoformat()},
    )
    assert response.status_code == 400 and "not offered" in response.content.decode()
    assert Appointment.objects.count() == 0


def test_booking_page_with_bad_date_is_400(as_client, practice, ready_client):
    assert as_client.get(reverse("book_with_therapist", args=[practice.pk]), {"from": "2026-13-45"}).status_code == 400


def test_booking_unknown_therapist_is_404(as_client, other_client):
    assert as_client.get(reverse("book_with_therapist", args=[other_client.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["as_therapist", "as_staff"])
def test_booking_pages_are_for_clients_only(request, practice, persona):
    http = request.getfixturevalue(persona)
    assert http.get(reverse("book")).status_code == 403
    assert http.get(reverse("book_with_therapist", args=[practice.pk])).status_code == 403
    assert http.get(reverse("book_confirm", args=[practice.pk])).status_code == 403
    assert http.post(reverse("waitlist_join", args=[practice.pk])).status_code == 403


def test_choose_therapist_lists_licensed_therapists(as_client, practice, ready_client):
    page = as_client.get(reverse("book")).content.decode()
    assert reverse("book_with_therapist", args=[practice.pk]) in page


def test_anonymous_is_sent_to_sign_in(client, practice):
    response = client.get(reverse("book_with_therapist", args=[practice.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- appointments -------------------------------------------------------------------------------------


def test_appointments_list_and_detail_for_both_sides(as_client, as_therapist, practice, ready_client):
    appointment = book(ready_client, practice, note="private words")
    for http in (as_client, as_therapist):
        listing = http.get(reverse("appointments")).content.decode()
        assert reverse("appointment_detail", args=[appointment.pk]) in listing
        detail = http.get(reverse("appointment_detail", args=[appointment.pk])).content.decode()
        assert "private words" in detail
    assert "(America/New York)" in detail


def test_appointment_list_query_count_is_flat(as_client, practice, ready_client, django_assert_max_num_queries):
    book(ready_client, practice)
    for slot in open_slots(practice, "therapy", offset_days=4)[:3:2]:
        book(ready_client, practice, slot, kind="therapy")
    with django_assert_max_num_queries(12):
        as_client.get(reverse("appointments"))


@pytest.mark.parametrize("persona", ["as_other_client", "as_other_therapist"])
def test_someone_elses_appointment_pages_are_404(request, practice, ready_client, persona):
    appointment = book(ready_client, practice)
    http = request.getfixturevalue(persona)
    for name in ("appointment_detail", "appointment_cancel", "appointment_reschedule", "appointment_ics"):
        assert http.get(reverse(name, args=[appointment.pk])).status_code == 404, name
    assert http.post(reverse("appointment_cancel", args=[appointment.pk])).status_code == 404
    assert http.post(reverse("appointment_reschedule", args=[appointment.pk]), {"start": "x"}).status_code == 404
    assert http.post(reverse("appointment_status", args=[appointment.pk]), {"status": "confirmed"}).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED


def test_client_cannot_use_therapist_status_action(as_client, practice, ready_client):
    appointment = book(ready_client, practice)
    assert (
        as_client.post(reverse("appointment_status", args=[appointment.pk]), {"status": "no_show"}).status_code == 404
    )


def test_staff_have_no_appointments_page(as_staff):
    assert as_staff.get(reverse("appointments")).status_code == 403
    assert as_staff.get(reverse("calendar_feed_settings")).status_code == 403


def test_cancel_page_shows_terms_then_cancels(as_client, practice, ready_client):
    appointment = book(ready_client, practice)
    page = as_client.get(reverse("appointment_cancel", args=[appointment.pk])).content.decode()
    assert "Cancellation policy" in page
    response = as_client.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": "travel"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED and appointment.cancel_reason == "travel"
    again = as_client.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": ""})
    assert again.status_code == 409 and "cancelled" in again.content.decode()


def test_reschedule_page_moves_the_appointment(as_therapist, practice, ready_client):
    appointment = book(ready_client, practice)
    page = as_therapist.get(reverse("appointment_reschedule", args=[appointment.pk])).content.decode()
    assert "Cancellation policy" in page and "Move to" in page
    target = [s for s in open_slots(practice, viewer=ready_client, offset_days=4) if s.start > appointment.end_at][0]
    response = as_therapist.post(
        reverse("appointment_reschedule", args=[appointment.pk]), {"start": target.start.isoformat()}
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_at == target.start


def test_reschedule_with_malformed_time_is_400(as_client, practice, ready_client):
    appointment = book(ready_client, practice)
    response = as_client.post(reverse("appointment_reschedule", args=[appointment.pk]), {"start": "soon"})
    assert response.status_code == 400


def test_therapist_confirms_a_request(as_therapist, practice, ready_client):
    SchedulingPolicy.objects.filter(therapist=practice).update(confirm_manually=True)
    appointment = book(ready_client, practice)
    response = as_therapist.post(reverse("appointment_status", args=[appointment.pk]), {"status": "confirmed"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CONFIRMED
    bad = as_therapist.post(reverse("appointment_status", args=[appointment.pk]), {"status": "teleported"})
    assert bad.status_code == 400


def test_ics_download_parses(as_client, practice, ready_client):
    appointment = book(ready_client, practice)
    response = as_client.get(reverse("appointment_ics", args=[appointment.pk]))
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("dtstart") == appointment.start_at


# --- waitlist -----------------------------------------------------------------------------------------------


def test_waitlist_join_offer_and_take(as_client, as_other_client, practice, ready_client, ready_other_client):
    appointment = book(ready_other_client, practice)
    response = as_client.post(
        reverse("waitlist_join", args=[practice.pk]), {"type": type_of(practice).pk, "modality": "video"}
    )
    assert response.status_code == 302
    as_other_client.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": ""})
    entry = WaitlistEntry.objects.get(client=ready_client)
    assert entry.state == "offered"
    assert as_other_client.get(reverse("waitlist_offer", args=[entry.pk])).status_code == 404
    page = as_client.get(reverse("waitlist_offer", args=[entry.pk])).content.decode()
    assert "held for you" in page and "Cancellation policy" in page
    response = as_client.post(reverse("waitlist_offer", args=[entry.pk]), {"action": "take"})
    assert response.status_code == 302
    assert Appointment.objects.get(client=ready_client).start_at == appointment.start_at


def test_waitlist_twice_is_400(as_client, practice, ready_client):
    data = {"type": type_of(practice).pk, "modality": "video"}
    as_client.post(reverse("waitlist_join", args=[practice.pk]), data)
    assert as_client.post(reverse("waitlist_join", args=[practice.pk]), data).status_code == 400


# --- calendar feed -------------------------------------------------------------------------------------------


def test_feed_is_private_parseable_phi_free_and_revocable(as_client, practice, ready_client, client):
    appointment = book(ready_client, practice, note="my private reason")
    page = as_client.post(reverse("calendar_feed_settings"), {"action": "new"}).content.decode()
    url = page.split("<code>")[1].split("</code>")[0]
    path = url.split("testserver", 1)[1]
    response = client.get(path)  # no session: the secret is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [appointment.start_at]
    assert str(events[0]["summary"]) == "Confide appointment"
    raw = response.content.decode()
    for secret in ("my private reason", practice.display_name, "Rivera", ready_client.email):
        assert secret not in raw
    as_client.post(reverse("calendar_feed_settings"), {"action": "revoke"})
    assert client.get(path).status_code == 404
    assert client.get(reverse("calendar_feed", args=["cal_guess"])).status_code == 404


def test_new_feed_replaces_the_old(as_therapist, practice, client):
    first = as_therapist.post(reverse("calendar_feed_settings"), {"action": "new"}).content.decode()
    second = as_therapist.post(reverse("calendar_feed_settings"), {"action": "new"}).content.decode()
    old = first.split("<code>")[1].split("</code>")[0].split("testserver", 1)[1]
    new = second.split("<code>")[1].split("</code>")[0].split("testserver", 1)[1]
    assert client.get(old).status_code == 404 and client.get(new).status_code == 200


# --- therapist pages ------------------------------------------------------------------------------------------


def test_week_calendar_shows_hours_and_appointments(as_therapist, practice, ready_client):
    appointment = book(ready_client, practice)
    # The week is the therapist's own (New York): the UTC date of a Sunday-evening slot is already Monday.
    week = appointment.start_at.astimezone(zone_of(practice)).date().isoformat()
    page = as_therapist.get(reverse("schedule_week"), {"week": week}).content.decode()
    assert "Open 08:00–20:00" in page
    assert reverse("appointment_detail", args=[appointment.pk]) in page
    assert as_therapist.get(reverse("schedule_week"), {"week": "nope"}).status_code == 400


def test_hours_form_saves_and_rejects_bad_blocks(as_therapist, practice):
    response = as_therapist.post(
        reverse("schedule_hours"), {"d0_start1": "09:00", "d0_end1": "12:00", "d0_start2": "13:00", "d0_end2": "17:00"}
    )
    assert response.status_code == 302
    assert [(h.weekday, h.start_time.hour, h.end_time.hour) for h in practice.weekly_hours.all()] == [
        (0, 9, 12),
        (0, 13, 17),
    ]
    bad = as_therapist.post(reverse("schedule_hours"), {"d1_start1": "12:00", "d1_end1": "09:00"})
    assert bad.status_code == 400 and "must be after the start" in bad.content.decode()
    half = as_therapist.post(reverse("schedule_hours"), {"d1_start1": "12:00"})
    assert half.status_code == 400 and practice.weekly_hours.count() == 2


def test_time_off_in_therapist_zone(as_therapist, practice):
    response = as_therapist.post(
        reverse("schedule_time_off"),
        {"kind": "time_off", "start": "2030-07-01T09:00", "end": "2030-07-01T17:00", "label": "dentist"},
    )
    assert response.status_code == 302
    item = AvailabilityException.objects.get()
    assert item.starts_at.hour == 13  # 09:00 EDT
    bad = as_therapist.post(
        reverse("schedule_time_off"), {"kind": "time_off", "start": "2030-07-01T17:00", "end": "2030-07-01T09:00"}
    )
    assert bad.status_code == 400


def test_time_off_of_another_therapist_cannot_be_removed(as_other_therapist, as_therapist, practice):
    as_therapist.post(
        reverse("schedule_time_off"), {"kind": "time_off", "start": "2030-07-01T09:00", "end": "2030-07-01T17:00"}
    )
    item = AvailabilityException.objects.get()
    assert as_other_therapist.post(reverse("schedule_time_off_delete", args=[item.pk])).status_code == 404
    assert AvailabilityException.objects.count() == 1
    assert as_therapist.post(reverse("schedule_time_off_delete", args=[item.pk])).status_code == 302


def test_settings_save_types_and_policy(as_therapist, practice):
    data = {
        f"types-{k}_{f}": v
        for k in ("intake", "therapy", "check_in")
        for f, v in (("minutes", "45"), ("price", "90.00"), ("active", "on"))
    }
    data.update(
        {
            "policy-buffer_minutes": "15",
            "policy-min_notice_hours": "12",
            "policy-horizon_days": "30",
            "policy-max_per_day": "5",
            "policy-max_per_week": "20",
            "policy-slot_step_minutes": "30",
            "policy-late_cancel_hours": "48",
            "policy-late_cancel_fee": "25",
            "policy-offers_video": "on",
        }
    )
    response = as_therapist.post(reverse("schedule_settings"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SchedulingPolicy.objects.get(therapist=practice)
    assert (policy.buffer_minutes, policy.late_cancel_hours, policy.offers_chat) == (15, 48, False)
    assert type_of(practice).minutes == 45
    data["policy-offers_in_person"] = "on"
    bad = as_therapist.post(reverse("schedule_settings"), data)
    assert bad.status_code == 400 and "address" in bad.content.decode()


def test_a_negative_late_cancellation_fee_is_refused_and_the_old_one_kept(as_therapist, practice):
    data = {
        f"types-{k}_{f}": v
        for k in ("intake", "therapy", "check_in")
        for f, v in (("minutes", "50"), ("price", "90.00"), ("active", "on"))
    }
    data.update({f"policy-{name}": value for name, value in POLICY_FORM.items()} | {"policy-late_cancel_fee": "-1"})
    response = as_therapist.post(reverse("schedule_settings"), data)
    assert response.status_code == 400
    assert "cannot be negative" in response.content.decode()
    assert SchedulingPolicy.objects.get(therapist=practice).late_cancel_fee >= 0


POLICY_FORM = {
    "buffer_minutes": "15",
    "min_notice_hours": "12",
    "horizon_days": "30",
    "max_per_day": "5",
    "max_per_week": "20",
    "slot_step_minutes": "30",
    "late_cancel_hours": "48",
    "late_cancel_fee": "25",
    "offers_video": "on",
}


@pytest.mark.parametrize("name", ["schedule_week", "schedule_hours", "schedule_time_off", "schedule_settings"])
def test_therapist_pages_refuse_clients_and_staff(as_client, as_staff, name):
    assert as_client.get(reverse(name)).status_code == 403
    assert as_staff.get(reverse(name)).status_code == 403


def test_dashboards_show_scheduling_cards(as_client, as_therapist, practice, ready_client):
    book(ready_client, practice)
    assert "Your next appointments" in as_client.get(reverse("dashboard")).content.decode()
    assert "Coming up" in as_therapist.get(reverse("dashboard")).content.decode()


def test_past_appointments_shown_separately(as_client, practice, ready_client):
    appointment = book(ready_client, practice)
    Appointment.objects.filter(pk=appointment.pk).update(
        start_at=timezone.now() - timedelta(days=3),
        end_at=timezone.now() - timedelta(days=3) + timedelta(hours=1),
        status=Status.COMPLETED,
    )
    page = as_client.get(reverse("appointments")).content.decode()
    assert "Nothing coming up." in page and "Completed" in page
