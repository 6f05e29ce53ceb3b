"""lifecircle inside QGIS: a Processing provider running the lifecircle engine (城镇老旧小区改造 life
circles, renovation bundles, idle-land sites) on the project's layers.

The modules args, catalogue, engine, layers, log, outputs, profile and runner import nothing from QGIS
and are unit-tested without it; the QGIS side is algorithms, export, plugin, provider, results, settings.
"""


def classFactory(iface):  # called by QGIS when it loads the plugin
    from .plugin import LifecirclePlugin

    return LifecirclePlugin(iface)
