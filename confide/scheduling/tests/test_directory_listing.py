"""The directory lists exactly the session types booking accepts: the booking rules are the one place they are set.

Every check reads what a client would meet — the search card (page and API), the public profile and
the ``modality=`` filter — after the therapist changes their rules through the real page or service.
"""

from __future__ import annotations

import importlib
import itertools
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from confide.directory.models import UNSET_POLICY_MODALITIES, SearchEntry, TherapistProfile
from confide.directory.search_index import rebuild
from confide.directory.services import profile_for
from confide.directory.tests.conftest import listed
from confide.privacy.audit import RequestContext
from confide.privacy.models import AuditEvent
from confide.scheduling import listing, rules
from confide.scheduling.models import Modality, SchedulingPolicy
from confide.scheduling.services.setup import save_policy

pytestmark = pytest.mark.django_db

SLUGS = ("video", "audio", "chat", "messaging", "in-person")
NAMES = {
    "video": "Video",
    "audio": "Audio call",
    "chat": "Live chat",
    "messaging": "Asynchronous messaging",
    "in-person": "In person (hybrid)",
}


def ctx(user) -> RequestContext:
    return RequestContext(user=user, ip="127.0.0.1", user_agent="pytest")


def sessions_in(html: str) -> list[str]:
    """The "Sessions" line(s) of a page, as the list of names it shows."""
    found = re.findall(r"<dt>Sessions</dt><dd>(.*?)</dd>", html)
    lines = [re.sub(r" — in person at .*$", "", line) for line in found]
    return [name.strip() for line in lines for name in line.split(", ")]


def what_clients_see(http, profile: TherapistProfile) -> dict:
    """Card on the search page, card in the API, public profile, and which filters find the therapist."""
    card = http.get("/therapists/?jurisdiction=US-NY").content.decode()
    [api_card] = http.get("/api/directory/therapists?jurisdiction=US-NY").json()["results"]
    search = "/api/directory/therapists?jurisdiction=US-NY&modality="
    found_by = [slug for slug in SLUGS if http.get(search + slug).json()["total"]]
    return {
        "card": sessions_in(card),
        "api": api_card["modalities"],
        "profile": sessions_in(http.get(f"/therapists/{profile.slug}/").content.decode()),
        "filters": found_by,
    }


def agreeing(*slugs: str) -> dict:
    """What every page must say when booking accepts ``slugs`` (messaging always listed)."""
    listed_slugs = [s for s in SLUGS if s in slugs or s == "messaging"]
    names = [NAMES[s] for s in listed_slugs]
    return {"card": names, "api": listed_slugs, "profile": names, "filters": listed_slugs}


def policy_post(**overrides) -> dict:
    data = {
        f"types-{k}_{f}": v
        for k in ("intake", "therapy", "check_in")
        for f, v in (("minutes", "50"), ("price", "90"), ("active", "on"))
    }
    policy = {
        "buffer_minutes": "10",
        "min_notice_hours": "24",
        "horizon_days": "60",
        "max_per_day": "6",
        "max_per_week": "25",
        "slot_step_minutes": "30",
        "late_cancel_hours": "24",
        "late_cancel_fee": "0",
        **overrides,
    }
    data.update({f"policy-{name}": value for name, value in policy.items() if value is not None})
    return data


def test_without_booking_rules_the_directory_lists_the_defaults_booking_would_use(as_client, therapist):
    profile = listed(therapist)
    assert not SchedulingPolicy.objects.filter(therapist=therapist).exists()
    assert what_clients_see(as_client, profile) == agreeing("video", "audio", "chat")


def test_card_profile_and_filter_follow_the_booking_rules_page(as_client, as_therapist, therapist):
    profile = listed(therapist)
    response = as_therapist.post(reverse("schedule_settings"), policy_post(offers_video="on"))
    assert response.status_code == 302
    assert what_clients_see(as_client, profile) == agreeing("video")

    in_person = policy_post(offers_audio="on", offers_in_person="on", office_address="12 Elm St")
    assert as_therapist.post(reverse("schedule_settings"), in_person).status_code == 302
    assert what_clients_see(as_client, profile) == agreeing("audio", "in-person")


