/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * svclb: in-kernel service load balancer, generic netlink API.
 *
 * Family name SVCLB_GENL_NAME ("svclb"), version SVCLB_GENL_VERSION (1).
 * The family is network-namespace aware: every request acts on the tables of
 * the network namespace of the socket that sent it. Every command needs
 * CAP_NET_ADMIN in the user namespace that owns that network namespace,
 * dumps included: a request without it is refused with EPERM before any of
 * its attributes is read, and that refusal alone carries no message.
 * Attributes are validated strictly: unknown attributes, nests without
 * NLA_F_NESTED and trailing garbage are refused. Every other refusal
 * carries an extended ack message (NLMSGERR_ATTR_MSG) saying what was
 * wrong.
 *
 * The family's policies hold the ranges given below, and the genetlink core
 * refuses a value outside them before svclb sees the request: a number out
 * of its range (a port of 0, a weight above SVCLB_WEIGHT_MAX, a state or an
 * affinity unknown, a timeout of 0 ...) or an address of other than 4 to 16
 * bytes with ERANGE, a scheduler name of more than SVCLB_SCHED_NAME_MAX - 1
 * bytes with EINVAL or ERANGE, unknown flag bits and the read-only settings
 * with EINVAL. Its extended ack points at the attribute (NLMSGERR_ATTR_OFFS)
 * and, but for flag bits and read-only settings, holds the policy
 * (NLMSGERR_ATTR_POLICY: the range of values or lengths allowed). svclb
 * refuses the rest: families and protocols it does not know, an address
 * whose length is not its family's, and what depends on other attributes
 * or on the tables.
 *
 * Versions: attributes and commands are only ever appended, so a module
 * understands every request of an older svcadm, and an older module
 * refuses an attribute it lacks as unknown. The family's policies, which
 * the generic netlink controller dumps (CTRL_CMD_GETPOLICY), give the
 * highest attribute of each nest: they tell which of these a module has.
 * SVCLB_GENL_VERSION changes only with a change that is not compatible.
 *
 * A service is identified by its key: family, protocol, address and port.
 * A backend is identified, within its service, by its address and port.
 *
 * SVCLB_CMD_SERVICE_NEW: create a service. Fails if it exists.
 *
 *   SVCLB_A_SERVICE: nest
 *     SVCLB_SVC_A_FAMILY: u16, AF_INET or AF_INET6               (required)
 *     SVCLB_SVC_A_PROTO: u8, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP (required)
 *     SVCLB_SVC_A_ADDR: binary, 4 bytes (AF_INET) or 16 (AF_INET6),
 *                       network byte order; a unicast address, or
 *                       0.0.0.0 or :: for a node port (below) (required)
 *     SVCLB_SVC_A_PORT: u16, host byte order, not 0               (required)
 *     SVCLB_SVC_A_SCHED: NUL-terminated string, at most
 *                        SVCLB_SCHED_NAME_MAX bytes with the NUL: the
 *                        scheduler, one of those below; "maglev" when
 *                        absent
 *     SVCLB_SVC_A_FLAGS: u32, a combination of enum svclb_svc_flags;
 *                        0 when absent
 *     SVCLB_SVC_A_AFFINITY: u8, enum svclb_affinity; SVCLB_AFFINITY_NONE
 *                           when absent
 *     SVCLB_SVC_A_AFFINITY_TIMEOUT: u32, seconds, 1 to SVCLB_TIMEOUT_MAX;
 *                           SVCLB_AFFINITY_TIMEOUT_DEFAULT when absent
 *     SVCLB_SVC_A_BACKENDS: nest, optional: the service's backends
 *       SVCLB_A_BACKEND: nest, repeated, one per backend, at most 65521
 *         SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT, SVCLB_BE_A_WEIGHT and
 *         SVCLB_BE_A_STATE, as for SVCLB_CMD_BACKEND_NEW; a backend may
 *         appear once
 *     The service becomes visible complete, with its backends, or not at all.
 *
 * A node port is a service whose address is 0.0.0.0 (or ::): it takes the
 * packets to its protocol and port whose destination is any local address
 * of the namespace but a loopback one, as Kubernetes' NodePort services do.
 * A service on the exact destination address is preferred to it.
 * Multicast, broadcast and loopback service addresses are refused.
 *
 * Schedulers choose a backend for each new flow among the backends of
 * weight > 0:
 *
 *   maglev  Maglev consistent hashing, weighted: a lookup table (a prime
 *           number of slots, at least 100 times the number of backends up
 *           to 655 backends) filled from each backend's hash, indexed by a
 *           SipHash of the flow's tuple (client address and port, protocol,
 *           VIP and port) keyed with the namespace's seed. Every node with
 *           the same backends and seed picks the same backend for a flow.
 *           At most 65521 backends.
 *   rr      round robin; weights other than 0 are ignored
 *   wrr     smooth weighted round robin
 *   random  weighted random
 *   lc      fewest active flows; weights other than 0 are ignored
 *
 * A TCP packet without SYN (or with SYN and ACK) that belongs to no known
 * flow, such as the next packet of a connection that another node or an
 * earlier load of the module translated, is scheduled by maglev like any
 * first packet, and its flow starts established. The other schedulers
 * would pick a backend that does not know the connection: they refuse the
 * packet as if the service had no backend (a TCP RST, or a silent drop
 * with SVCLB_SVC_F_SILENT_DROP).
 *
 * Session affinity by client IP: a new flow from a client address that
 * started a flow of the service less than AFFINITY_TIMEOUT seconds ago goes
 * to the backend that flow got, as long as that backend may still take new
 * flows; otherwise the scheduler picks. Only new flows count: the timeout
 * runs from the client's last new flow, however long its flows live. The
 * affinity entries of a namespace are bounded by SVCLB_CFG_A_MAX_FLOWS; when
 * that many exist, new flows are scheduled without recording one.
 *
 * SVCLB_CMD_SERVICE_SET: change an existing service: the same attributes as
 * SVCLB_CMD_SERVICE_NEW; SCHED, FLAGS, AFFINITY and AFFINITY_TIMEOUT replace
 * the current values when present. Fails if the service does not exist.
 * It may also carry
 *
 *     SVCLB_SVC_A_BACKENDS: nest, as in SVCLB_CMD_SERVICE_NEW
 *
 * which replaces the whole backend set of the service at once: backends
 * listed and present keep their flows and counters and take the WEIGHT and
 * STATE given (1 and SVCLB_BE_STATE_ACTIVE when absent); backends listed
 * and absent are added; backends present and not listed are removed, as
 * with SVCLB_CMD_BACKEND_DEL. An empty nest removes every backend. New
 * flows are scheduled from the old set until the new one is complete, and
 * from the new one after: never from a mix or from none. A request with
 * one invalid or repeated backend is refused whole and changes nothing.
 *
 * Large backend sets: one attribute holds at most 64 KiB (about 1,800 IPv4
 * or 1,350 IPv6 backends), so a larger set for SVCLB_CMD_SERVICE_NEW or _SET
 * is sent in parts, each a request of the same command and service key,
 * sent in order on one socket:
 *
 *     SVCLB_SVC_A_BACKENDS_FROM: u32, the position in the whole set of the
 *                                request's first backend, 0 to
 *                                SVCLB_BACKENDS_MAX; 0 when absent
 *     SVCLB_SVC_A_BACKENDS_MORE: flag, more parts follow
 *
 * A part with MORE carries only the service key, BACKENDS, FROM and MORE;
 * it changes nothing and is only kept (staged) for its socket: the service
 * must exist for _SET and must not for _NEW. The part without MORE carries
 * the rest of the request (SCHED, FLAGS, ...) and the last backends; the
 * request then acts on the whole set as one, as if it held every backend:
 * the set is still applied all or nothing, and atomically. FROM must equal
 * the number of backends the socket staged for the service, or the part is
 * refused: a part refused, or a socket closed, loses the set staged so far.
 * A socket stages one set at a time: FROM 0 with MORE starts a new one. The
 * event of the last part carries that request's attributes only.
 *
 * SVCLB_CMD_SERVICE_DEL: delete a service, its backends and its flows.
 *
 *   SVCLB_A_SERVICE: nest with the service key (FAMILY, PROTO, ADDR, PORT)
 *
 * SVCLB_CMD_SERVICE_GET: NLM_F_DUMP only. Every service, one or more messages
 * each, in this form:
 *
 *   SVCLB_A_SERVICE: nest
 *     SVCLB_SVC_A_FAMILY, SVCLB_SVC_A_PROTO, SVCLB_SVC_A_ADDR,
 *     SVCLB_SVC_A_PORT, SVCLB_SVC_A_SCHED, SVCLB_SVC_A_FLAGS,
 *     SVCLB_SVC_A_AFFINITY, SVCLB_SVC_A_AFFINITY_TIMEOUT
 *     SVCLB_SVC_A_STATS: nest of enum svclb_stats_attrs, when asked
 *     SVCLB_SVC_A_BACKENDS: nest
 *       SVCLB_A_BACKEND: nest, repeated, one per backend
 *         SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT, SVCLB_BE_A_WEIGHT,
 *         SVCLB_BE_A_STATE
 *         SVCLB_BE_A_STATS: nest of enum svclb_stats_attrs, when asked
 *
 * The request may carry
 *
 *   SVCLB_A_SERVICE: nest with a service key: that service only, found by
 *                    its key (ENOENT in NLMSG_DONE when there is none)
 *   SVCLB_A_STATS: flag: with the counters (SVCLB_SVC_A_STATS and
 *                  SVCLB_BE_A_STATS), which cost a sum over every possible
 *                  CPU each; without it, a dump carries none
 *
 * When a service's backends do not fit in one message, the following message
 * repeats the service's key and carries the next backends; readers merge
 * messages with the same key. The dump may be resumed in as many recvmsg()
 * calls as needed; each part goes on from the service (and backend) where
 * the last one stopped, found by its key. If the tables changed between two
 * parts of a dump, the next message carries NLM_F_DUMP_INTR: every service
 * was still read whole and as it was at one moment, but the services
 * together may not be a picture of one moment, and some created or removed
 * meanwhile may be missing.
 *
 * SVCLB_CMD_BACKEND_NEW: add a backend to a service. Fails if it exists.
 *
 *   SVCLB_A_SERVICE: nest with the service key
 *   SVCLB_A_BACKEND: nest
 *     SVCLB_BE_A_ADDR: binary, 4 or 16 bytes; the address family must be
 *                      the service's; not 0.0.0.0 or ::           (required)
 *     SVCLB_BE_A_PORT: u16, host byte order, not 0                (required)
 *     SVCLB_BE_A_WEIGHT: u32, 0 to SVCLB_WEIGHT_MAX; 1 when absent. A
 *                        backend of weight 0 keeps its flows but gets no
 *                        new ones.
 *     SVCLB_BE_A_STATE: u8, enum svclb_be_state; SVCLB_BE_STATE_ACTIVE when
 *                       absent
 *
 * New flows go to the active backends of weight above 0; only when there is
 * none do they go to the terminating backends of weight above 0. Every
 * backend keeps the flows it has, whatever its state and weight.
 *
 * SVCLB_CMD_BACKEND_SET: change an existing backend; the same attributes as
 * SVCLB_CMD_BACKEND_NEW; WEIGHT and STATE replace the current values when
 * present.
 *
 * SVCLB_CMD_BACKEND_DEL: remove a backend from a service. Its flows are
 * purged at once: no packet is translated by them any more, the next packet
 * of each (UDP included) is scheduled afresh as a new flow.
 *
 *   SVCLB_A_SERVICE: nest with the service key
 *   SVCLB_A_BACKEND: nest with SVCLB_BE_A_ADDR and SVCLB_BE_A_PORT
 *
 * SVCLB_CMD_FLUSH: delete every service, backend and flow of the namespace.
 * No attributes.
 *
 * SVCLB_CMD_CONFIG_GET: the namespace's settings; the reply has
 *
 *   SVCLB_A_CONFIG: nest
 *     SVCLB_CFG_A_TIMEOUT_TCP_SYN: u32, seconds a TCP flow lives until it
 *                                  is confirmed: its backend answered and
 *                                  then its client spoke (the handshake's
 *                                  third packet)
 *     SVCLB_CFG_A_TIMEOUT_TCP: u32, seconds an established TCP flow lives idle
 *     SVCLB_CFG_A_TIMEOUT_TCP_CLOSING: u32, seconds after a FIN or RST
 *     SVCLB_CFG_A_TIMEOUT_UDP: u32, seconds a UDP flow lives idle
 *     SVCLB_CFG_A_TIMEOUT_SCTP: u32, seconds an SCTP flow lives idle
 *     SVCLB_CFG_A_MAX_FLOWS: u32, the bound of the flow table
 *     SVCLB_CFG_A_FLOWS: u32, the flows in the table now (read-only)
 *     SVCLB_CFG_A_MASQ_MARK: u32, the masquerade mark (see below)
 *     SVCLB_CFG_A_MASQ_MASK: u32, the bits of the packet mark it sets
 *     SVCLB_CFG_A_SEED: u64, the key of the flow hash (0 by default): nodes
 *                       that must choose alike share it
 *     SVCLB_CFG_A_AFFINITY_ENTRIES: u32, the session affinity entries
 *                                   now (read-only)
 *     SVCLB_CFG_A_MAX_SERVICES: u32, the most services the namespace may
 *                               have (SVCLB_SERVICES_DEFAULT by default)
 *     SVCLB_CFG_A_MAX_BACKENDS: u32, the most backends a service may have
 *                               (SVCLB_BACKENDS_MAX by default)
 *     SVCLB_CFG_A_GENERATION: u32, the generation of the services and
 *                             backends (read-only; see "Several writers")
 *     SVCLB_CFG_A_TIMEOUT_SCTP_INIT: u32, seconds an SCTP flow lives until
 *                                    it is confirmed, as a TCP flow is
 *
 * SVCLB_CMD_CONFIG_SET: change any of the settings above but FLOWS,
 * AFFINITY_ENTRIES and GENERATION.
 * Timeouts are 1 to SVCLB_TIMEOUT_MAX seconds and apply at once to every
 * flow; MAX_FLOWS is at least 1 and limits new flows only; MAX_SERVICES is
 * at least 1 and MAX_BACKENDS 1 to SVCLB_BACKENDS_MAX, and they limit what is
 * added from then on: a creation past either fails with ENOSPC (services) or
 * E2BIG (backends), and nothing present is removed. A new SEED
 * applies to new flows at once; existing flows keep their backends.
 * In a network namespace owned by a user namespace other than the initial
 * one, MAX_FLOWS, MAX_SERVICES and MAX_BACKENDS start at ceilings the host
 * sets (the svclb module's parameters userns_max_flows, userns_max_services
 * and userns_max_backends) and cannot be set above them: such a request
 * fails with ERANGE, changes nothing, and its extended ack names the
 * parameter and carries the attribute's offset and a policy whose range
 * ends at the ceiling. A lowered ceiling lowers the bounds above it.
 *
 * The masquerade mark: requests from other hosts and namespaces
 * (PREROUTING) that must be masqueraded get their packet mark set to
 * (mark & ~MASQ_MASK) | MASQ_MARK after translation, for one nft rule to
 * masquerade, e.g. "meta mark & MASQ_MASK == MASQ_MARK masquerade" in a nat
 * postrouting chain. These are the requests of hairpin flows (the client is
 * the backend chosen for it, whose reply would not come back through the
 * node) and every request of a service with SVCLB_SVC_F_MASQUERADE. A mask
 * of 0 (the default) turns marking off. MASQ_MARK must lie within the mask;
 * MASQ_MARK alone sets the mask to its own bits.
 *
 *   SVCLB_A_CONFIG: nest of the settings to change
 *
 * SVCLB_CMD_LOOKUP: where a flow from a client to a service goes: the
 * backend a new flow would get now, and the backend of the existing flow,
 * if there is one. Changes nothing.
 *
 *   SVCLB_A_SERVICE: nest with the service key
 *   SVCLB_A_LOOKUP: nest
 *     SVCLB_LK_A_CLIENT_ADDR: binary, 4 or 16 bytes, the service's family
 *                             (required)
 *     SVCLB_LK_A_CLIENT_PORT: u16, host byte order, not 0     (required)
 *
 * The reply has
 *
 *   SVCLB_A_SERVICE: nest: the service key and SVCLB_SVC_A_SCHED
 *   SVCLB_A_LOOKUP: nest
 *     SVCLB_LK_A_CLIENT_ADDR, SVCLB_LK_A_CLIENT_PORT: as requested
 *     SVCLB_LK_A_HASH: u64, the flow hash of the tuple
 *     SVCLB_LK_A_NEW: nest with SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT and
 *                     SVCLB_BE_A_WEIGHT: the backend a new flow would get;
 *                     absent when no backend can take a new flow or when
 *                     the scheduler cannot tell in advance (random)
 *     SVCLB_LK_A_FLOW: nest as SVCLB_LK_A_NEW: the backend of the flow;
 *                      absent when there is no live flow
 *     SVCLB_LK_A_FLOW_STATE: u8, enum svclb_flow_states, with FLOW
 *
 * SVCLB_CMD_FLOW_GET: NLM_F_DUMP only. The live flows of the namespace, one
 * message each; with an SVCLB_A_SERVICE nest holding a service key in the
 * request, only that service's flows:
 *
 *   SVCLB_A_FLOW: nest
 *     SVCLB_FLOW_A_FAMILY: u16
 *     SVCLB_FLOW_A_PROTO: u8
 *     SVCLB_FLOW_A_CLIENT_ADDR, SVCLB_FLOW_A_VIP_ADDR,
 *     SVCLB_FLOW_A_BACKEND_ADDR: binary, 4 or 16 bytes
 *     SVCLB_FLOW_A_CLIENT_PORT, SVCLB_FLOW_A_VIP_PORT,
 *     SVCLB_FLOW_A_BACKEND_PORT: u16, host byte order
 *     SVCLB_FLOW_A_STATE: u8, enum svclb_flow_states
 *     SVCLB_FLOW_A_IDLE: u32, milliseconds since the flow's last packet
 *     SVCLB_FLOW_A_EXPIRES: u32, milliseconds until it expires if idle
 *     SVCLB_FLOW_A_MAPPED_PORT: u16, the client port the backend sees, only
 *                               when it is not the client's own: the client
 *                               reached the same backend from the same port
 *                               through another service
 *
 * A malformed service key ends the dump with the error in NLMSG_DONE, which
 * carries the extended ack message.
 * The walk is lock-free and resumable; flows created or removed during the
 * dump may or may not appear. When the table is resized during the dump the
 * walk starts over and the next message carries NLM_F_DUMP_INTR.
 *
 * SVCLB_CMD_FLOW_DEL: remove flows at once; their next packet is scheduled
 * afresh. Without attributes, every flow of the namespace (services and
 * backends stay); with a service key, the service's flows; with a service
 * key and a backend (SVCLB_BE_A_ADDR, SVCLB_BE_A_PORT), that backend's flows.
 *
 *   SVCLB_A_SERVICE: nest with the service key           (optional)
 *   SVCLB_A_BACKEND: nest with SVCLB_BE_A_ADDR and PORT  (optional)
 *
 * Several writers: the generation of a namespace's tables changes with
 * every change to its services and backends (it is never 0, and wraps
 * after 2^32 - 1 changes). SVCLB_CMD_CONFIG_GET reads it. Every request
 * that may change something (every command but SVCLB_CMD_CONFIG_GET,
 * SVCLB_CMD_LOOKUP and the dumps, which ignore it) may carry
 *
 *   SVCLB_A_GENERATION: u32, the generation the sender read
 *
 * and is then refused with ESTALE, changing nothing, unless the tables
 * are still of that generation, or every change made since was made
 * through the socket that sends the request (its netlink port id): a
 * writer reads the generation, dumps the tables, and sends its changes
 * with that generation, in as many requests as it needs, each of which
 * changes the generation. When another socket changes the tables in
 * between, the writer's remaining requests are refused, and it reads,
 * dumps and plans again rather than overwrite what it has not seen. A
 * socket's claim ends when another socket changes the tables or when it
 * closes. A request refused so also drops the backend set its socket was
 * staging (see "Large backend sets"). SVCLB_CMD_CONFIG_SET and
 * SVCLB_CMD_FLOW_DEL are checked too but change no generation.
 *
 * Events: the multicast group SVCLB_MCGRP_EVENTS ("events") of the family
 * receives one message per successful change, sent to listeners in the
 * namespace of the change. Its command is the command of the request that
 * made the change (SERVICE_NEW/SET/DEL, BACKEND_NEW/SET/DEL, FLUSH,
 * CONFIG_SET, FLOW_DEL, ...) and it carries the request's attributes
 * (SVCLB_A_SERVICE, SVCLB_A_BACKEND, SVCLB_A_CONFIG) as they were given,
 * the hash seed of a CONFIG_SET included, not SVCLB_A_GENERATION. Joining
 * the group needs CAP_NET_ADMIN in the user namespace that owns the
 * socket's network namespace, as every command does:
 * NETLINK_ADD_MEMBERSHIP (or bind()) fails with EPERM without it.
 */
