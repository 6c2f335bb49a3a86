from assetc_django.storage import AssetcStorage


class JSModulesAssetcStorage(AssetcStorage):
    support_js_module_import_aggregation = True
