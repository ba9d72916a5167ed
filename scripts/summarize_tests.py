"""Sum the results of every test suite into one line: `N passed, N failed`.

Reads the machine-readable reports that scripts/test.sh asks each runner
for: jest's --json file, pytest's JUnit XML files and Playwright's JSON
report. A suite whose report is missing counts as one failure, so a runner
that crashed before reporting can never pass silently.
"""

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def jest(path: Path) -> tuple[int, int, int]:
    data = json.loads(path.read_text())
    return (
        data["numPassedTests"],
        data["numFailedTests"] + data.get("numRuntimeErrorTestSuites", 0),
        data.get("numPendingTests", 0) + data.get("numTodoTests", 0),
    )


def junit(path: Path) -> tuple[int, int, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    passed = failed = skipped = 0
    for suite in suites:
        tests = int(suite.get("tests", 0))
        bad = int(suite.get("failures", 0)) + int(suite.get("errors", 0))
        skip = int(suite.get("skipped", 0))
        passed += tests - bad - skip
        failed += bad
        skipped += skip
    return passed, failed, skipped


def playwright(path: Path) -> tuple[int, int, int]:
    report = json.loads(path.read_text())
    stats = report["stats"]
    passed = stats.get("expected", 0) + stats.get("flaky", 0)
    failed = stats.get("unexpected", 0)
    # Errors outside any test (the web server did not start, a spec did not
    # load) leave every count at zero: they are failures, not an empty run.
    failed += len(report.get("errors", []))
    return passed, failed, stats.get("skipped", 0)


READERS = {"jest": jest, "pytest": junit, "ui": playwright}


def main(argv: list[str]) -> int:
    total_passed = total_failed = total_skipped = 0
    for spec in argv:
        kind, _, name = spec.partition(":")
        path = Path(name)
        try:
            passed, failed, skipped = READERS[kind](path)
        except (OSError, ValueError, KeyError, ET.ParseError) as error:
            print(f"{kind} {path}: no report ({error}); counted as 1 failure")
            passed, failed, skipped = 0, 1, 0
        if passed + failed == 0:
            print(f"{kind} {path}: ran no test; counted as 1 failure")
            failed = 1
        print(f"  {kind} ({path.name}): passed {passed}, failed {failed}, "
              f"skipped {skipped}")
        total_passed += passed
        total_failed += failed
        total_skipped += skipped
    print(f"{total_passed} passed, {total_failed} failed, "
          f"{total_skipped} skipped")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
