#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's commands load kmod/svclb.ko on a node that has loaded none of
# the modules it needs (nf_conntrack, nf_defrag_*, nf_reject_*, libcrc32c),
# as after a fresh boot: insmod alone loads none of them and fails.
source "$(dirname "$0")/lib.sh"

[[ -d /lib/modules/$(uname -r) ]] || skip_all "every module svclb needs is built into this kernel"
[[ -z ${SVCLB_MODULE:-} ]] || skip_all "the README loads kmod/svclb.ko, not \$SVCLB_MODULE"
unload_module || exit 1
# shellcheck disable=SC2207 # a list of module names
deps=($(modinfo -F depends "$MODULE" | tr , ' '))
modprobe -r "${deps[@]}" 2>/dev/null
loaded=()
for m in "${deps[@]}"; do [[ -d /sys/module/$m ]] && loaded+=("$m"); done
((${#loaded[@]} == 0)) || skip_all "in use, they cannot be unloaded: ${loaded[*]}"

plan 2
# The load commands of the README's first steps, run as root from the top
# of the tree.
cmds=$(sed -n '/^## Build and use/,/^## /p' "$TOP/README.md" |
	grep -E '^sudo (modprobe|insmod) ')
diag "none of ${deps[*]} loaded; the README's commands:"
sed 's/^/#   /' <<<"$cmds"
out=$(cd "$TOP" && eval "${cmds//sudo /}" 2>&1)
[[ -n $out ]] && sed 's/^/# /' <<<"$out"
check "they load svclb" test -d /sys/module/svclb
check "... and svcadm lists its services" "$SVCADM" list
finish
