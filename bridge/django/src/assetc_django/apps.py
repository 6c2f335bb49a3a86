"""Django app config: registers the system checks and, in DEBUG, makes every
request see edited sources."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.signals import request_started


def _sources_may_have_changed(**kwargs: Any) -> None:
    # DEBUG only: the next resolve re-stats the files it read (cheap: no
    # re-hashing unless something changed), so an edited source gets its new
    # URL on this request without a restart. Production keeps its caches.
    if settings.DEBUG:
        from .project import invalidate_all

        invalidate_all()


class AssetcConfig(AppConfig):
    name = "assetc_django"
    label = "assetc_django"
    verbose_name = "assetc static files"

    def ready(self) -> None:
        from . import checks  # noqa: F401  # pyflakes: registers the checks

        del checks

        from . import collect, devserver

        devserver.install()
        collect.install()
        request_started.connect(_sources_may_have_changed, dispatch_uid="assetc_django.invalidate")