#ifndef _UAPI_LINUX_SVCLB_H
#define _UAPI_LINUX_SVCLB_H

#define SVCLB_GENL_NAME		"svclb"
#define SVCLB_GENL_VERSION	1

#define SVCLB_SCHED_NAME_MAX	16
#define SVCLB_SCHED_DEFAULT	"maglev"	/* of a service created without one */
#define SVCLB_WEIGHT_MAX	65535
#define SVCLB_TIMEOUT_MAX	2000000
#define SVCLB_AFFINITY_TIMEOUT_DEFAULT	10800
#define SVCLB_SERVICES_DEFAULT	65536	/* the default of SVCLB_CFG_A_MAX_SERVICES */
#define SVCLB_BACKENDS_MAX	65521	/* the most SVCLB_CFG_A_MAX_BACKENDS allows */

#define SVCLB_MCGRP_EVENTS	"events"

enum svclb_cmd {
	SVCLB_CMD_UNSPEC,
	SVCLB_CMD_SERVICE_NEW,
	SVCLB_CMD_SERVICE_SET,
	SVCLB_CMD_SERVICE_DEL,
	SVCLB_CMD_SERVICE_GET,
	SVCLB_CMD_BACKEND_NEW,
	SVCLB_CMD_BACKEND_SET,
	SVCLB_CMD_BACKEND_DEL,
	SVCLB_CMD_FLUSH,
	SVCLB_CMD_CONFIG_GET,
	SVCLB_CMD_CONFIG_SET,
	SVCLB_CMD_LOOKUP,
	SVCLB_CMD_FLOW_GET,
	SVCLB_CMD_FLOW_DEL,
	__SVCLB_CMD_MAX
};
#define SVCLB_CMD_MAX (__SVCLB_CMD_MAX - 1)

