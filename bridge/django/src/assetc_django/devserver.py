"""``runserver`` (and StaticLiveServerTestCase) with hashed URLs.

In DEBUG, Django's dev server wraps the site in StaticFilesHandler, which
answers every STATIC_URL request itself through the finders, before any
middleware runs. The finders know only unhashed names, so the hashed URLs
``{% static %}`` now gives in DEBUG would 404. The command override that
WhiteNoise uses needs its app listed *before* staticfiles; to keep the
documented INSTALLED_APPS order, the handler's ``serve`` is wrapped instead:
assetc answers first, Django's view handles whatever assetc does not find.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.functional import empty


def install() -> None:
    from django.contrib.staticfiles.handlers import StaticFilesHandlerMixin

    original = StaticFilesHandlerMixin.serve
    if getattr(original, "_assetc", False):
        return

    def serve(self: Any, request: HttpRequest) -> HttpResponseBase:
        from django.contrib.staticfiles.storage import staticfiles_storage

        from .middleware import StaticServer, static_prefix, to_django
        from .storage import AssetcStorage

        # staticfiles_storage is a LazyObject: its _wrapped and _setup are
        # not in the stubs' type for it.
        if staticfiles_storage._wrapped is empty:  # type: ignore[attr-defined]
            staticfiles_storage._setup()  # type: ignore[attr-defined]
        if isinstance(staticfiles_storage._wrapped, AssetcStorage):  # type: ignore[attr-defined]
            prefix = static_prefix()
            answer = StaticServer().answer(request, prefix)
            if answer.status != 404:
                return to_django(answer, asynchronous=False)
        return original(self, request)

    serve._assetc = True  # type: ignore[attr-defined]
    StaticFilesHandlerMixin.serve = serve  # type: ignore[method-assign, assignment]
