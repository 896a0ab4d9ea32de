from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from acd_points.api import views

app_name = "api"
urlpatterns = [
    path("points/", views.PointList.as_view(), name="points"),
    path("points/<int:pk>/", views.PointDetail.as_view(), name="point"),
    path("points/<int:pk>/mails/", views.PointMailList.as_view(), name="point-mails"),
    path("points/<int:pk>/mails/<int:mail_id>/", views.PointMailDetail.as_view(), name="point-mail"),
    path(
        "points/<int:pk>/attachments/<int:attachment_id>/download/",
        views.AttachmentFile.as_view(),
        name="attachment-file",
    ),
    path("points/<int:pk>/generate/", views.PointGenerate.as_view(), name="point-generate"),
    path("documents/", views.DocumentList.as_view(), name="documents"),
    path("documents/<int:pk>/", views.DocumentDetail.as_view(), name="document"),
    path(
        "documents/<int:pk>/files/<int:file_id>/download/",
        views.DocumentFileDownload.as_view(),
        name="document-file",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
