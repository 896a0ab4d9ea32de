"""The API's answer for a path it does not have: DRF's JSON error shape, like every other API answer,
instead of Django's HTML 404 page (a client generated from the schema parses JSON, and an id that is
not a number, `/points/abc/`, is an unknown path, not a page)."""

from django.http import JsonResponse
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # as the API's views: token requests carry no CSRF cookie, and a 403 would misstate it
def unknown_path(request, rest=""):
    answer = JsonResponse({"detail": _("Not found.")}, status=404)
    answer["X-Content-Type-Options"] = "nosniff"
    return answer


# Included under api/ after the versioned API, so it answers only what no API path matched.
urlpatterns = [re_path(r"^(?P<rest>.*)$", unknown_path, name="api-unknown-path")]
