"""URLs for the real-server runtime tests: ``/name?path=P`` answers
``{% static P %}`` as rendered by this worker, and the worker's pid."""

from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import path

from tests.urls import urlpatterns as fixture_urlpatterns


def name(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(static(request.GET["path"]), content_type="text/plain")
    response["X-Worker"] = str(os.getpid())
    return response


urlpatterns = [*fixture_urlpatterns, path("name", name)]
