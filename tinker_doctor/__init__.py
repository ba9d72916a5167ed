"""Tinker Doctor: a JupyterLab extension that diagnoses Tinker training runs."""

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a source tree never built
    __version__ = "dev"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "tinker-doctor"}]
