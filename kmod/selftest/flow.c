// SPDX-License-Identifier: GPL-2.0
/* Self-tests of the flow table and round robin, compiled into DEBUG builds. */

static struct svclb_tuple __init st_tuple(u32 client, u16 cport)
{
	struct svclb_tuple t = {
		.src.ip = htonl(client),
		.dst.ip = htonl(0x0a60000a),
		.sport = htons(cport),
		.dport = htons(80),
		.proto = IPPROTO_TCP,
		.family = AF_INET,
	};

	return t;
}

#define ST_CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("svclb: flow self-test failed: %s\n", #cond);	\
		ok = false;						\
		goto out;						\
	}								\
} while (0)

/* Flow table operations on a service with three backends; under RCU. */
static bool __init st_flows(struct svclb_net *sn, struct svclb_service *svc)
{
	struct svclb_flow *f1, *f2, *f3;
	struct svclb_tuple t1, t2, r1, r3;
	unsigned int i, hits[3] = {};
	struct svclb_be_set *set;
	bool ok = true;

	rcu_read_lock();
	set = rcu_dereference(svc->set);
	ST_CHECK(set && set->n == 3);
	/* Round robin: every backend equally often. */
	for (i = 0; i < 300; i++)
		hits[ntohl(set->sched->pick(set, NULL)->addr.ip) - 0x0a000201]++;
	ST_CHECK(hits[0] == 100 && hits[1] == 100 && hits[2] == 100);

	t1 = st_tuple(0x0a000102, 40000);
	f1 = svclb_flow_create(sn, &t1, set->be[0], SVCLB_FLOW_TCP_NEW);
	ST_CHECK(!IS_ERR(f1));
	ST_CHECK(svclb_flow_lookup_orig(sn, &t1) == f1);
	svclb_tuple_invert(&r1, &t1);
	r1.src = set->be[0]->addr;
	r1.sport = set->be[0]->port;
	ST_CHECK(svclb_flow_lookup_reply(sn, &r1) == f1);
	svclb_flow_reply(f1, &r3);
	ST_CHECK(!memcmp(&r3, &r1, sizeof(r1)));
	ST_CHECK(f1->rport == t1.sport);
	ST_CHECK(atomic_read(&sn->nr_flows) == 1);
	ST_CHECK(atomic_read(&set->be[0]->active_flows) == 1);

	/* The same tuple again (another CPU's race): the existing flow. */
	f2 = svclb_flow_create(sn, &t1, set->be[1], SVCLB_FLOW_TCP_NEW);
	ST_CHECK(f2 == f1);
	ST_CHECK(atomic_read(&sn->nr_flows) == 1);

	/*
	 * Another VIP flow whose reply tuple is taken by a live flow: it gets
	 * another client port toward the backend.
	 */
	t2 = t1;
	t2.dst.ip = htonl(0x0a60000b);
	f3 = svclb_flow_create(sn, &t2, set->be[0], SVCLB_FLOW_TCP_NEW);
	ST_CHECK(!IS_ERR(f3) && f3 != f1);
	ST_CHECK(f3->rport != t2.sport && ntohs(f3->rport) >= 1024);
	svclb_flow_reply(f3, &r3);
	ST_CHECK(r3.src.ip == r1.src.ip && r3.sport == r1.sport &&
		 r3.dst.ip == r1.dst.ip && r3.dport == f3->rport);
	ST_CHECK(svclb_flow_lookup_reply(sn, &r3) == f3);
	/* The tuple with another port, or another backend, is no flow's. */
	r3.dport = htons(ntohs(f3->rport) ^ 1);
	if (r3.dport == t1.sport)	/* f1's own */
		r3.dport = htons(ntohs(f3->rport) ^ 2);
	ST_CHECK(!svclb_flow_lookup_reply(sn, &r3));
	r3 = r1;
	r3.src = set->be[1]->addr;
	ST_CHECK(!svclb_flow_lookup_reply(sn, &r3));
	ST_CHECK(svclb_flow_lookup_reply(sn, &r1) == f1);
	svclb_flow_delete(sn, f3);

	/* Once the first has expired, the tuple is reused as it is. */
	f1->last_seen -= sn->timeouts[SVCLB_FLOW_TCP_NEW] + 1;
	ST_CHECK(svclb_flow_expired(sn, f1, jiffies));
	f3 = svclb_flow_create(sn, &t2, set->be[0], SVCLB_FLOW_TCP_NEW);
	ST_CHECK(!IS_ERR(f3));
	ST_CHECK(!svclb_flow_lookup_orig(sn, &t1));
	ST_CHECK(svclb_flow_lookup_reply(sn, &r1) == f3);
	ST_CHECK(atomic_read(&sn->nr_flows) == 1);

	/* Deleting twice frees once. */
	svclb_flow_delete(sn, f3);
	svclb_flow_delete(sn, f3);
	ST_CHECK(atomic_read(&sn->nr_flows) == 0);
	ST_CHECK(!svclb_flow_lookup_orig(sn, &t2));

	/* The table bound holds against confirmed flows. */
	sn->max_flows = 2;
	for (i = 0; i < 3; i++) {
		t1 = st_tuple(0x0a000102, 41000 + i);
		f1 = svclb_flow_create(sn, &t1, set->be[i], SVCLB_FLOW_UDP);
		ST_CHECK(i < 2 ? !IS_ERR(f1) : PTR_ERR(f1) == -ENOSPC);
	}
	ST_CHECK(atomic_read(&sn->nr_flows) == 2);
	/*
	 * An unconfirmed flow makes room for a new one (early drop), and the
	 * confirmed flow stays.
	 */
	t1 = st_tuple(0x0a000102, 41000);
	f2 = svclb_flow_lookup_orig(sn, &t1);
	ST_CHECK(f2);
	f2->state = SVCLB_FLOW_TCP_REPLIED;
	t2 = st_tuple(0x0a000102, 41010);
	f3 = svclb_flow_create(sn, &t2, set->be[0], SVCLB_FLOW_TCP_NEW);
	ST_CHECK(!IS_ERR(f3));
	ST_CHECK(!svclb_flow_lookup_orig(sn, &t1));
	ST_CHECK(svclb_flow_lookup_orig(sn, &t2) == f3);
	t1 = st_tuple(0x0a000102, 41001);
	ST_CHECK(svclb_flow_lookup_orig(sn, &t1));
	ST_CHECK(atomic_read(&sn->nr_flows) == 2);
out:
	rcu_read_unlock();
	return ok;
}

