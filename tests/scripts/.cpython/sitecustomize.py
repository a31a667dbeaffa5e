# Used only by tests/regen.sh: lets the reference CPython import helper modules
# that end in .mv (tests/scripts/*/lib/*.mv), exactly as it imports .py files.
import sys
import importlib.machinery as _m

# (Extension modules such as _contextvars and _socket must stay importable: keep their loader.)
sys.path_hooks.insert(0, _m.FileFinder.path_hook((_m.ExtensionFileLoader, _m.EXTENSION_SUFFIXES),
                                                 (_m.SourceFileLoader, ['.mv', '.py'])))
sys.path_importer_cache.clear()
del _m
