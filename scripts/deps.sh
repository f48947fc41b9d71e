#!/bin/bash
# Install the Debian packages needed to build svclb and run its VM test suite.
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
# Idempotent and quiet: exits at once when everything is already installed.
set -euo pipefail

pkgs=(
	qemu-system-x86 linux-image-amd64 linux-headers-amd64 busybox-static cpio kmod
	libnl-3-dev libnl-genl-3-dev libjson-c-dev pkg-config socat iproute2 nftables
	conntrack iperf3 ethtool ipvsadm iptables python3-scapy sparse make gcc libc6-dev
	"$@"
)

installed() { [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]; }

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
# The module is built against the headers of the packaged kernel that the VM boots.
if installed linux-image-amd64; then
	kver=$("$(dirname "$0")/../selftests/vm/kver.sh")
	installed "linux-headers-$kver" || missing+=("linux-headers-$kver")
fi
((${#missing[@]})) || exit 0

echo "deps.sh: installing: ${missing[*]}"
sudo=()
((EUID == 0)) || sudo=(sudo)
"${sudo[@]}" apt-get update -qq
# Ask for the whole list, not only the missing ones, so that apt keeps
# linux-image-amd64 and linux-headers-amd64 at the same kernel ABI.
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends "${pkgs[@]}"
# After an image upgrade the headers of the new ABI come with linux-headers-amd64;
# this catches the remaining case (image present, its exact headers not).
kver=$("$(dirname "$0")/../selftests/vm/kver.sh")
installed "linux-headers-$kver" ||
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "linux-headers-$kver"