bool __init svclb_flow_selftest(void)
{
	const struct svclb_svc_key key = {
		.addr.ip = htonl(0x0a60000a),
		.port = htons(80),
		.proto = IPPROTO_TCP,
		.family = AF_INET,
	};
	const struct svclb_svc_conf conf = { .sched = &svclb_sched_rr };
	struct svclb_service *svc;
	union svclb_addr addr;
	struct svclb_net *sn;
	bool ok = true;
	unsigned int i;

	sn = kzalloc(sizeof(*sn), GFP_KERNEL);
	if (!sn)
		return false;
	mutex_init(&sn->lock);
	sn->genid = 1;
	svclb_gc_net_init(sn);
	if (svclb_affinity_net_init(sn)) {
		kfree(sn);
		return false;
	}
	if (svclb_flow_net_init(sn)) {
		svclb_affinity_net_exit(sn);
		kfree(sn);
		return false;
	}
	if (svclb_service_net_init(sn)) {
		svclb_gc_net_exit(sn);
		svclb_flow_net_exit(sn);
		svclb_affinity_net_exit(sn);
		kfree(sn);
		return false;
	}

	mutex_lock(&sn->lock);
	svc = svclb_service_create(sn, &key, &conf, NULL, NULL, 0);
	ST_CHECK(!IS_ERR(svc));
	ST_CHECK(PTR_ERR(svclb_service_create(sn, &key, &conf, NULL, NULL, 0)) ==
		 -EEXIST);
	ST_CHECK(svclb_service_lookup(sn, &key) == svc);
	memset(&addr, 0, sizeof(addr));
	for (i = 0; i < 3; i++) {
		addr.ip = htonl(0x0a000201 + i);
		ST_CHECK(!svclb_backend_add(svc, &addr, htons(8080), 1,
					    SVCLB_BE_STATE_ACTIVE));
	}
	mutex_unlock(&sn->lock);

	ok = st_flows(sn, svc);
	svclb_flow_flush(sn);
	if (atomic_read(&sn->nr_flows)) {
		pr_err("svclb: flow self-test failed: flush left flows\n");
		ok = false;
	}
	mutex_lock(&sn->lock);
out:
	mutex_unlock(&sn->lock);
	svclb_service_net_exit(sn);
	svclb_gc_net_exit(sn);
	svclb_flow_net_exit(sn);
	svclb_affinity_net_exit(sn);
	rcu_barrier();
	kfree(sn);
	return ok;
}