enum svclb_attrs {
	SVCLB_A_UNSPEC,
	SVCLB_A_SERVICE,	/* nest: enum svclb_svc_attrs */
	SVCLB_A_BACKEND,	/* nest: enum svclb_be_attrs */
	SVCLB_A_CONFIG,		/* nest: enum svclb_cfg_attrs */
	SVCLB_A_LOOKUP,		/* nest: enum svclb_lookup_attrs */
	SVCLB_A_FLOW,		/* nest: enum svclb_flow_attrs (dump only) */
	SVCLB_A_GENERATION,	/* u32: of the tables the request was made for */
	SVCLB_A_STATS,		/* flag: a service dump with counters */
	__SVCLB_A_MAX
};
#define SVCLB_A_MAX (__SVCLB_A_MAX - 1)

enum svclb_svc_attrs {
	SVCLB_SVC_A_UNSPEC,
	SVCLB_SVC_A_FAMILY,	/* u16 */
	SVCLB_SVC_A_PROTO,	/* u8 */
	SVCLB_SVC_A_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_SVC_A_PORT,	/* u16 */
	SVCLB_SVC_A_SCHED,	/* string */
	SVCLB_SVC_A_FLAGS,	/* u32: enum svclb_svc_flags */
	SVCLB_SVC_A_STATS,	/* nest: enum svclb_stats_attrs (dump only) */
	SVCLB_SVC_A_BACKENDS,	/* nest: SVCLB_A_BACKEND... */
	SVCLB_SVC_A_AFFINITY,	/* u8: enum svclb_affinity */
	SVCLB_SVC_A_AFFINITY_TIMEOUT,	/* u32, seconds */
	SVCLB_SVC_A_BACKENDS_FROM,	/* u32, a staged part's position */
	SVCLB_SVC_A_BACKENDS_MORE,	/* flag: more parts follow */
	__SVCLB_SVC_A_MAX
};
#define SVCLB_SVC_A_MAX (__SVCLB_SVC_A_MAX - 1)

