#!/usr/bin/env bash
# run.sh BUILD_DIR [t-NAME...] - run the end-to-end tests (all of
# tests/e2e/t-*.sh, or the ones named) and print one closing line:
# "e2e: N passed, N failed". With SAN=1 the binaries are sanitizer builds
# and any sanitizer report fails the test that caused it (see lib.sh).
cd "$(dirname "$0")" || exit 1
export BUILD=${1:-build}
shift
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t-*.sh)
pass=0 fail=0
for t in "${tests[@]}"; do
	t=${t%.sh}.sh
	echo "# $t${SAN:+ (ASan+UBSan build)}"
	if timeout 600 bash "$t"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "# FAILED: $t"
	fi
done
echo "e2e${SAN:+ (sanitizers)}: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
