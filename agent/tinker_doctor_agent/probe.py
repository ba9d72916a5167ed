"""The snapshot: versions, environment, threads and SDK state."""
import sys


def collect():
    # TODO(scaffold): the full probe is being written.
    return {"schema": "tinker-doctor/facts@1", "python": {"version": sys.version.split()[0]}}
