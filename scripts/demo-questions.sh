# SPDX-License-Identifier: LGPL-2.1-or-later
# Sourced by demo.sh: the signature feature, tasks blocked by VM questions.
# serial-04 has a serial port writing to a file that exists, so powering it
# on asks whether to append to or replace the file; copied-05 is marked as
# moved or copied, so powering it on asks the uuid question.

uri0="esx://root@127.0.0.1:$port/?no_verify=1&auto_answer=0"
uri1="esx://root@127.0.0.1:$port/?no_verify=1&auto_answer=1"

ask() {
    local u="$1"; shift
    echo
    echo "\$ esxsh -c '$u' $*"
    ESX_DRIVER_LOG=esx_driver::vi::task=info "$ESXSH" -c "$u" --password-file "$work/password" "$@" || true
}

echo
echo "== 1. auto_answer=0: the question is reported, the power-on (not cancelable) stays blocked"
ask "$uri0" start serial-04
ask "$uri0" domstate serial-04
echo
echo "== 2. the same call with auto_answer=1 answers the pending question with its default"
ask "$uri1" start serial-04
sleep 0.5
ask "$uri1" domstate serial-04
echo
echo "== 3. auto_answer=1 from scratch: the question met on the way is answered, the VM comes up"
ask "$uri1" start copied-05
ask "$uri1" domstate copied-05
