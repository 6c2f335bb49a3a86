from django.urls import include, path

from .urls import urlpatterns as site

urlpatterns = [path("__debug__/", include("debug_toolbar.urls")), *site]
