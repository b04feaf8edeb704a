#!/usr/bin/env bash
# The Windows lane (issue 21): the batch, CLI, pool, board and mail tests run a second time as
# on a clerk's Windows PC, on real parts where there are any:
#   - every test's own folder (pytest's tmp_path, so every inbox and outbox) on a real NTFS
#     volume mounted with Windows' name rules: lowntfs-3g -o windows_names,ignore_case
#     (refuses a:b, CON.txt, "x."; Abc.txt is ABC.TXT);
#   - Python without the calls Windows' Python lacks (os.fchmod, fork, getuid…, SIGALRM,
#     setitimer…), removed by tests/windows/sitecustomize.py in every process, children too;
#   - output redirected in GBK strict (PYTHONIOENCODING=gbk), as a redirected stdout on
#     Chinese Windows; this lane's own output goes to a file and is shown on failure;
#   - a simulated editor lock (XL2REPORT_SIM_HELD: rename/replace/unlink/open-for-write of a
#     held file raise PermissionError 13 with winerror 32), used by the tests that hold files.
# Needs root, /dev/fuse and ntfs-3g (mkfs.ntfs, lowntfs-3g).  Exits non-zero when a test fails.
# Usage: tests/windows/lane.sh [pytest arguments replacing the default subset]
set -euo pipefail
cd "$(dirname "$0")/../.."

# The relevant subset: what touches files, processes, the console, the board and mail.
# Left out: tests of the form, the checks, the Word report and LibreOffice's rendering (no file
# system or process behaviour of their own), the slow browser tests of the board's pages, and
# the tests that kill runs with POSIX signals and process groups (test_interrupt, test_signals).
tests=(
  tests/test_windows_console.py tests/test_windows_files.py tests/test_windows_open_files.py
  tests/test_windows_timeout.py tests/test_windows_pc.py
  tests/test_batch.py tests/test_rerun.py tests/test_names_inbox.py tests/test_identity.py
  tests/test_ledger.py tests/test_roster.py tests/test_watch.py
  tests/test_run_cli.py tests/test_cli_check.py tests/test_render_cli.py
  tests/test_pool.py
  tests/test_web.py tests/test_web_mail.py tests/test_web_mail_send.py
  tests/test_mail_send.py tests/test_mail_fetch.py
)
[ "$#" -gt 0 ] && tests=("$@")

work=$(mktemp -d /tmp/xl2report-windows-lane.XXXXXX)
volume="$work/ntfs"
cleanup() {
  if mountpoint -q "$volume"; then umount "$volume" || umount -l "$volume"; fi
  rm -rf "$work"
}
trap cleanup EXIT
truncate -s 4G "$work/ntfs.img"  # sparse: only what the tests write takes space
mkfs.ntfs -F -Q -q "$work/ntfs.img" >"$work/mkfs.log" 2>&1 || { cat "$work/mkfs.log"; exit 1; }
mkdir "$volume"
lowntfs-3g -o windows_names,ignore_case "$work/ntfs.img" "$volume"

log="$work/lane.log"
started=$(date +%s)
status=0
# pytest's own report tolerates what GBK lacks (an assertion's diff may hold anything); every
# xl2report process the tests start writes GBK strict, as on the PC.
env PYTHONPATH="$PWD/tests/windows${PYTHONPATH:+:$PYTHONPATH}" XL2REPORT_SIM_WINDOWS=1 \
  PYTHONIOENCODING=gbk \
  python -c 'import sys, pytest
for stream in (sys.stdout, sys.stderr):
    stream.reconfigure(errors="backslashreplace")
sys.exit(pytest.main())' -q -p no:cacheprovider --basetemp="$volume/pytest" "${tests[@]}" \
  >"$log" 2>&1 || status=$?
elapsed=$(( $(date +%s) - started ))
# The log is GBK (the lane's console); shown in the CI's own encoding.
python - "$log" "$status" <<'EOF'
import sys
text = open(sys.argv[1], encoding="gbk", errors="replace").read()
lines = text.rstrip().splitlines()
sys.stdout.write(text if sys.argv[2] != "0" else "\n".join(lines[-3:]) + "\n")
EOF
echo "Windows lane: exit $status, ${elapsed} s"
exit "$status"
