# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# iptables as kube-proxy's iptables mode lays it out: KUBE-SERVICES with one
# rule per service jumping to its KUBE-SVC chain, which picks a KUBE-SEP chain
# with -m statistic --mode random; each KUBE-SEP chain DNATs. Loaded with
# iptables-restore, changed with iptables-restore --noflush. IPTABLES picks
# the variant: legacy (x_tables, the default) or nft.

IPTABLES=${IPTABLES:-legacy}
iptables_prepare() {
	if [[ $IPTABLES == legacy ]]; then
		modprobe ip_tables && modprobe iptable_nat
	else
		modprobe nf_tables && modprobe nft_compat
	fi
	modprobe xt_statistic && modprobe xt_nat && modprobe xt_tcpudp
}
iptables_files() { "$BENCH/gen.py" iptables "$1" "$2" "${@:4}" >"$3/iptables"; }
iptables_load() { ip netns exec "$1" "iptables-$IPTABLES-restore" <"$2/iptables"; }
iptables_change() { ip netns exec "$1" "iptables-$IPTABLES-restore" --noflush <"$2/iptables"; }
iptables_flows() { nft_flows "$@"; }
iptables_caches() { echo nf_conntrack; }
