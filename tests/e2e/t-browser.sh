#!/usr/bin/env bash
# The dashboard in Debian's chromium, driven by playwright-core through
# node's test runner (tests/browser/). It starts and stops its own servers.
. "$(dirname "$0")/lib.sh"
BUILD=$BUILD node --test "$TOP/tests/browser/" 2>&1 | tee "$T/node.log" | grep -v '^ '
check "browser tests pass" grep -q '^# fail 0' "$T/node.log"
check "browser tests ran" grep -q '^# pass [1-9]' "$T/node.log"
check "dashboard screenshot saved" test -s "$BUILD/test-artifacts/dashboard.png"
finish
