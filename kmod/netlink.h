/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the netlink family share (netlink.c): its policies, the
 * helpers every command uses, and the commands its operations table lists.
 */
#ifndef _SVCLB_NETLINK_H
#define _SVCLB_NETLINK_H

#include <net/genetlink.h>

#include "svclb.h"

extern struct genl_family svclb_genl_family;

extern const struct nla_policy svclb_be_policy[SVCLB_BE_A_MAX + 1];
extern const struct nla_policy svclb_svc_policy[SVCLB_SVC_A_MAX + 1];
extern const struct nla_policy svclb_cfg_policy[SVCLB_CFG_A_MAX + 1];
extern const struct nla_policy svclb_lk_policy[SVCLB_LK_A_MAX + 1];

/* netlink.c */
int svclb_notify(struct genl_info *info, int err);
int svclb_explain(struct genl_info *info, int err);
int svclb_get_addr(const struct nlattr *nla, u16 *family,
		   union svclb_addr *addr);
int svclb_parse_svc_key(struct genl_info *info, struct nlattr **tb,
			struct svclb_svc_key *key);
bool svclb_addr_multicast(u8 family, const union svclb_addr *a);
bool svclb_addr_loopback(u8 family, const union svclb_addr *a);
struct svclb_service *svclb_get_service(struct genl_info *info,
					struct nlattr **tb);
int svclb_parse_be(struct netlink_ext_ack *extack, const struct nlattr *nest,
		   u16 family, struct nlattr **tb, struct svclb_be_spec *spec);
int svclb_parse_backend(struct genl_info *info, struct nlattr **tb,
			struct svclb_service **svcp, struct svclb_be_spec *spec,
			struct svclb_backend **bep);
int svclb_put_addr(struct sk_buff *skb, int type, u8 family,
		   const union svclb_addr *addr);
int svclb_put_svc_key(struct sk_buff *skb, const struct svclb_service *svc);
int svclb_dump_svc_key(struct netlink_callback *cb, struct svclb_svc_key *key);

/* nl_service.c */
int svclb_nl_service_new(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_service_set(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_service_del(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_service_dump_start(struct netlink_callback *cb);
int svclb_nl_service_dump(struct sk_buff *skb, struct netlink_callback *cb);
int svclb_nl_service_dump_done(struct netlink_callback *cb);
int svclb_nl_backend_new(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_backend_set(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_backend_del(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_flush(struct sk_buff *skb, struct genl_info *info);

/* nl_config.c */
int svclb_nl_config_get(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_config_set(struct sk_buff *skb, struct genl_info *info);

/* nl_flow.c */
int svclb_nl_lookup(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_flow_del(struct sk_buff *skb, struct genl_info *info);
int svclb_nl_flow_dump_start(struct netlink_callback *cb);
int svclb_nl_flow_dump(struct sk_buff *skb, struct netlink_callback *cb);
int svclb_nl_flow_dump_done(struct netlink_callback *cb);

#endif /* _SVCLB_NETLINK_H */
