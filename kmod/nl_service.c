// SPDX-License-Identifier: GPL-2.0
/*
 * The service and backend commands of the netlink family: create, change,
 * replace the backend set of (in parts too, with stage.c), delete, flush,
 * and dump services with their backends.
 */
#include <linux/in.h>
#include <linux/mm.h>
#include <linux/socket.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "svclb.h"
#include "netlink.h"

/* The optional scheduler and flags of a service request. */
static int svclb_parse_svc_opts(struct genl_info *info, struct nlattr **tb,
				const struct svclb_sched_ops **sched,
				u32 *flags)
{
	if (tb[SVCLB_SVC_A_SCHED]) {
		*sched = svclb_sched_find(nla_data(tb[SVCLB_SVC_A_SCHED]));
		if (!*sched) {
			NL_SET_ERR_MSG_ATTR(info->extack, tb[SVCLB_SVC_A_SCHED],
					    "unknown scheduler");
			return -ENOENT;
		}
	}
	if (tb[SVCLB_SVC_A_FLAGS])
		*flags = nla_get_u32(tb[SVCLB_SVC_A_FLAGS]);
	return 0;
}

/* The optional session affinity of a service request; @timeout in jiffies. */
static void svclb_parse_svc_affinity(struct nlattr **tb, u8 *affinity,
				     u32 *timeout)
{
	if (tb[SVCLB_SVC_A_AFFINITY])
		*affinity = nla_get_u8(tb[SVCLB_SVC_A_AFFINITY]);
	if (tb[SVCLB_SVC_A_AFFINITY_TIMEOUT])
		*timeout = nla_get_u32(tb[SVCLB_SVC_A_AFFINITY_TIMEOUT]) * HZ;
}

static void svclb_set_affinity(struct svclb_service *svc, u8 affinity,
			       u32 timeout)
{
	if (affinity == svc->affinity && timeout == svc->affinity_timeout)
		return;
	WRITE_ONCE(svc->affinity_timeout, timeout);
	WRITE_ONCE(svc->affinity, affinity);
	svclb_changed(svc->sn);
}

/*
 * Append the backends of the list @list of a service of @family to @specs,
 * up to max-backends in all.
 */
static int svclb_parse_be_list(struct genl_info *info,
			       const struct nlattr *list, u16 family,
			       struct svclb_be_specs *specs)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	unsigned int n = specs->n;
	const struct nlattr *a;
	int rem, err;

	nla_for_each_nested(a, list, rem) {
		if (nla_type(a) != SVCLB_A_BACKEND) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "a backend list holds only SVCLB_A_BACKEND nests");
			return -EINVAL;
		}
		if (++n > READ_ONCE(sn->max_backends)) {
			NL_SET_ERR_MSG_ATTR(extack, list,
					    "more backends than a service may have (max-backends)");
			return -E2BIG;
		}
	}
	err = svclb_specs_reserve(specs, n - specs->n);
	if (err)
		return svclb_explain(info, err);
	nla_for_each_nested(a, list, rem) {
		err = svclb_parse_be(extack, a, family, tb,
				     &specs->v[specs->n]);
		if (err)
			return err;
		specs->n++;
	}
	return 0;
}

static const int svclb_part_excludes[] = {
	SVCLB_SVC_A_SCHED, SVCLB_SVC_A_FLAGS, SVCLB_SVC_A_AFFINITY,
	SVCLB_SVC_A_AFFINITY_TIMEOUT,
};

/*
 * The backends of the list of a SERVICE_NEW or _SET request into @specs,
 * after those the socket staged when the request completes a staged set
 * (SVCLB_SVC_A_BACKENDS_FROM). Returns 1 when the request is a part to
 * stage (SVCLB_SVC_A_BACKENDS_MORE), which is then done.
 */
