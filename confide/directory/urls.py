from django.urls import path

from confide.directory import views

app_name = "directory"

urlpatterns = [
    path("therapists/", views.search_page, name="search"),
    path("therapists/photos/<str:name>", views.photo, name="photo"),
    path("therapists/me/", views.edit_profile, name="edit_profile"),
    path("therapists/me/preview/", views.preview_profile, name="preview_profile"),
    path("therapists/me/photo/", views.upload_photo, name="upload_photo"),
    path("therapists/me/licences/", views.add_licence, name="add_licence"),
    path("therapists/match/", views.match_questionnaire, name="match"),
    path("therapists/match/results/", views.match_results, name="match_results"),
    path("therapists/<slug:slug>/", views.profile_page, name="profile"),
    path("therapists/<slug:slug>/embed/", views.embed, name="embed"),
    path("therapists/<slug:slug>/moderate/", views.moderate_profile, name="moderate_profile"),
    path("staff/licences/", views.licence_queue, name="licence_queue"),
]
