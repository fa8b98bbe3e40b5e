#!/usr/bin/env bash
# run.sh BUILD_DIR - run every end-to-end test (tests/e2e/t-*.sh) and print
# one closing line: "N passed, N failed".
cd "$(dirname "$0")" || exit 1
export BUILD=${1:-build}
pass=0 fail=0
for t in t-*.sh; do
	echo "# $t"
	if timeout 600 bash "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "# FAILED: $t"
	fi
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