def test_a_refused_rules_change_changes_nothing_in_the_directory(as_client, as_therapist, therapist):
    profile = listed(therapist)
    no_address = policy_post(offers_video="on", offers_in_person="on")
    assert as_therapist.post(reverse("schedule_settings"), no_address).status_code == 400
    assert what_clients_see(as_client, profile) == agreeing("video", "audio", "chat")


def test_every_way_of_writing_the_policy_reaches_the_directory(as_client, therapist):
    profile = listed(therapist)
    save_policy(ctx(therapist), therapist, offers_audio=False, offers_chat=False)  # the service
    assert what_clients_see(as_client, profile) == agreeing("video")
    SchedulingPolicy.objects.filter(therapist=therapist).update(offers_chat=True)  # a bulk UPDATE (no signals)
    assert what_clients_see(as_client, profile) == agreeing("video", "chat")
    policy = SchedulingPolicy.objects.get(therapist=therapist)
    policy.offers_video = False
    policy.save(update_fields=["offers_video", "updated_at"])  # a partial save
    assert what_clients_see(as_client, profile) == agreeing("chat")
    policy.delete()  # back to the defaults booking would use
    assert what_clients_see(as_client, profile) == agreeing("video", "audio", "chat")


def test_rules_saved_before_the_profile_exists_are_listed_when_it_is_created(as_client, therapist):
    SchedulingPolicy.objects.create(therapist=therapist, offers_audio=False, offers_chat=False)
    profile = listed(therapist)
    assert what_clients_see(as_client, profile) == agreeing("video")


def test_saving_other_rules_does_not_touch_the_listing(therapist, django_assert_num_queries):
    listed(therapist)
    policy = SchedulingPolicy.objects.create(therapist=therapist, offers_chat=False)
    policy.buffer_minutes = 20
    with django_assert_num_queries(1):  # the UPDATE only: no republishing
        policy.save(update_fields=["buffer_minutes"])
    with django_assert_num_queries(1):
        SchedulingPolicy.objects.filter(therapist=therapist).update(max_per_day=3)


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=5)))
def test_the_listing_is_exactly_what_booking_would_accept(therapist, flags):
    video, audio, chat, in_person, has_address = flags
    profile = listed(therapist)
    policy = SchedulingPolicy.objects.create(
        therapist=therapist,
        offers_video=video,
        offers_audio=audio,
        offers_chat=chat,
        offers_in_person=in_person,
        office_address="1 Main St" if has_address else "",
    )
    today = timezone.localdate()
    bookable = [
        listing.DIRECTORY_SLUGS[Modality(m)]
        for m in Modality.values
        if not rules.modality_problem(policy, None, therapist, m, today, "US-NY")
    ]
    listed_slugs = set(profile.modalities.values_list("slug", flat=True))
    assert listed_slugs == {*bookable, "messaging"}
    assert set(SearchEntry.objects.get(profile=profile).tags_modalities.strip("|").split("|")) == listed_slugs


def test_the_directorys_default_is_the_policys_default():
    assert listing.directory_modalities(SchedulingPolicy()) == list(UNSET_POLICY_MODALITIES)


# ---- who may change the rules -------------------------------------------------------------------


def test_clients_and_staff_cannot_open_or_post_the_booking_rules(as_client, as_staff, therapist):
    profile = listed(therapist)
    for http in (as_client, as_staff):
        assert http.get(reverse("schedule_settings")).status_code == 403
        assert http.post(reverse("schedule_settings"), policy_post(offers_video="on")).status_code == 403
    assert not SchedulingPolicy.objects.filter(therapist=therapist).exists()
    assert sorted(profile.modalities.values_list("slug", flat=True)) == ["audio", "chat", "messaging", "video"]


