# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# svclb, loaded with svcadm: one svcadm invocation (one netlink request) per
# service and per backend, as svcadm offers today. svclb_load is the one
# function to swap when svcadm gains a batch command.
# svclb-nl (functions svclb_nl_*): the same requests over one netlink socket (bench/nlload.py), to
# tell the kernel's share of the load time from the CLI's; the datapath lanes
# are set up with it.

svclb_prepare() { load_module; }
svclb_files() { "$BENCH/gen.py" svcadm "$1" "$2" "${@:4}" >"$3/svcadm"; }
svclb_load() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$1" bash -c 'while read -r -a a; do "$0" "${a[@]}" || exit; done' \
		"$SVCADM" <"$2/svcadm"
}
svclb_change() { svclb_load "$@"; }
svclb_messages() { wc -l <"$1/svcadm"; }
svclb_flows() {
	ip netns exec "$1" "$SVCADM" list -j |
		"$PY" -c 'import json,sys; print(sum(s["stats"]["active_flows"] for s in json.load(sys.stdin)["services"]))'
}
svclb_caches() { echo svclb_flow; }

svclb_nl_prepare() { svclb_prepare; }
svclb_nl_files() { svclb_files "$@"; }
svclb_nl_load() { ip netns exec "$1" "$BENCH/nlload.py" <"$2/svcadm" >/dev/null; }
svclb_nl_change() { svclb_nl_load "$@"; }
svclb_nl_messages() { svclb_messages "$@"; }
svclb_nl_flows() { svclb_flows "$@"; }
svclb_nl_caches() { svclb_caches; }
