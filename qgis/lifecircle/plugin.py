"""The QGIS plugin object: registers the lifecircle Processing provider when QGIS (or a headless
script calling ``initProcessing``) loads the plugin, and removes it when the plugin is unloaded."""

from qgis.core import QgsApplication

from .provider import LifecircleProvider


class LifecirclePlugin:
    """Nothing but the Processing provider: every tool is in the Processing toolbox."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        if self.provider is None:
            self.provider = LifecircleProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