def test_another_therapist_only_ever_changes_their_own_rules(as_other_therapist, other_therapist, therapist):
    mine, theirs = listed(therapist), listed(other_therapist)
    assert as_other_therapist.post(reverse("schedule_settings"), policy_post(offers_chat="on")).status_code == 302
    assert sorted(theirs.modalities.values_list("slug", flat=True)) == ["chat", "messaging"]
    assert sorted(mine.modalities.values_list("slug", flat=True)) == ["audio", "chat", "messaging", "video"]
    with pytest.raises(Http404):  # a wrong owner learns nothing (hide_existence)
        save_policy(ctx(other_therapist), therapist, offers_video=False)
    assert sorted(mine.modalities.values_list("slug", flat=True)) == ["audio", "chat", "messaging", "video"]
    refused = AuditEvent.objects.get(action="availability.policy.update", outcome="denied")
    assert refused.actor_id == other_therapist.pk


def test_a_client_cannot_save_a_therapists_rules_through_the_service(client_user, therapist):
    listed(therapist)
    with pytest.raises(Http404):
        save_policy(ctx(client_user), therapist, offers_video=False)
    assert SchedulingPolicy.objects.filter(therapist=therapist, offers_video=False).count() == 0


def test_unknown_rules_are_refused_not_ignored(therapist):
    with pytest.raises(ValidationError):
        save_policy(ctx(therapist), therapist, offers_telepathy=True)


# ---- the migration that brought existing rows into agreement ----------------------------------


def _disagree(profile: TherapistProfile, slugs: list[str]) -> None:
    """Put a profile back in the old state: modalities typed by hand, whatever booking said (no signals)."""
    from confide.directory.models import Modality as Term

    through = TherapistProfile.modalities.through
    through.objects.filter(therapistprofile_id=profile.pk).delete()
    through.objects.bulk_create(
        through(therapistprofile_id=profile.pk, modality_id=pk)
        for pk in Term.objects.filter(slug__in=slugs).values_list("pk", flat=True)
    )
    SearchEntry.objects.filter(profile=profile).update(tags_modalities="|" + "".join(f"{s}|" for s in sorted(slugs)))


def test_migration_makes_every_profile_list_what_booking_accepts(therapist, other_therapist):
    from confide.core.testing.fixtures import make_user

    third = make_user("dr.ines@example.test", "therapist", name="Dr Ines Park")
    with_rules, without_rules, no_address = listed(therapist), listed(other_therapist), listed(third)
    SchedulingPolicy.objects.create(therapist=therapist, offers_audio=False, offers_chat=False)
    SchedulingPolicy.objects.create(therapist=third)
    SchedulingPolicy.objects.filter(therapist=third).update(offers_in_person=True)  # no office address
    _disagree(with_rules, ["audio", "in-person"])  # said audio and in person; booking takes video only
    _disagree(without_rules, ["video"])  # said video only; booking (the defaults) takes video, audio, chat
    _disagree(no_address, ["in-person"])  # booking refuses in person without an address

    migration = importlib.import_module("confide.scheduling.migrations.0005_directory_lists_bookable_modalities")
    migration.forward(apps, None)

    def listed_slugs(profile):
        return sorted(profile.modalities.values_list("slug", flat=True))

    assert listed_slugs(with_rules) == ["messaging", "video"]
    assert listed_slugs(without_rules) == ["audio", "chat", "messaging", "video"]
    assert listed_slugs(no_address) == ["audio", "chat", "messaging", "video"]
    migrated = dict(SearchEntry.objects.values_list("profile_id", "tags_modalities"))
    rebuild()  # what the signals would have written
    assert migrated == dict(SearchEntry.objects.values_list("profile_id", "tags_modalities"))


def test_profile_for_a_therapist_with_rules_lists_them_at_once(therapist):
    SchedulingPolicy.objects.create(therapist=therapist, offers_video=False)
    assert sorted(profile_for(therapist).modalities.values_list("slug", flat=True)) == ["audio", "chat", "messaging"]
