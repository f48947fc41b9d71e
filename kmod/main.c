// SPDX-License-Identifier: GPL-2.0
#include <net/genetlink.h>
/* svclb: in-kernel service load balancer. */
#include <linux/module.h>
#include <net/net_namespace.h>

#include "svclb.h"

unsigned int svclb_net_id __read_mostly;

static int __net_init svclb_net_init(struct net *net)
{
	struct svclb_net *sn = svclb_pernet(net);
	int err;

	sn->net = net;
	mutex_init(&sn->lock);
	sn->genid = 1;
	svclb_stage_net_init(sn);
	svclb_gc_net_init(sn);
	err = svclb_affinity_net_init(sn);
	if (err)
		return err;
	err = svclb_flow_net_init(sn);
	if (err)
		goto err_affinity;
	err = svclb_service_net_init(sn);
	if (err)
		goto err_flow;
	svclb_limits_net_init(sn);
	err = svclb_hooks_net_init(net);
	if (err)
		goto err_limits;
	return 0;

err_limits:
	svclb_limits_net_exit(sn);
	svclb_service_net_exit(sn);
err_flow:
	svclb_gc_net_exit(sn);
	svclb_flow_net_exit(sn);
err_affinity:
	svclb_affinity_net_exit(sn);
	return err;
}

/*
 * The hooks go first, alone: unregistering them does not wait for the
 * packets already in them, which read the tables under RCU. The core waits
 * for a grace period (synchronize_rcu()) between the pre_exit and the exit
 * of every namespace, in module unload as in namespace teardown, so no
 * packet is left in a hook when svclb_net_exit() frees what they read.
 */
static void __net_exit svclb_net_pre_exit(struct net *net)
{
	svclb_hooks_net_exit(net);
}

/*
 * Only the flow collector still reaches the tables: it walks the flows and
 * the affinity entries. Deleting the services queues it (their backends'
 * flows are to go), so it is stopped after that and before the flows and
 * the entries are freed.
 */
static void __net_exit svclb_net_exit(struct net *net)
{
	struct svclb_net *sn = svclb_pernet(net);

	svclb_limits_net_exit(sn);
	svclb_stage_net_exit(sn);
	svclb_service_net_exit(sn);
	svclb_gc_net_exit(sn);
	svclb_flow_net_exit(sn);
	svclb_affinity_net_exit(sn);
}

static struct pernet_operations svclb_net_ops = {
	.init = svclb_net_init,
	.pre_exit = svclb_net_pre_exit,
	.exit = svclb_net_exit,
	.id = &svclb_net_id,
	.size = sizeof(struct svclb_net),
};

static bool __init svclb_selftest(void)
{
#ifdef DEBUG
	if (!svclb_nat_selftest() || !svclb_tcp_selftest() ||
	    !svclb_flow_selftest() ||
	    !svclb_sched_selftest() || !svclb_maglev_selftest() ||
	    !svclb_service_selftest())
		return false;
	pr_info("svclb: self-tests: pass\n");
#endif
	return true;
}

static int __init svclb_init(void)
{
	int err;

	err = svclb_flow_init();
	if (err)
		return err;
	err = svclb_affinity_init();
	if (err)
		goto err_flow;
	if (!svclb_selftest()) {
		err = -ENOTRECOVERABLE;
		goto err_affinity;
	}
	err = register_pernet_subsys(&svclb_net_ops);
	if (err)
		goto err_affinity;
	err = svclb_genl_init();
	if (err)
		goto err_pernet;
	return 0;

err_pernet:
	unregister_pernet_subsys(&svclb_net_ops);
err_affinity:
	rcu_barrier();
	svclb_affinity_exit();
err_flow:
	rcu_barrier();
	svclb_flow_exit();
	return err;
}

static void __exit svclb_exit(void)
{
	svclb_genl_exit();
	unregister_pernet_subsys(&svclb_net_ops);
	/*
	 * Flows, affinity entries, backend sets and services are freed by RCU
	 * callbacks.
	 */
	rcu_barrier();
	svclb_affinity_exit();
	svclb_flow_exit();
}

module_init(svclb_init);
module_exit(svclb_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("In-kernel service load balancer");
MODULE_VERSION(SVCLB_VERSION);
MODULE_ALIAS_GENL_FAMILY("svclb");
