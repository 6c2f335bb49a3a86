"""The fixture project's app. Its code lives here; its files (``static/``,
``templates/``) live in a copy of testdata/example/apps/blog made per session."""

import os

from django.apps import AppConfig


class BlogConfig(AppConfig):
    name = "tests.blog"
    label = "blog"
    path = os.path.join(os.environ["ASSETC_TEST_SITE"], "apps", "blog")
