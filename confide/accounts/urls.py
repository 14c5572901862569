from django.urls import path

from confide.accounts import views

urlpatterns = [
    path("account/profile/", views.profile, name="profile"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/new/", views.create_api_token, name="create_api_token"),
    path("account/tokens/<uuid:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
    path("account/signed-out/", views.idle_signed_out, name="idle_signed_out"),
    path("account/keepalive/", views.keepalive, name="keepalive"),
    path("account/access-log/", views.access_log, name="access_log"),
    path("account/export/", views.data_export, name="data_export"),
    path("clients/<uuid:client_id>/", views.client_record, name="client_record"),
    path("staff/emergency-access/", views.emergency_access, name="emergency_access"),
    path("staff/emergency-access/review/", views.emergency_review, name="emergency_review"),
]
