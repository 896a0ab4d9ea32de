from django.urls import path

from acd_points import views
from acd_points.api import token_pages

app_name = "acd"
urlpatterns = [
    path("", views.area, name="area"),
    path("points/<int:pk>/", views.point_mail_list, name="point"),
    path("points/<int:pk>/actions/", views.mail_action, name="point-action"),
    path("points/<int:pk>/delete/", views.confirm_delete, name="confirm-delete"),
    path("points/<int:pk>/folder/", views.set_folder, name="set-folder"),
    path("points/<int:pk>/mails/<int:mail_pk>/", views.mail_detail, name="mail"),
    path(
        "points/<int:pk>/attachments/<int:attachment_pk>/<str:disposition>/",
        views.attachment_file,
        name="attachment",
    ),
    path("buffers/<int:pk>/", views.buffer_mail_list, name="buffer"),
    path("buffers/<int:pk>/mails/<int:mail_pk>/", views.buffer_mail_detail, name="buffer-mail"),
    path(
        "buffers/<int:pk>/attachments/<int:attachment_pk>/<str:disposition>/",
        views.buffer_attachment_file,
        name="buffer-attachment",
    ),
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/files/<int:file_pk>/", views.document_file, name="document-file"),
    path("api-tokens/", token_pages.api_tokens, name="api-tokens"),
    path("api-tokens/<int:token_pk>/revoke/", token_pages.revoke_api_token, name="revoke-api-token"),
]
