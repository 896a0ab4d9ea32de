from django.urls import path

from acd_points import views

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
    path("documents/", views.document_list, name="documents"),
    path("documents/<int:pk>/", views.document_detail, name="document"),
    path("documents/<int:pk>/files/<int:file_pk>/", views.document_file, name="document-file"),
]
