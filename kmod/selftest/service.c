// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the backend set's rules (weights and states) and of
 * replacing a service's backends, compiled into DEBUG builds.
 */

#define SST_CHECK(cond) do {						\
	if (!(cond)) {							\
		pr_err("svclb: service self-test failed: %s\n", #cond);	\
		ok = false;						\
		goto out;						\
	}								\
} while (0)

static union svclb_addr __init sst_addr(unsigned int i)
{
	union svclb_addr a = { .ip = htonl(0x0a000200 + i) };

	return a;
}

/* The last digits of the addresses of the set, in order: 12 for .1, .2. */
static unsigned int __init sst_set(struct svclb_service *svc, u8 *state)
{
	struct svclb_be_set *set;
	unsigned int i, v = 0;

	set = rcu_dereference_protected(svc->set, lockdep_is_held(&svc->sn->lock));
	if (!set)
		return 0;
	*state = set->state;
	for (i = 0; i < set->n; i++)
		v = v * 10 + (ntohl(set->be[i]->addr.ip) & 0xff);
	return v;
}

/* The same for the backend list, in order. */
static unsigned int __init sst_list(struct svclb_service *svc)
{
	struct svclb_backend *be;
	unsigned int v = 0;

	list_for_each_entry(be, &svc->backends, list)
		v = v * 10 + (ntohl(be->addr.ip) & 0xff);
	return v;
}

static struct svclb_backend *__init sst_find(struct svclb_service *svc,
					     unsigned int i)
{
	union svclb_addr a = sst_addr(i);

	return svclb_backend_find(svc, &a, htons(8080));
}

static void __init sst_spec(struct svclb_be_spec *spec, unsigned int i,
			    u32 weight, u8 state)
{
	memset(spec, 0, sizeof(*spec));
	spec->addr = sst_addr(i);
	spec->port = htons(8080);
	spec->weight = weight;
	spec->state = state;
	/* Stands for the place of the attribute in a request. */
	spec->nla = (const struct nlattr *)spec;
}

static bool __init sst_run(struct svclb_service *svc)
{
	const u8 A = SVCLB_BE_STATE_ACTIVE, T = SVCLB_BE_STATE_TERMINATING;
	struct svclb_be_spec specs[3], *sorted[3];
	struct svclb_backend *kept, *gone;
	union svclb_addr a;
	u8 state = 0xff;
	bool ok = true;

	a = sst_addr(1);
	SST_CHECK(!svclb_backend_add(svc, &a, htons(8080), 1, A));
	a = sst_addr(2);
	SST_CHECK(!svclb_backend_add(svc, &a, htons(8080), 1, A));
	a = sst_addr(3);
	SST_CHECK(!svclb_backend_add(svc, &a, htons(8080), 1, T));
	/* Active backends only, while there are some. */
	SST_CHECK(sst_set(svc, &state) == 12 && state == A);
	SST_CHECK(!svclb_backend_update(sst_find(svc, 1), 1, T));
	SST_CHECK(sst_set(svc, &state) == 2 && state == A);
	/* Then every terminating backend of weight above 0. */
	SST_CHECK(!svclb_backend_update(sst_find(svc, 2), 1, T));
	SST_CHECK(sst_set(svc, &state) == 123 && state == T);
	SST_CHECK(!svclb_backend_update(sst_find(svc, 3), 0, T));
	SST_CHECK(sst_set(svc, &state) == 12 && state == T);
	/* An active backend of weight 0 takes nothing either. */
	SST_CHECK(!svclb_backend_update(sst_find(svc, 3), 0, A));
	SST_CHECK(sst_set(svc, &state) == 12 && state == T);
	SST_CHECK(!svclb_backend_update(sst_find(svc, 2), 1, A));
	SST_CHECK(sst_set(svc, &state) == 2 && state == A);

	/* Replace: .2 kept with a new weight, .4 and .5 added, .1 and .3 go. */
	kept = sst_find(svc, 2);
	gone = sst_find(svc, 1);
	refcount_inc(&gone->refcnt);
	sst_spec(&specs[0], 5, 1, A);
	sst_spec(&specs[1], 2, 7, A);
	sst_spec(&specs[2], 4, 1, T);
	SST_CHECK(!svclb_spec_sort(specs, sorted, 3));
	SST_CHECK(!svclb_service_replace(svc, svc->sched, specs, sorted, 3));
	SST_CHECK(sst_find(svc, 2) == kept && kept->weight == 7);
	SST_CHECK(sst_list(svc) == 254 && svc->nr_backends == 3);
	SST_CHECK(sst_set(svc, &state) == 25 && state == A);
	SST_CHECK(READ_ONCE(gone->dead) && !sst_find(svc, 1) &&
		  !sst_find(svc, 3));
	svclb_backend_put(gone);

	/* A backend listed twice is found, the later one. */
	sst_spec(&specs[0], 6, 1, A);
	sst_spec(&specs[1], 7, 1, A);
	sst_spec(&specs[2], 6, 1, A);
	SST_CHECK(svclb_spec_sort(specs, sorted, 3) == &specs[2]);

	/* An empty list: no backend, no set. */
	SST_CHECK(!svclb_service_replace(svc, svc->sched, specs, sorted, 0));
	SST_CHECK(!sst_set(svc, &state) && !svc->nr_backends &&
		  list_empty(&svc->backends));
out:
	return ok;
}

bool __init svclb_service_selftest(void)
{
	const struct svclb_svc_key key = {
		.addr.ip = htonl(0x0a60000a),
		.port = htons(80),
		.proto = IPPROTO_UDP,
		.family = AF_INET,
	};
	const struct svclb_svc_conf conf = { .sched = &svclb_sched_rr };
	struct svclb_service *svc;
	struct svclb_net *sn;
	bool ok = false;

	sn = kzalloc(sizeof(*sn), GFP_KERNEL);
	if (!sn)
		return false;
	mutex_init(&sn->lock);
	sn->genid = 1;
	svclb_gc_net_init(sn);
	if (svclb_affinity_net_init(sn))
		goto err_free;
	if (svclb_flow_net_init(sn))
		goto err_affinity;
	if (svclb_service_net_init(sn))
		goto err_flow;

	mutex_lock(&sn->lock);
	svc = svclb_service_create(sn, &key, &conf, NULL, NULL, 0);
	if (!IS_ERR(svc))
		ok = sst_run(svc);
	else
		pr_err("svclb: service self-test failed: no service\n");
	mutex_unlock(&sn->lock);

	svclb_service_net_exit(sn);
err_flow:
	svclb_gc_net_exit(sn);
	svclb_flow_net_exit(sn);
err_affinity:
	svclb_affinity_net_exit(sn);
err_free:
	rcu_barrier();
	kfree(sn);
	return ok;
}