enum svclb_svc_flags {
	/*
	 * When the service has no backend that can take a new flow, drop the
	 * packet silently instead of answering with a TCP RST or an ICMP port
	 * unreachable.
	 */
	SVCLB_SVC_F_SILENT_DROP = 1U << 0,
	/*
	 * Mark every request from another host or namespace with the
	 * masquerade mark (SVCLB_CFG_A_MASQ_MARK), for backends whose replies
	 * would not come back through this node otherwise, as for a node port
	 * in front of backends on other nodes.
	 */
	SVCLB_SVC_F_MASQUERADE = 1U << 1,
};
#define SVCLB_SVC_F_ALL (SVCLB_SVC_F_SILENT_DROP | SVCLB_SVC_F_MASQUERADE)

enum svclb_affinity {
	SVCLB_AFFINITY_NONE,
	SVCLB_AFFINITY_CLIENT_IP,	/* by the client's address */
	__SVCLB_AFFINITY_MAX
};
#define SVCLB_AFFINITY_MAX (__SVCLB_AFFINITY_MAX - 1)

enum svclb_be_attrs {
	SVCLB_BE_A_UNSPEC,
	SVCLB_BE_A_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_BE_A_PORT,	/* u16 */
	SVCLB_BE_A_WEIGHT,	/* u32 */
	SVCLB_BE_A_STATS,	/* nest: enum svclb_stats_attrs (dump only) */
	SVCLB_BE_A_STATE,	/* u8: enum svclb_be_state */
	__SVCLB_BE_A_MAX
};
#define SVCLB_BE_A_MAX (__SVCLB_BE_A_MAX - 1)

