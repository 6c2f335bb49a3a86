"""``{% load assetc %}``: script, stylesheet and import map tags with SRI.

    {% assetc_script "js/app.js" %}            <script src=… integrity=… crossorigin="anonymous"></script>
    {% assetc_script "js/app.js" module=True %} the same with type="module"
    {% assetc_stylesheet "css/site.css" %}     <link rel="stylesheet" href=… integrity=… crossorigin="anonymous">
    {% assetc_importmap %}                     <script type="importmap">{…}</script>

URLs are always the hashed ones (the integrity is that of the hashed copy).
"""

from __future__ import annotations

import json

from django import template
from django.contrib.staticfiles.storage import staticfiles_storage
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ..sri import importmap, integrity
from ..storage import AssetcStorage

register = template.Library()

# As django.utils.html.json_script: the JSON cannot end the <script> element.
_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def _hashed_url(name: str) -> str:
    if isinstance(staticfiles_storage, AssetcStorage):  # a LazyObject proxies __class__
        return staticfiles_storage.url(name, force=True)
    return staticfiles_storage.url(name)


@register.simple_tag
def assetc_script(name: str, module: bool = False) -> SafeString:
    url, sri = _hashed_url(name), integrity(name)
    if module:
        return format_html('<script type="module" src="{}" integrity="{}" crossorigin="anonymous"></script>', url, sri)
    return format_html('<script src="{}" integrity="{}" crossorigin="anonymous"></script>', url, sri)


@register.simple_tag
def assetc_stylesheet(name: str) -> SafeString:
    return format_html('<link rel="stylesheet" href="{}" integrity="{}" crossorigin="anonymous">', _hashed_url(name), integrity(name))


@register.simple_tag
def assetc_importmap() -> SafeString:
    data = json.dumps(importmap(), sort_keys=True, separators=(",", ":")).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="importmap">{data}</script>')
