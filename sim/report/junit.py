"""``junit.xml``: a run's ``expect:`` thresholds as JUnit test results, for CI servers.

One ``<testsuite>`` named after the scenario inside a ``<testsuites>`` root; one ``<testcase>`` per
threshold checked (an expectation with both ``>=`` and ``<=`` gives two), named
``<metric> <operator> <threshold>`` with class name ``roamsim.<scenario>``.  A threshold not met
has a ``<failure>`` whose ``message`` says the actual value against the threshold and whose text
repeats both on their own lines.  The suite's properties carry the scenario file, the seed and the
simulated time; set-up problems of the run go to the suite's ``<system-err>``.  A run that
crashed has a single test case, ``the simulation runs``, with an ``<error>`` holding the traceback.

The file is deterministic: ``time`` attributes are 0 (a run's wall-clock time is in
``summary.json``) and there is no timestamp or host name.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from sim.metrics import ExpectationResult
from sim.report.text import number

FAILURE_TYPE = "ExpectationNotMet"
ERROR_TYPE = "SimulationFailed"
CRASH_TESTCASE = "the simulation runs"


def testcase_name(result: ExpectationResult) -> str:
    """``cdrs_delivered_ratio == 1`` (just the metric for an expectation without a threshold)."""
    return f"{result.metric} {result.operator} {number(result.threshold)}" if result.operator else result.metric


def junit_xml(
    *,
    scenario: str,
    results: Sequence[ExpectationResult],
    properties: Sequence[tuple[str, str]] = (),
    setup_problems: Sequence[str] = (),
    crash: tuple[str, str] | None = None,
) -> str:
    """The JUnit XML document (UTF-8 text with its declaration).

    ``crash`` (message, traceback) reports a run that failed before its expectations could be checked:
    one test case ``the simulation runs`` with an ``<error>``, instead of the expectations.
    """
    failures = sum(1 for r in results if not r.passed)
    tests = len(results) + (crash is not None)
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(int(crash is not None))}
    root = ET.Element("testsuites", {"name": "roamsim run", **counts, "time": "0"})
    suite = ET.SubElement(root, "testsuite", {"name": scenario, **counts, "skipped": "0", "time": "0"})
    if properties:
        holder = ET.SubElement(suite, "properties")
        for name, value in properties:
            ET.SubElement(holder, "property", {"name": name, "value": value})
    for result in results:
        case = ET.SubElement(
            suite, "testcase", {"name": testcase_name(result), "classname": f"roamsim.{scenario}", "time": "0"}
        )
        if not result.passed:
            failure = ET.SubElement(case, "failure", {"message": result.message, "type": FAILURE_TYPE})
            expected = f"{result.operator} {number(result.threshold)}" if result.operator else "(no threshold)"
            actual = number(result.actual) if result.actual is not None else "(metric not in the run's summary)"
            failure.text = f"metric: {result.metric}\nexpected: {expected}\nactual: {actual}\n{result.message}\n"
    if crash is not None:
        case = ET.SubElement(
            suite, "testcase", {"name": CRASH_TESTCASE, "classname": f"roamsim.{scenario}", "time": "0"}
        )
        message, details = crash
        ET.SubElement(case, "error", {"message": message, "type": ERROR_TYPE}).text = details
    if setup_problems:
        ET.SubElement(suite, "system-err").text = "\n".join(setup_problems) + "\n"
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