enum svclb_be_state {
	/* Takes new flows. */
	SVCLB_BE_STATE_ACTIVE,
	/*
	 * Keeps its flows; takes new flows only when the service has no
	 * active backend of weight above 0.
	 */
	SVCLB_BE_STATE_TERMINATING,
	__SVCLB_BE_STATE_MAX
};
#define SVCLB_BE_STATE_MAX (__SVCLB_BE_STATE_MAX - 1)

enum svclb_cfg_attrs {
	SVCLB_CFG_A_UNSPEC,
	SVCLB_CFG_A_TIMEOUT_TCP_SYN,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_TCP,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_TCP_CLOSING,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_UDP,	/* u32, seconds */
	SVCLB_CFG_A_TIMEOUT_SCTP,	/* u32, seconds */
	SVCLB_CFG_A_MAX_FLOWS,		/* u32 */
	SVCLB_CFG_A_FLOWS,		/* u32, read-only */
	SVCLB_CFG_A_MASQ_MARK,		/* u32 */
	SVCLB_CFG_A_MASQ_MASK,		/* u32 */
	SVCLB_CFG_A_SEED,		/* u64 */
	SVCLB_CFG_A_PAD,
	SVCLB_CFG_A_AFFINITY_ENTRIES,	/* u32, read-only */
	SVCLB_CFG_A_MAX_SERVICES,	/* u32 */
	SVCLB_CFG_A_MAX_BACKENDS,	/* u32 */
	SVCLB_CFG_A_GENERATION,		/* u32, read-only */
	SVCLB_CFG_A_TIMEOUT_SCTP_INIT,	/* u32, seconds */
	__SVCLB_CFG_A_MAX
};
#define SVCLB_CFG_A_MAX (__SVCLB_CFG_A_MAX - 1)

