#!/usr/bin/env bash
# One CI lane: a header, the command, then its verdict and elapsed time, so each lane reads
# separately in the log. Executed (`bash .ci/lane.sh NAME CMD...`, as the Makefile does) or
# sourced for the `lane` function (as .ci/run does). When LANE_LOG names a file, one summary
# line per lane is appended to it for the table at the end of .ci/run.

lane() {
    local name=$1
    shift
    local start rc elapsed verdict
    start=$(date +%s)
    printf '\n==> lane: %s  (%s)\n' "$name" "$*"
    "$@"
    rc=$?
    elapsed=$(($(date +%s) - start))
    if [ "$rc" -eq 0 ]; then verdict="passed"; else verdict="FAILED (exit $rc)"; fi
    printf '<== lane: %s: %s in %d s\n' "$name" "$verdict" "$elapsed"
    if [ -n "${LANE_LOG:-}" ]; then
        printf '%-22s %-18s %6d s\n' "$name" "$verdict" "$elapsed" >>"$LANE_LOG"
    fi
    return "$rc"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    lane "$@"
fi