static int svclb_request_be_list(struct genl_info *info, struct nlattr **tb,
				 const struct svclb_svc_key *key,
				 struct svclb_be_specs *specs)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	const struct nlattr *from_attr = tb[SVCLB_SVC_A_BACKENDS_FROM];
	const struct nlattr *list = tb[SVCLB_SVC_A_BACKENDS];
	bool more = nla_get_flag(tb[SVCLB_SVC_A_BACKENDS_MORE]);
	u32 from = from_attr ? nla_get_u32(from_attr) : 0;
	struct netlink_ext_ack *extack = info->extack;
	struct svclb_stage *st;
	unsigned int i, n;
	int err;

	if (!list && (more || from_attr)) {
		svclb_stage_free(sn, svclb_stage_find(sn, info->snd_portid));
		NL_SET_ERR_MSG(extack,
			       "a part of a backend set needs its list (SVCLB_SVC_A_BACKENDS)");
		return -EINVAL;
	}
	if (!more && !from)
		return list ? svclb_parse_be_list(info, list, key->family,
						  specs) : 0;
	st = svclb_stage_find(sn, info->snd_portid);
	for (i = 0; more && i < ARRAY_SIZE(svclb_part_excludes); i++) {
		if (tb[svclb_part_excludes[i]]) {
			svclb_stage_free(sn, st);
			NL_SET_ERR_MSG_ATTR(extack, tb[svclb_part_excludes[i]],
					    "a part of a backend set but the last carries only the service key and backends");
			return -EINVAL;
		}
	}
	if (!from) {
		st = svclb_stage_new(sn, info->snd_portid, key);
		if (!st)
			return svclb_explain(info, -ENOMEM);
	} else if (!st || memcmp(&st->key, key, sizeof(*key)) ||
		   st->specs.n != from) {
		svclb_stage_free(sn, st);
		NL_SET_ERR_MSG_ATTR(extack, from_attr,
				    "the earlier parts of this backend set are missing: one was refused, or sent on another socket");
		return -EINVAL;
	}
	n = st->specs.n;
	err = svclb_parse_be_list(info, list, key->family, &st->specs);
	if (err) {
		svclb_stage_free(sn, st);
		return err;
	}
	if (!more) {
		svclb_stage_take(sn, st, specs);
		return 0;
	}
	/* What they point to goes with this request. */
	for (i = n; i < st->specs.n; i++)
		st->specs.v[i].nla = NULL;
	return 1;
}

/* @specs sorted into *@sortedp, to free with kvfree(); no backend twice. */
static int svclb_sort_be_list(struct genl_info *info,
			      struct svclb_be_specs *specs,
			      struct svclb_be_spec ***sortedp)
{
	struct svclb_be_spec **sorted, *dup;

	*sortedp = NULL;
	if (!specs->n)
		return 0;
	sorted = kvcalloc(specs->n, sizeof(*sorted), GFP_KERNEL_ACCOUNT);
	if (!sorted)
		return svclb_explain(info, -ENOMEM);
	dup = svclb_spec_sort(specs->v, sorted, specs->n);
	if (dup) {
		kvfree(sorted);
		if (dup->nla)
			NL_SET_ERR_MSG_ATTR(info->extack, dup->nla,
					    "backend listed twice");
		else
			NL_SET_ERR_MSG(info->extack,
				       "backend listed twice in the staged parts");
		return -EINVAL;
	}
	*sortedp = sorted;
	return 0;
}

int svclb_nl_service_new(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));
	struct svclb_svc_conf conf = {
		.sched = svclb_sched_default(),
		.affinity = SVCLB_AFFINITY_NONE,
		.affinity_timeout = SVCLB_AFFINITY_TIMEOUT_DEFAULT * HZ,
	};
	struct svclb_be_specs specs = {};
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct svclb_be_spec **sorted = NULL;
	struct svclb_service *svc;
	struct svclb_svc_key key;
	int err;

	err = svclb_parse_svc_key(info, tb, &key);
	if (err)
		return err;
	err = svclb_parse_svc_opts(info, tb, &conf.sched, &conf.flags);
	if (err)
		return err;
	if (svclb_addr_multicast(key.family, &key.addr) ||
	    svclb_addr_loopback(key.family, &key.addr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SVCLB_SVC_A_ADDR],
				    "service address must be unicast and not loopback, or 0.0.0.0 or :: for a node port");
		return -EINVAL;
	}
	svclb_parse_svc_affinity(tb, &conf.affinity, &conf.affinity_timeout);
	if (nla_get_flag(tb[SVCLB_SVC_A_BACKENDS_MORE]) &&
	    svclb_service_lookup(sn, &key)) {
		NL_SET_ERR_MSG(info->extack, "service already exists");
		return -EEXIST;
	}
	err = svclb_request_be_list(info, tb, &key, &specs);
	if (err)
		goto out;
	err = svclb_sort_be_list(info, &specs, &sorted);
	if (err)
		goto out;
	svc = svclb_service_create(sn, &key, &conf, specs.v, sorted, specs.n);
	err = PTR_ERR_OR_ZERO(svc);
	if (err == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "service already exists");
	if (err == -ENOSPC)
		NL_SET_ERR_MSG(info->extack,
			       "the namespace has the most services allowed (max-services)");
	err = svclb_notify(info, svclb_explain(info, err));
