"""Tinker Doctor's kernel agent (installed as the package `_tinker_doctor`).

See agent/README.md for the rules it keeps and the protocol it speaks.
"""

VERSION = "dev"


class JsonResult:
    """Wraps a JSON-able value so IPython returns it as application/json."""

    def __init__(self, value):
        self.value = value

    def _repr_json_(self):
        return self.value

    def __repr__(self):
        return "<tinker-doctor result>"


def install():
    """Start the agent's services; safe to call more than once."""
    # TODO(scaffold): watchdog and comm target are being written.
    return JsonResult({"installed": True, "version": VERSION})


def snapshot():
    """Return the current facts (tinker-doctor/facts@1) as application/json."""
    from . import probe

    return JsonResult(probe.collect())


def uninstall():
    """Stop everything the agent started and remove it from sys.modules."""
    import sys

    for key in [k for k in sys.modules if k == __name__ or k.startswith(__name__ + ".")]:
        del sys.modules[key]
    return JsonResult({"removed": True})
