#!/bin/bash
# PID 1 of the VM after switch_root (started by the initramfs that run.sh
# builds, which has already set up /dev, /sys, lo, hostname): run the command
# described in RUNDIR/cmd, leave its status and the kernel log in RUNDIR, and
# power off.
rundir=$1
# shellcheck source=/dev/null
. "$rundir/cmd" # sets CMD CWD INTERACTIVE HOST_TERM

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 SVCLB_VM=1
if ((INTERACTIVE)); then export TERM=$HOST_TERM; else export TERM=dumb; fi

cd "$CWD" 2>/dev/null || {
	top=$(<"$rundir/top")
	echo "guest-init: $CWD is not visible in the guest, running in $top" >&2
	cd "$top" || exit 1
}

if ((INTERACTIVE)); then
	# Own session with the console as controlling tty, so job control works.
	setsid -cw "${CMD[@]}" </dev/console
else
	# No CR before LF: the host gets the output byte for byte.
	stty -F /dev/console -onlcr
	"${CMD[@]}" </dev/null
fi
status=$?

dmesg >"$rundir/dmesg.log"
echo "$status" >"$rundir/status" # written last: the host reads it as "done"
sync
# stty sets the tty with TCSADRAIN: it returns once the console output is sent.
stty -F /dev/console onlcr
# Keep "reboot: Power down" off the console (level 0 hides even KERN_EMERG).
echo 0 >/proc/sys/kernel/printk
/bin/busybox poweroff -f 2>/dev/null
echo o >/proc/sysrq-trigger
sleep 10
