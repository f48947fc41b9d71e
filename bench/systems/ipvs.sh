# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# IPVS in NAT (masquerading) mode with rr, as kube-proxy's ipvs mode sets it
# up: the VIPs on a dummy device kube-ipvs0 in the node namespace (IPVS
# works in LOCAL_IN), services and real servers loaded with ipvsadm -R.
# Adding the VIPs (ip -batch) is timed apart: ipvs_vips.

ipvs_prepare() { modprobe ip_vs && modprobe ip_vs_rr; }
ipvs_files() {
	"$BENCH/gen.py" ipvsadm "$1" "$2" "${@:4}" >"$3/ipvsadm"
	"$BENCH/gen.py" vips "$1" "$2" "${@:4}" >"$3/vips"
}
ipvs_vips() { ip -n "$1" -batch "$2/vips"; }
ipvs_load() { ip netns exec "$1" ipvsadm -R <"$2/ipvsadm"; }
ipvs_change() { ipvs_load "$@"; }
ipvs_flows() { ip netns exec "$1" tail -n +2 /proc/net/ip_vs_conn | wc -l; }
ipvs_caches() { echo ip_vs_conn nf_conntrack; }
