from assetc_django.storage import AssetcStorage


class JSModulesAssetcStorage(AssetcStorage):
    support_js_module_import_aggregation = True


# Storages that override how Django names files: assetc.E007 names each.
class OverridesFileHash(AssetcStorage):
    def file_hash(self, name, content=None):  # type: ignore[no-untyped-def]
        return "custom"


class OverridesHashedName(AssetcStorage):
    def hashed_name(self, name, content=None, filename=None):  # type: ignore[no-untyped-def]
        return name


class OverridesPatterns(AssetcStorage):
    patterns = (("*.css", (r"(url\(['\"]?(.*?)['\"]?\))",)),)


class OverridesJsPatterns(AssetcStorage):
    js_patterns = (("*.js", (r"(import\s+['\"](.*?)['\"])",)),)