out:
	kvfree(sorted);
	svclb_specs_free(&specs);
	return err < 0 ? err : 0;
}

/*
 * Replace the backends of @svc with those of the request, and its scheduler
 * with @sched: all or nothing. Returns 1 for a part that is only staged.
 */
static int svclb_set_backends(struct genl_info *info, struct nlattr **tb,
			      struct svclb_service *svc,
			      const struct svclb_sched_ops *sched)
{
	struct svclb_be_specs specs = {};
	struct svclb_be_spec **sorted = NULL;
	int err;

	err = svclb_request_be_list(info, tb, &svc->key, &specs);
	if (err)
		goto out;
	err = svclb_sort_be_list(info, &specs, &sorted);
	if (err)
		goto out;
	err = svclb_explain(info, svclb_service_replace(svc, sched, specs.v,
							sorted, specs.n));
out:
	kvfree(sorted);
	svclb_specs_free(&specs);
	return err;
}

int svclb_nl_service_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	const struct svclb_sched_ops *sched;
	struct svclb_service *svc;
	u32 flags, timeout;
	u8 affinity;
	int err;

	svc = svclb_get_service(info, tb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	sched = svc->sched;
	flags = svc->flags;
	affinity = svc->affinity;
	timeout = svc->affinity_timeout;
	err = svclb_parse_svc_opts(info, tb, &sched, &flags);
	if (err)
		return err;
	svclb_parse_svc_affinity(tb, &affinity, &timeout);
	/* The only change that can fail comes first. */
	if (tb[SVCLB_SVC_A_BACKENDS] || tb[SVCLB_SVC_A_BACKENDS_FROM] ||
	    tb[SVCLB_SVC_A_BACKENDS_MORE])
		err = svclb_set_backends(info, tb, svc, sched);
	else
		err = svclb_explain(info, svclb_service_set_sched(svc, sched));
	if (err)
		return err < 0 ? err : 0;
	if (flags != svc->flags) {
		WRITE_ONCE(svc->flags, flags);
		svclb_changed(svc->sn);
	}
	svclb_set_affinity(svc, affinity, timeout);
	return svclb_notify(info, 0);
}

int svclb_nl_service_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_SVC_A_MAX + 1];
	struct svclb_service *svc;

	svc = svclb_get_service(info, tb);
	if (IS_ERR(svc))
		return PTR_ERR(svc);
	svclb_service_delete(svc);
	return svclb_notify(info, 0);
}

int svclb_nl_backend_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (be) {
		NL_SET_ERR_MSG(info->extack, "backend already exists");
		return -EEXIST;
	}
	if (svc->nr_backends >= READ_ONCE(svc->sn->max_backends)) {
		NL_SET_ERR_MSG(info->extack,
			       "the service has the most backends allowed (max-backends)");
		return -E2BIG;
	}
	err = svclb_backend_add(svc, &spec.addr, spec.port, spec.weight,
				spec.state);
	return svclb_notify(info, svclb_explain(info, err));
}

int svclb_nl_backend_set(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	u32 weight;
	u8 state;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (!be) {
		NL_SET_ERR_MSG(info->extack, "no such backend");
		return -ENOENT;
	}
	weight = tb[SVCLB_BE_A_WEIGHT] ? spec.weight : be->weight;
	state = tb[SVCLB_BE_A_STATE] ? spec.state : be->state;
	err = svclb_backend_update(be, weight, state);
	return svclb_notify(info, svclb_explain(info, err));
}

int svclb_nl_backend_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SVCLB_BE_A_MAX + 1];
	struct svclb_be_spec spec;
	struct svclb_service *svc;
	struct svclb_backend *be;
	int err;

	err = svclb_parse_backend(info, tb, &svc, &spec, &be);
	if (err)
		return err;
	if (!be) {
		NL_SET_ERR_MSG(info->extack, "no such backend");
		return -ENOENT;
	}
	return svclb_notify(info, svclb_explain(info, svclb_backend_delete(be)));
}

