#!/usr/bin/env python3
"""Prints each failed test of a TRX file with the start of its error message and stack trace,
briefly: the summary scripts/test.sh prints last."""
import sys
import xml.etree.ElementTree as ElementTree

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
MESSAGE_CHARS = 2500
STACK_LINES = 8

root = ElementTree.parse(sys.argv[1]).getroot()
failed = [r for r in root.iterfind(".//t:UnitTestResult", NS) if r.get("outcome") == "Failed"]
if failed:
    print(f"\n=== {len(failed)} failed test(s) ===")
for result in failed:
    message = result.findtext(".//t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
    stack = result.findtext(".//t:ErrorInfo/t:StackTrace", default="", namespaces=NS).strip().splitlines()
    print(f"\n--- {result.get('testName')} ({result.get('duration')})")
    print(message[:MESSAGE_CHARS] + (" [...]" if len(message) > MESSAGE_CHARS else ""))
    print("\n".join(line.strip() for line in stack[:STACK_LINES]))
