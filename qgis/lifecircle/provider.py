"""The Processing provider "lifecircle 社区生活圈" (id ``lifecircle``): registers the plugin's settings and
the six algorithms (five subcommands and rerun), their texts in the interface language of the settings (re-read whenever Processing
refreshes its algorithms, which it does when its options dialog is closed with OK).
"""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import args, catalogue, settings
from .algorithms import LifecircleAlgorithm, RerunAlgorithm


class LifecircleProvider(QgsProcessingProvider):
    """lifecircle's algorithms in the Processing toolbox."""

    def __init__(self):
        super().__init__()
        self._registered = False

    def id(self):
        return "lifecircle"

    def name(self):
        return catalogue.text("provider.name", settings.language())

    def longName(self):
        return self.name()

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))

    def load(self):
        self._registered = True
        self.refreshAlgorithms()  # registers the settings too (loadAlgorithms)
        return True

    def unload(self):
        if self._registered:
            settings.unregister()
            self._registered = False

    def loadAlgorithms(self):
        lang = settings.language()
        if self._registered:
            settings.register(lang, self.icon())  # the options dialog's texts follow the language too
        for algorithm in args.ALGORITHMS:
            self.addAlgorithm(LifecircleAlgorithm(algorithm.id, lang))
        self.addAlgorithm(RerunAlgorithm(lang))