int svclb_nl_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct svclb_net *sn = svclb_pernet(genl_info_net(info));

	svclb_service_flush(sn);
	svclb_flow_flush(sn);
	svclb_affinity_flush(sn);
	return svclb_notify(info, 0);
}

static int svclb_put_stats(struct sk_buff *skb, int type,
			   struct svclb_stats __percpu *stats,
			   int active, bool drops)
{
	struct svclb_stats_sum sum;
	struct nlattr *nest;

	svclb_stats_sum(stats, &sum);
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_FLOWS, sum.flows,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_PKTS_IN, sum.pkts_in,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_BYTES_IN, sum.bytes_in,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_PKTS_OUT, sum.pkts_out,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SVCLB_STATS_A_BYTES_OUT, sum.bytes_out,
			      SVCLB_STATS_A_PAD) ||
	    nla_put_u32(skb, SVCLB_STATS_A_ACTIVE_FLOWS,
			max(active, 0)))
		return -EMSGSIZE;
	if (drops &&
	    (nla_put_u64_64bit(skb, SVCLB_STATS_A_REFUSED, sum.refused,
			       SVCLB_STATS_A_PAD) ||
	     nla_put_u64_64bit(skb, SVCLB_STATS_A_DROPPED, sum.dropped,
			       SVCLB_STATS_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int svclb_put_backend(struct sk_buff *skb,
			     const struct svclb_backend *be, bool stats)
{
	struct nlattr *nest = nla_nest_start(skb, SVCLB_A_BACKEND);

	if (!nest ||
	    svclb_put_addr(skb, SVCLB_BE_A_ADDR, be->svc->key.family,
			   &be->addr) ||
	    nla_put_u16(skb, SVCLB_BE_A_PORT, ntohs(be->port)) ||
	    nla_put_u32(skb, SVCLB_BE_A_WEIGHT, be->weight) ||
	    nla_put_u8(skb, SVCLB_BE_A_STATE, be->state) ||
	    (stats && svclb_put_stats(skb, SVCLB_BE_A_STATS, be->stats,
				      atomic_read(&be->active_flows), false)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * Where a dump of services stands between its parts: the next service to
 * put and, when it did not fit whole, the next of its backends. Both are
 * found again by key, in O(1); the counts are the fallback when the object
 * is gone, which changed the generation and so flags the dump as
 * interrupted.
 */
struct svclb_svc_dump {
	struct svclb_svc_key key;	/* of the next service */
	union svclb_addr be_addr;	/* of its next backend, when be_idx */
	__be16 be_port;
	unsigned long be_idx;		/* its backends done */
	unsigned long done;		/* services done */
	bool started;
	bool end;			/* nothing more to put */
	bool filter;			/* the service of key only */
	bool stats;			/* with counters (SVCLB_A_STATS) */
};

/*
 * Put one message for @svc with its backends from @be on (NULL: from the
 * first). Returns 0 when the service is complete, 1 when backends remain
 * (@d says where to continue), -EMSGSIZE when nothing fitted.
 */
static int svclb_put_service(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct svclb_service *svc,
			     const struct svclb_backend *be,
			     struct svclb_svc_dump *d)
{
	struct nlattr *snest, *bnest, *last;
	unsigned long done = 0;
	int active = 0;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &svclb_genl_family, NLM_F_MULTI,
			  SVCLB_CMD_SERVICE_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);

	snest = nla_nest_start(skb, SVCLB_A_SERVICE);
	if (!snest || svclb_put_svc_key(skb, svc) ||
	    nla_put_u32(skb, SVCLB_SVC_A_FLAGS, svc->flags) ||
	    nla_put_u8(skb, SVCLB_SVC_A_AFFINITY, svc->affinity) ||
	    nla_put_u32(skb, SVCLB_SVC_A_AFFINITY_TIMEOUT,
			svc->affinity_timeout / HZ))
		goto cancel;
	if (d->stats) {
		const struct svclb_backend *b;

		/* Flows of removed backends are gone for the datapath. */
		list_for_each_entry(b, &svc->backends, list)
			active += atomic_read(&b->active_flows);
		if (svclb_put_stats(skb, SVCLB_SVC_A_STATS, svc->stats, active,
				    true))
			goto cancel;
	}
	bnest = nla_nest_start(skb, SVCLB_SVC_A_BACKENDS);
	if (!bnest)
		goto cancel;
	if (!be)
		be = list_first_entry(&svc->backends, struct svclb_backend,
				      list);
	list_for_each_entry_from(be, &svc->backends, list) {
		last = (struct nlattr *)skb_tail_pointer(skb);
		if (svclb_put_backend(skb, be, d->stats)) {
			nlmsg_trim(skb, last);
			if (!done)
				goto cancel;
			nla_nest_end(skb, bnest);
			nla_nest_end(skb, snest);
			genlmsg_end(skb, hdr);
			d->be_addr = be->addr;
			d->be_port = be->port;
			d->be_idx += done;
			return 1;
		}
		done++;
	}
	nla_nest_end(skb, bnest);
	nla_nest_end(skb, snest);
	genlmsg_end(skb, hdr);
	return 0;

cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

int svclb_nl_service_dump_start(struct netlink_callback *cb)
{
	struct svclb_svc_dump *d;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	cb->args[0] = (long)d;
	return 0;
}

int svclb_nl_service_dump_done(struct netlink_callback *cb)
{
	kfree((void *)cb->args[0]);
	return 0;
}

/* The request's options, read by the first part of the dump. */
static int svclb_service_dump_options(struct netlink_callback *cb,
				      struct svclb_net *sn,
				      struct svclb_svc_dump *d)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	int err;

	d->started = true;
	d->stats = di->attrs && nla_get_flag(di->attrs[SVCLB_A_STATS]);
	err = svclb_dump_svc_key(cb, &d->key);
	if (err <= 0)
		return err;
	d->filter = true;
	if (!svclb_service_lookup(sn, &d->key)) {
		NL_SET_ERR_MSG(cb->extack, "no such service");
		return -ENOENT;
	}
	return 0;
}

/* Where the dump goes on: the service and the backend, or NULL. */
static struct svclb_service *svclb_service_dump_next(struct svclb_net *sn,
						     struct svclb_svc_dump *d,
						     struct svclb_backend **bep)
{
	struct svclb_backend *be = NULL;
	struct svclb_service *svc;
	unsigned long i = 0;

	*bep = NULL;
	if (!d->done && !d->be_idx && !d->filter)
		return list_first_entry_or_null(&sn->service_list,
						struct svclb_service, list);
	svc = svclb_service_lookup(sn, &d->key);
	if (!svc && d->filter)
		return NULL;
	if (!svc) {
		/* Gone meanwhile: go on from the same count of services. */
		list_for_each_entry(svc, &sn->service_list, list)
			if (i++ == d->done)
				break;
		d->be_idx = 0;
		return list_entry_is_head(svc, &sn->service_list, list) ?
		       NULL : svc;
	}
	if (d->be_idx) {
		be = svclb_backend_find(svc, &d->be_addr, d->be_port);
		if (!be) {
			/* Gone meanwhile: go on from the same count. */
			list_for_each_entry(be, &svc->backends, list)
				if (i++ == d->be_idx)
					break;
			if (list_entry_is_head(be, &svc->backends, list)) {
				/* None left: the service is done. */
				d->be_idx = 0;
				d->done++;
				return list_is_last(&svc->list, &sn->service_list) ||
				       d->filter ? NULL : list_next_entry(svc, list);
			}
		}
	}
	*bep = be;
	return svc;
}

int svclb_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct svclb_net *sn = svclb_pernet(sock_net(skb->sk));
	struct svclb_svc_dump *d = (struct svclb_svc_dump *)cb->args[0];
	struct svclb_service *svc;
	struct svclb_backend *be;
	int ret = 0;

	mutex_lock(&sn->lock);
	cb->seq = sn->genid;
	if (!d->started) {
		ret = svclb_service_dump_options(cb, sn, d);
		if (ret)
			goto out;
	}
	svc = d->end ? NULL : svclb_service_dump_next(sn, d, &be);
	if (!svc)
		goto out;
	list_for_each_entry_from(svc, &sn->service_list, list) {
		ret = svclb_put_service(skb, cb, svc, be, d);
		if (ret) {
			d->key = svc->key;
			break;
		}
		be = NULL;
		d->be_idx = 0;
		d->done++;
		if (d->filter)
			break;
	}
	d->end = !ret;
out:
	mutex_unlock(&sn->lock);
	/* A message too big for an empty buffer cannot be sent at all. */
	if (ret < 0 && !skb->len)
		return ret;
	return skb->len;
}