enum svclb_lookup_attrs {
	SVCLB_LK_A_UNSPEC,
	SVCLB_LK_A_CLIENT_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_LK_A_CLIENT_PORT,	/* u16 */
	SVCLB_LK_A_HASH,	/* u64 (reply) */
	SVCLB_LK_A_NEW,		/* nest: enum svclb_be_attrs (reply) */
	SVCLB_LK_A_FLOW,	/* nest: enum svclb_be_attrs (reply) */
	SVCLB_LK_A_FLOW_STATE,	/* u8: enum svclb_flow_states (reply) */
	SVCLB_LK_A_PAD,
	__SVCLB_LK_A_MAX
};
#define SVCLB_LK_A_MAX (__SVCLB_LK_A_MAX - 1)

/* The state of a flow, which picks its idle timeout. */
enum svclb_flow_states {
	SVCLB_FLOW_STATE_UDP,
	SVCLB_FLOW_STATE_TCP_SYN,	/* no reply from the backend yet */
	SVCLB_FLOW_STATE_TCP_ESTABLISHED,
	SVCLB_FLOW_STATE_TCP_CLOSING,	/* FIN or RST seen */
	SVCLB_FLOW_STATE_SCTP,
	/* The backend answered; the client has not confirmed since. */
	SVCLB_FLOW_STATE_TCP_REPLIED,
	SVCLB_FLOW_STATE_SCTP_INIT,	/* not confirmed by the client yet */
};

