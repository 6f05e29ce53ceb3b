"""The plugin's two settings, shown in Processing → Options → Providers → lifecircle 社区生活圈:
the path of the lifecircle program (empty: PATH, then ~/.cargo/bin) and the interface language
(``zh`` default, ``en``, ``auto`` = as QGIS's locale). Stored in QGIS's settings under
``Processing/Configuration/LIFECIRCLE_*`` as every Processing provider setting is.
"""

from qgis.core import QgsSettings

from . import catalogue

BINARY = "LIFECIRCLE_BINARY"
LANGUAGE = "LIFECIRCLE_LANGUAGE"
_PREFIX = "Processing/Configuration/"
# The settings' group in the options dialog: one name whatever the interface language, so the planner
# finds it where the documentation says.
GROUP = "lifecircle 社区生活圈"


def register(lang, icon=None):
    """Add (or re-add, with texts in ``lang``) the settings to the Processing options dialog."""
    from processing.core.ProcessingConfig import ProcessingConfig, Setting

    ProcessingConfig.addSetting(Setting(GROUP, BINARY, catalogue.text("setting.binary", lang), "", valuetype=Setting.FILE))
    ProcessingConfig.addSetting(Setting(GROUP, LANGUAGE, catalogue.text("setting.language", lang), catalogue.DEFAULT_LANGUAGE,
                                        valuetype=Setting.SELECTION, options=list(catalogue.LANGUAGE_SETTINGS)))
    if icon is not None:
        ProcessingConfig.settingIcons[GROUP] = icon
    ProcessingConfig.readSettings()


def unregister():
    from processing.core.ProcessingConfig import ProcessingConfig

    for name in (BINARY, LANGUAGE):
        if name in ProcessingConfig.settings:
            ProcessingConfig.removeSetting(name)


def binary_path():
    """The program path set by the planner, or "" (then PATH and ~/.cargo/bin are searched)."""
    return str(QgsSettings().value(_PREFIX + BINARY, "") or "").strip()


def language():
    """The interface language (zh/en) from the setting and QGIS's locale."""
    setting = QgsSettings().value(_PREFIX + LANGUAGE, catalogue.DEFAULT_LANGUAGE)
    locale = QgsSettings().value("locale/userLocale", "") or ""
    return catalogue.resolve_language(str(setting or ""), str(locale))


def set_binary_path(path):
    QgsSettings().setValue(_PREFIX + BINARY, path or "")


def set_language(value):
    QgsSettings().setValue(_PREFIX + LANGUAGE, value)
