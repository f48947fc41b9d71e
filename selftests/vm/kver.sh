#!/bin/sh
# Print the version of the kernel that Debian's linux-image-amd64 pulls in
# (e.g. 6.1.0-56-amd64): the kernel the VM boots and the module is built for.
set -eu
dep=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null) || {
	echo "kver.sh: linux-image-amd64 is not installed (run scripts/deps.sh)" >&2
	exit 1
}
# Depends looks like "linux-image-6.1.0-56-amd64 (= 6.1.192-2)".
kver=$(printf '%s\n' "$dep" | sed -n 's/^linux-image-\([^ ,|]*\).*/\1/p')
[ -n "$kver" ] || { echo "kver.sh: cannot parse '$dep'" >&2; exit 1; }
echo "$kver"