/*
 * Counters of a service or a backend. "in" is the client-to-backend direction,
 * "out" the replies. Flows counts the flows ever created, active_flows those
 * in the flow table now. Services also count the packets that would have
 * started a flow: refused, for want of a backend that can take it (answered
 * with a TCP RST or an ICMP port unreachable, or dropped with the
 * silent-drop flag), and dropped, for want of room in the flow table; dropped
 * also counts the ICMP errors about the service's flows that could not be
 * translated.
 */
enum svclb_stats_attrs {
	SVCLB_STATS_A_UNSPEC,
	SVCLB_STATS_A_PAD,
	SVCLB_STATS_A_FLOWS,		/* u64 */
	SVCLB_STATS_A_PKTS_IN,		/* u64 */
	SVCLB_STATS_A_BYTES_IN,		/* u64 */
	SVCLB_STATS_A_PKTS_OUT,		/* u64 */
	SVCLB_STATS_A_BYTES_OUT,	/* u64 */
	SVCLB_STATS_A_ACTIVE_FLOWS,	/* u32 */
	SVCLB_STATS_A_REFUSED,		/* u64, services only */
	SVCLB_STATS_A_DROPPED,		/* u64, services only */
	__SVCLB_STATS_A_MAX
};
#define SVCLB_STATS_A_MAX (__SVCLB_STATS_A_MAX - 1)

enum svclb_flow_attrs {
	SVCLB_FLOW_A_UNSPEC,
	SVCLB_FLOW_A_FAMILY,		/* u16 */
	SVCLB_FLOW_A_PROTO,		/* u8 */
	SVCLB_FLOW_A_CLIENT_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_FLOW_A_CLIENT_PORT,	/* u16 */
	SVCLB_FLOW_A_VIP_ADDR,		/* binary: 4 or 16 bytes */
	SVCLB_FLOW_A_VIP_PORT,		/* u16 */
	SVCLB_FLOW_A_BACKEND_ADDR,	/* binary: 4 or 16 bytes */
	SVCLB_FLOW_A_BACKEND_PORT,	/* u16 */
	SVCLB_FLOW_A_STATE,		/* u8: enum svclb_flow_states */
	SVCLB_FLOW_A_IDLE,		/* u32, milliseconds */
	SVCLB_FLOW_A_EXPIRES,		/* u32, milliseconds */
	SVCLB_FLOW_A_MAPPED_PORT,	/* u16 */
	__SVCLB_FLOW_A_MAX
};
#define SVCLB_FLOW_A_MAX (__SVCLB_FLOW_A_MAX - 1)

#endif /* _UAPI_LINUX_SVCLB_H */
