// SPDX-License-Identifier: GPL-2.0
/*
 * apply --kubernetes: the services and backends kube-proxy would program on
 * one node, derived from the Services and EndpointSlices that
 * "kubectl get services,endpointslices -A -o json" prints, as a state
 * document (docs/state-format.md, "Kubernetes input").
 *
 * Every object is read and checked before anything is derived, so that an
 * error anywhere yields no state at all. Then each port of each Service
 * gives a service per cluster IP, node address, external IP and
 * load-balancer IP, each with the endpoints its traffic policy lets this
 * node use.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/svclb.h>

#include "kube.h"
#include "state.h"

#define PATH_LEN 256

/* A port of a Service (node_port too) or of an EndpointSlice. */
struct kport {
	const char *name;	/* "" when absent */
	uint8_t proto;
	uint16_t port;		/* 0: a slice port without a number, unused */
	uint16_t node_port;	/* 0: none */
};

struct kendpoint {
	struct endpoint addr;	/* addresses[0], port 0 */
	const char *node;	/* nodeName, or NULL */
	json_object *zones;	/* hints.forZones, checked; NULL when none */
	bool ready, serving, terminating;
};

struct kslice {
	const char *ns, *service;	/* the kubernetes.io/service-name label */
	int family;
	struct kport *ports;
	size_t nr_ports;
	struct kendpoint *eps;
	size_t nr_eps;
};

struct ksvc {
	size_t item;
	const char *ns, *name;
	bool node_ports;		/* type NodePort or LoadBalancer */
	struct endpoint cluster_ips[2];	/* one of each family at most */
	size_t nr_cluster_ips;
	struct endpoint *external_ips, *lb_ips;	/* of the cluster IPs' families */
	size_t nr_external_ips, nr_lb_ips;
	struct kport *ports;
	size_t nr_ports;
	bool internal_local, external_local;	/* the traffic policies */
	bool topology;			/* topology hints are to be used */
	bool affinity;			/* sessionAffinity ClientIP */
	uint32_t affinity_timeout;
};

/* An endpoint usable for one service port, with the port it resolves to. */
struct cand {
	struct endpoint ep;
	uint8_t state;			/* enum svclb_be_state */
	const struct kendpoint *src;
};

struct kube {
	const struct kube_opts *opts;
	char *err;
	size_t errlen;
	char obj[192];			/* what errors name: "items[3] (Service a/b)" */
	struct ksvc *svcs;
	size_t nr_svcs;
	struct kslice *slices;
	size_t nr_slices;
	struct kslice **by_service;	/* sorted by namespace, service name */
	struct cand *cands;		/* of the service port being derived */
	size_t nr_cands, max_cands;
	struct table seen;		/* the services derived so far */
	size_t *owner;			/* of each in seen: an index in svcs */
	size_t max_owner;
};

static bool kfail(struct kube *k, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool kfail(struct kube *k, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path && *path)
		snprintf(k->err, k->errlen, "%s: %s: %s", k->obj, path, msg);
	else
		snprintf(k->err, k->errlen, "%s: %s", k->obj, msg);
	return false;
}

static bool oom(struct kube *k)
{
	snprintf(k->err, k->errlen, "out of memory");
	return false;
}

/* path, then fmt: "spec.ports[2]". An empty path is the object itself. */
static void sub(char *buf, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void sub(char *buf, const char *path, const char *fmt, ...)
{
	size_t n = strnlen(path, PATH_LEN - 1);
	va_list ap;

	memcpy(buf, path, n);
	va_start(ap, fmt);
	/* No leading dot for a field of the object itself. */
	if (!n && fmt[0] == '.')
		fmt++;
	vsnprintf(buf + n, PATH_LEN - n, fmt, ap);
	va_end(ap);
}

/* A field; JSON null, which the API writes for some unset fields, is absent. */
static json_object *field(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

/*
 * The getters: obj's field key at path, absent (left as it was) or of the
 * type asked; false after an error. The req_ ones fail when it is absent.
 */
static bool opt_typed(struct kube *k, const char *path, json_object *obj,
		      const char *key, enum json_type type, const char *what,
		      json_object **out)
{
	char p[PATH_LEN];
	json_object *v = field(obj, key);

	if (!v)
		return true;
	if (!json_object_is_type(v, type)) {
		sub(p, path, ".%s", key);
		return kfail(k, p, "expected %s", what);
	}
	*out = v;
	return true;
}

static bool opt_object(struct kube *k, const char *path, json_object *obj,
		       const char *key, json_object **out)
{
	return opt_typed(k, path, obj, key, json_type_object, "an object", out);
}

static bool opt_array(struct kube *k, const char *path, json_object *obj,
		      const char *key, json_object **out)
{
	return opt_typed(k, path, obj, key, json_type_array, "an array", out);
}

static bool opt_string(struct kube *k, const char *path, json_object *obj,
		       const char *key, const char **out)
{
	json_object *v = NULL;

	if (!opt_typed(k, path, obj, key, json_type_string, "a string", &v))
		return false;
	if (v)
		*out = json_object_get_string(v);
	return true;
}

static bool opt_bool(struct kube *k, const char *path, json_object *obj,
		     const char *key, bool *out)
{
	json_object *v = NULL;

	if (!opt_typed(k, path, obj, key, json_type_boolean, "true or false", &v))
		return false;
	if (v)
		*out = json_object_get_boolean(v);
	return true;
}

static bool opt_uint(struct kube *k, const char *path, json_object *obj,
		     const char *key, uint32_t min, uint32_t max, uint32_t *out)
{
	char p[PATH_LEN];
	json_object *v = field(obj, key);
	int64_t n;

	if (!v)
		return true;
	sub(p, path, ".%s", key);
	if (!json_object_is_type(v, json_type_int))
		return kfail(k, p, "expected an integer from %" PRIu32 " to %" PRIu32,
			     min, max);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return kfail(k, p, "%" PRId64 " is out of range: expected %" PRIu32 " to %" PRIu32,
			     n, min, max);
	*out = n;
	return true;
}

static bool missing(struct kube *k, const char *path, const char *key)
{
	return kfail(k, path, "missing field \"%s\"", key);
}

static bool req_object(struct kube *k, const char *path, json_object *obj,
		       const char *key, json_object **out)
{
	*out = NULL;
	if (!opt_object(k, path, obj, key, out))
		return false;
	return *out || missing(k, path, key);
}

static bool req_string(struct kube *k, const char *path, json_object *obj,
		       const char *key, const char **out)
{
	*out = NULL;
	if (!opt_string(k, path, obj, key, out))
		return false;
	return *out || missing(k, path, key);
}

/* Element i of the array arr at path, which must be an object. */
static json_object *element(struct kube *k, const char *path, json_object *arr,
			    size_t i, char *p)
{
	json_object *v = json_object_array_get_idx(arr, i);

	sub(p, path, "[%zu]", i);
	if (!json_object_is_type(v, json_type_object)) {
		kfail(k, p, "expected an object");
		return NULL;
	}
	return v;
}

/* Element i of the array arr at path, which must be a string. */
static const char *string_element(struct kube *k, const char *path,
				  json_object *arr, size_t i, char *p)
{
	json_object *v = json_object_array_get_idx(arr, i);

	sub(p, path, "[%zu]", i);
	if (!json_object_is_type(v, json_type_string)) {
		kfail(k, p, "expected a string");
		return NULL;
	}
	return json_object_get_string(v);
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* s at path, an IP address; of family unless that is 0. */
static bool get_ip(struct kube *k, const char *path, const char *s, int family,
		   struct endpoint *ep)
{
	if (!parse_address(s, ep))
		return kfail(k, path, "invalid IP address \"%.64s\"", s);
	if (family && ep->family != family)
		return kfail(k, path, "\"%.64s\" is not an %s address", s,
			     family_name(family));
	return true;
}

/* A name among the NULL-terminated names, as an index; -1 when none. */
static int lookup(const char *s, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static bool get_protocol(struct kube *k, const char *path, json_object *obj,
			 uint8_t *proto)
{
	static const char *const names[] = { "TCP", "UDP", "SCTP", NULL };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP };
	const char *s = "TCP";
	char p[PATH_LEN];
	int i;

	if (!opt_string(k, path, obj, "protocol", &s))
		return false;
	i = lookup(s, names);
	if (i < 0) {
		sub(p, path, ".protocol");
		return kfail(k, p, "unknown protocol \"%.32s\": expected TCP, UDP or SCTP", s);
	}
	*proto = protos[i];
	return true;
}

/* The ports array at path of a Service (nodePort too) or of a slice. */
static bool read_ports(struct kube *k, const char *path, json_object *arr,
		       bool service, struct kport **out, size_t *nr)
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	char p[PATH_LEN];

	*out = NULL;
	*nr = 0;
	if (!n)
		return true;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return oom(k);
	for (size_t i = 0; i < n; i++) {
		struct kport *kp = &(*out)[i];
		json_object *o = element(k, path, arr, i, p);
		uint32_t v = 0;

		if (!o)
			return false;
		kp->name = "";
		if (!opt_string(k, p, o, "name", &kp->name) ||
		    !get_protocol(k, p, o, &kp->proto))
			return false;
		if (service && !field(o, "port"))
			return missing(k, p, "port");
		/* kube-proxy skips a slice port without a number. */
		if (!opt_uint(k, p, o, "port", 1, 65535, &v))
			return false;
		kp->port = v;
		v = 0;
		if (service && !opt_uint(k, p, o, "nodePort", 0, 65535, &v))
			return false;
		kp->node_port = v;
		++*nr;
	}
	return true;
}

/* The label of item i for messages, from its kind and metadata. */
static bool read_metadata(struct kube *k, size_t i, const char *kind,
			  json_object *obj, json_object **meta,
			  const char **ns, const char **name)
{
	snprintf(k->obj, sizeof(k->obj), "items[%zu] (%s)", i, kind);
	if (!req_object(k, "", obj, "metadata", meta) ||
	    !req_string(k, "metadata", *meta, "name", name) ||
	    !req_string(k, "metadata", *meta, "namespace", ns))
		return false;
	snprintf(k->obj, sizeof(k->obj), "items[%zu] (%s %.64s/%.64s)", i, kind,
		 *ns, *name);
	return true;
}

/* Whether a Service asks for topology-aware routing. */
static bool read_topology(struct kube *k, json_object *meta, json_object *spec,
			  bool *topology)
{
	json_object *ann = NULL;
	const char *mode = NULL, *dist = NULL;

	if (!opt_object(k, "metadata", meta, "annotations", &ann))
		return false;
	/* The older annotation wins when both are there, as in kube-proxy. */
	if (ann && !opt_string(k, "metadata.annotations", ann,
			       "service.kubernetes.io/topology-aware-hints", &mode))
		return false;
	if (ann && !mode &&
	    !opt_string(k, "metadata.annotations", ann,
			"service.kubernetes.io/topology-mode", &mode))
		return false;
	if (!opt_string(k, "spec", spec, "trafficDistribution", &dist))
		return false;
	*topology = (mode && *mode && strcmp(mode, "disabled") &&
		     strcmp(mode, "Disabled")) ||
		    (dist && (!strcmp(dist, "PreferClose") ||
			      !strcmp(dist, "PreferSameZone")));
	return true;
}

static bool read_policy(struct kube *k, json_object *spec, const char *key,
			bool *local)
{
	static const char *const names[] = { "Cluster", "Local", NULL };
	const char *s = "Cluster";
	char p[PATH_LEN];

	if (!opt_string(k, "spec", spec, key, &s))
		return false;
	switch (lookup(s, names)) {
	case 0:
		*local = false;
		return true;
	case 1:
		*local = true;
		return true;
	}
	sub(p, "spec", ".%s", key);
	return kfail(k, p, "unknown policy \"%.32s\": expected Cluster or Local", s);
}

static bool read_affinity(struct kube *k, json_object *spec, struct ksvc *s)
{
	static const char *const names[] = { "None", "ClientIP", NULL };
	json_object *cfg = NULL, *client = NULL;
	const char *v = "None";
	int i;

	if (!opt_string(k, "spec", spec, "sessionAffinity", &v))
		return false;
	i = lookup(v, names);
	if (i < 0)
		return kfail(k, "spec.sessionAffinity",
			     "unknown value \"%.32s\": expected None or ClientIP", v);
	s->affinity = i == 1;
	s->affinity_timeout = SVCLB_AFFINITY_TIMEOUT_DEFAULT;
	if (!s->affinity)
		return true;
	return opt_object(k, "spec", spec, "sessionAffinityConfig", &cfg) &&
	       (!cfg || opt_object(k, "spec.sessionAffinityConfig", cfg,
				   "clientIP", &client)) &&
	       (!client || opt_uint(k, "spec.sessionAffinityConfig.clientIP",
				    client, "timeoutSeconds", 1,
				    SVCLB_TIMEOUT_MAX, &s->affinity_timeout));
}

/* The addresses of arr at path that are of a family in families (bits). */
static bool read_ips(struct kube *k, const char *path, json_object *arr,
		     unsigned int families, struct endpoint **out, size_t *nr)
{
	size_t n = arr ? json_object_array_length(arr) : 0;
	char p[PATH_LEN];

	*out = NULL;
	*nr = 0;
	if (!n)
		return true;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return oom(k);
	for (size_t i = 0; i < n; i++) {
		const char *s = string_element(k, path, arr, i, p);
		struct endpoint ep;

		if (!s || !get_ip(k, p, s, 0, &ep))
			return false;
		if (families & (1U << (ep.family == AF_INET6)))
			(*out)[(*nr)++] = ep;
	}
	return true;
}

/* status.loadBalancer.ingress[].ip, but those a proxy answers for. */
static bool read_ingress(struct kube *k, json_object *obj, unsigned int families,
			 struct ksvc *s)
{
	json_object *status = NULL, *lb = NULL, *ing = NULL;
	char p[PATH_LEN];
	size_t n;

	if (!opt_object(k, "", obj, "status", &status) ||
	    (status && !opt_object(k, "status", status, "loadBalancer", &lb)) ||
	    (lb && !opt_array(k, "status.loadBalancer", lb, "ingress", &ing)))
		return false;
	n = ing ? json_object_array_length(ing) : 0;
	if (!n)
		return true;
	s->lb_ips = calloc(n, sizeof(*s->lb_ips));
	if (!s->lb_ips)
		return oom(k);
	for (size_t i = 0; i < n; i++) {
		json_object *o = element(k, "status.loadBalancer.ingress", ing, i, p);
		const char *ip = NULL, *mode = NULL;
		char ip_path[PATH_LEN];
		struct endpoint ep;

		if (!o || !opt_string(k, p, o, "ip", &ip) ||
		    !opt_string(k, p, o, "ipMode", &mode))
			return false;
		/* A hostname-only entry, or a proxy that connects to node ports. */
		if (!ip || (mode && strcmp(mode, "VIP")))
			continue;
		sub(ip_path, p, ".ip");
		if (!get_ip(k, ip_path, ip, 0, &ep))
			return false;
		if (families & (1U << (ep.family == AF_INET6)))
			s->lb_ips[s->nr_lb_ips++] = ep;
	}
	return true;
}

static bool read_cluster_ips(struct kube *k, json_object *spec, const char *ip,
			     struct ksvc *s)
{
	json_object *ips = NULL;
	char p[PATH_LEN];
	size_t n;

	if (!opt_array(k, "spec", spec, "clusterIPs", &ips))
		return false;
	n = ips ? json_object_array_length(ips) : 0;
	if (!n) {
		s->nr_cluster_ips = 1;
		return get_ip(k, "spec.clusterIP", ip, 0, &s->cluster_ips[0]);
	}
	for (size_t i = 0; i < n; i++) {
		const char *str = string_element(k, "spec.clusterIPs", ips, i, p);
		struct endpoint ep;

		if (!str || !get_ip(k, p, str, 0, &ep))
			return false;
		for (size_t j = 0; j < s->nr_cluster_ips; j++)
			if (s->cluster_ips[j].family == ep.family)
				return kfail(k, p, "a second %s cluster IP",
					     family_name(ep.family));
		s->cluster_ips[s->nr_cluster_ips++] = ep;
	}
	return true;
}

/* The families (bit 0 IPv4, bit 1 IPv6) that the service is proxied in. */
static bool read_families(struct kube *k, json_object *spec,
			  const struct ksvc *s, unsigned int *families)
{
	static const char *const names[] = { "IPv4", "IPv6", NULL };
	json_object *arr = NULL;
	unsigned int listed = 0;
	char p[PATH_LEN];

	*families = 0;
	for (size_t i = 0; i < s->nr_cluster_ips; i++)
		*families |= 1U << (s->cluster_ips[i].family == AF_INET6);
	if (!opt_array(k, "spec", spec, "ipFamilies", &arr))
		return false;
	if (!arr)
		return true;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		const char *str = string_element(k, "spec.ipFamilies", arr, i, p);
		int f;

		if (!str)
			return false;
		f = lookup(str, names);
		if (f < 0)
			return kfail(k, p, "unknown family \"%.32s\": expected IPv4 or IPv6",
				     str);
		listed |= 1U << f;
	}
	/* A family needs its cluster IP: kube-proxy skips it otherwise. */
	*families &= listed;
	return true;
}

enum { CLUSTER_IP, NODE_PORT, LOAD_BALANCER, EXTERNAL_NAME };

static bool read_service(struct kube *k, size_t item, json_object *obj)
{
	static const char *const types[] = {
		[CLUSTER_IP] = "ClusterIP", [NODE_PORT] = "NodePort",
		[LOAD_BALANCER] = "LoadBalancer", [EXTERNAL_NAME] = "ExternalName",
		NULL
	};
	json_object *meta, *spec, *arr = NULL;
	const char *type = "ClusterIP", *ip = NULL;
	struct ksvc *s = &k->svcs[k->nr_svcs];
	unsigned int families;
	size_t n;
	int t;

	memset(s, 0, sizeof(*s));
	s->item = item;
	if (!read_metadata(k, item, "Service", obj, &meta, &s->ns, &s->name) ||
	    !req_object(k, "", obj, "spec", &spec) ||
	    !opt_string(k, "spec", spec, "type", &type))
		return false;
	t = lookup(type, types);
	if (t < 0)
		return kfail(k, "spec.type", "unknown type \"%.32s\"", type);
	if (!opt_string(k, "spec", spec, "clusterIP", &ip))
		return false;
	/* Not proxied: ExternalName, and headless services. */
	if (t == EXTERNAL_NAME || !ip || !*ip || !strcmp(ip, "None"))
		return true;
	s->node_ports = t == NODE_PORT || t == LOAD_BALANCER;
	if (!read_cluster_ips(k, spec, ip, s) ||
	    !read_families(k, spec, s, &families))
		return false;
	/* Keep only the cluster IPs of the service's families. */
	n = 0;
	for (size_t i = 0; i < s->nr_cluster_ips; i++)
		if (families & (1U << (s->cluster_ips[i].family == AF_INET6)))
			s->cluster_ips[n++] = s->cluster_ips[i];
	s->nr_cluster_ips = n;
	if (!opt_array(k, "spec", spec, "ports", &arr) ||
	    !read_ports(k, "spec.ports", arr, true, &s->ports, &s->nr_ports))
		goto err;
	arr = NULL;
	if (!opt_array(k, "spec", spec, "externalIPs", &arr) ||
	    !read_ips(k, "spec.externalIPs", arr, families, &s->external_ips,
		      &s->nr_external_ips) ||
	    !read_ingress(k, obj, families, s) ||
	    !read_affinity(k, spec, s) ||
	    !read_policy(k, spec, "internalTrafficPolicy", &s->internal_local) ||
	    !read_policy(k, spec, "externalTrafficPolicy", &s->external_local) ||
	    !read_topology(k, meta, spec, &s->topology))
		goto err;
	k->nr_svcs++;
	return true;
err:
	free(s->ports);
	free(s->external_ips);
	free(s->lb_ips);
	return false;
}

static bool read_endpoint(struct kube *k, const char *path, json_object *o,
			  int family, struct kendpoint *ep, bool *skip)
{
	json_object *addrs = NULL, *cond = NULL, *hints = NULL;
	char p[PATH_LEN];
	bool serving_set = false;
	size_t n;

	*skip = false;
	if (!opt_array(k, path, o, "addresses", &addrs))
		return false;
	n = addrs ? json_object_array_length(addrs) : 0;
	sub(p, path, ".addresses");
	for (size_t i = 0; i < n; i++) {
		char ap[PATH_LEN];

		if (!string_element(k, p, addrs, i, ap))
			return false;
	}
	/* kube-proxy skips an endpoint without addresses, and uses the first. */
	if (!n) {
		*skip = true;
		return true;
	}
	sub(p, path, ".addresses[0]");
	if (!get_ip(k, p, json_object_get_string(json_object_array_get_idx(addrs, 0)),
		    family, &ep->addr))
		return false;

	ep->ready = true;
	ep->terminating = false;
	sub(p, path, ".conditions");
	if (!opt_object(k, path, o, "conditions", &cond))
		return false;
	if (cond) {
		if (!opt_bool(k, p, cond, "ready", &ep->ready) ||
		    !opt_bool(k, p, cond, "terminating", &ep->terminating) ||
		    !opt_bool(k, p, cond, "serving", &ep->serving))
			return false;
		serving_set = field(cond, "serving");
	}
	/* Absent, serving is the same as ready. */
	if (!serving_set)
		ep->serving = ep->ready;
	if (!opt_string(k, path, o, "nodeName", &ep->node))
		return false;

	sub(p, path, ".hints");
	if (!opt_object(k, path, o, "hints", &hints) ||
	    (hints && !opt_array(k, p, hints, "forZones", &ep->zones)))
		return false;
	sub(p, path, ".hints.forZones");
	for (size_t i = 0; ep->zones && i < json_object_array_length(ep->zones); i++) {
		char zp[PATH_LEN];
		json_object *z = element(k, p, ep->zones, i, zp);
		const char *name;

		if (!z || !req_string(k, zp, z, "name", &name))
			return false;
	}
	return true;
}

static bool read_slice(struct kube *k, size_t item, json_object *obj)
{
	static const char *const types[] = { "IPv4", "IPv6", "FQDN", NULL };
	struct kslice *sl = &k->slices[k->nr_slices];
	json_object *meta, *labels = NULL, *arr = NULL;
	const char *name, *type;
	char p[PATH_LEN];
	size_t n;
	int t;

	memset(sl, 0, sizeof(*sl));
	if (!read_metadata(k, item, "EndpointSlice", obj, &meta, &sl->ns, &name))
		return false;
	if (!opt_object(k, "metadata", meta, "labels", &labels) ||
	    (labels && !opt_string(k, "metadata.labels", labels,
				   "kubernetes.io/service-name", &sl->service)) ||
	    !req_string(k, "", obj, "addressType", &type))
		return false;
	t = lookup(type, types);
	if (t < 0)
		return kfail(k, "addressType",
			     "unknown address type \"%.32s\": expected IPv4, IPv6 or FQDN",
			     type);
	/* kube-proxy uses only IP slices that belong to a service. */
	if (t == 2 || !sl->service)
		return true;
	sl->family = t == 1 ? AF_INET6 : AF_INET;

	if (!opt_array(k, "", obj, "ports", &arr) ||
	    !read_ports(k, "ports", arr, false, &sl->ports, &sl->nr_ports))
		goto err;
	arr = NULL;
	if (!opt_array(k, "", obj, "endpoints", &arr))
		goto err;
	n = arr ? json_object_array_length(arr) : 0;
	if (n) {
		sl->eps = calloc(n, sizeof(*sl->eps));
		if (!sl->eps) {
			oom(k);
			goto err;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_object *o = element(k, "endpoints", arr, i, p);
		bool skip;

		if (!o || !read_endpoint(k, p, o, sl->family, &sl->eps[sl->nr_eps], &skip))
			goto err;
		if (!skip)
			sl->nr_eps++;
	}
	k->nr_slices++;
	return true;
err:
	free(sl->ports);
	free(sl->eps);
	return false;
}

static bool read_list(struct kube *k, json_object *list)
{
	json_object *items;
	size_t n;

	snprintf(k->obj, sizeof(k->obj), "(top level)");
	if (!json_object_is_type(list, json_type_object))
		return kfail(k, NULL, "expected a List object with \"items\"");
	items = field(list, "items");
	if (!items)
		return kfail(k, NULL, "missing field \"items\"");
	if (!json_object_is_type(items, json_type_array)) {
		snprintf(k->obj, sizeof(k->obj), "items");
		return kfail(k, NULL, "expected an array");
	}
	n = json_object_array_length(items);
	if (n) {
		k->svcs = calloc(n, sizeof(*k->svcs));
		k->slices = calloc(n, sizeof(*k->slices));
		if (!k->svcs || !k->slices)
			return oom(k);
	}
	for (size_t i = 0; i < n; i++) {
		json_object *obj = json_object_array_get_idx(items, i);
		const char *kind = NULL, *version = NULL;

		snprintf(k->obj, sizeof(k->obj), "items[%zu]", i);
		if (!json_object_is_type(obj, json_type_object))
			return kfail(k, NULL, "expected an object");
		if (!opt_string(k, "", obj, "kind", &kind) ||
		    !opt_string(k, "", obj, "apiVersion", &version))
			return false;
		/* Objects of other kinds, or versions, are not ours to read. */
		if (!kind || !version)
			continue;
		if (!strcmp(kind, "Service") && !strcmp(version, "v1")) {
			if (!read_service(k, i, obj))
				return false;
		} else if (!strcmp(kind, "EndpointSlice") &&
			   !strcmp(version, "discovery.k8s.io/v1")) {
			if (!read_slice(k, i, obj))
				return false;
		}
	}
	return true;
}

/* ---- deriving the services ---- */

static int by_service_cmp(const void *a, const void *b)
{
	const struct kslice *x = *(const struct kslice *const *)a;
	const struct kslice *y = *(const struct kslice *const *)b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->service, y->service);
}

/* The index in by_service of the first slice of s; nr_slices when none. */
static size_t first_slice(const struct kube *k, const struct ksvc *s)
{
	size_t lo = 0, hi = k->nr_slices;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct kslice *sl = k->by_service[mid];
		int c = strcmp(sl->ns, s->ns);

		if (!c)
			c = strcmp(sl->service, s->name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool add_cand(struct kube *k, const struct kendpoint *src, uint16_t port)
{
	struct cand *c;

	if (k->nr_cands == k->max_cands) {
		size_t n = k->max_cands ? k->max_cands * 2 : 64;

		c = reallocarray(k->cands, n, sizeof(*c));
		if (!c)
			return oom(k);
		k->cands = c;
		k->max_cands = n;
	}
	c = &k->cands[k->nr_cands++];
	c->ep = src->addr;
	c->ep.port = port;
	c->state = src->ready ? SVCLB_BE_STATE_ACTIVE : SVCLB_BE_STATE_TERMINATING;
	c->src = src;
	return true;
}

/*
 * The usable endpoints of the service port p in family, into k->cands:
 * those of the slices of s in that family whose port has p's name and
 * protocol, at that port's number. Ready endpoints are active; serving and
 * terminating ones are terminating; the others are not usable.
 */
static bool collect(struct kube *k, const struct ksvc *s, const struct kport *p,
		    int family)
{
	k->nr_cands = 0;
	for (size_t i = first_slice(k, s); i < k->nr_slices; i++) {
		const struct kslice *sl = k->by_service[i];
		const struct kport *sp = NULL;

		if (strcmp(sl->ns, s->ns) || strcmp(sl->service, s->name))
			break;
		if (sl->family != family)
			continue;
		for (size_t j = 0; j < sl->nr_ports && !sp; j++)
			if (sl->ports[j].port && sl->ports[j].proto == p->proto &&
			    !strcmp(sl->ports[j].name, p->name))
				sp = &sl->ports[j];
		if (!sp)
			continue;
		for (size_t j = 0; j < sl->nr_eps; j++) {
			const struct kendpoint *ep = &sl->eps[j];

			if (!ep->ready && !(ep->serving && ep->terminating))
				continue;
			if (!add_cand(k, ep, sp->port))
				return false;
		}
	}
	return true;
}

static bool hinted_for(const struct kendpoint *ep, const char *zone)
{
	for (size_t i = 0; ep->zones && i < json_object_array_length(ep->zones); i++) {
		json_object *name = field(json_object_array_get_idx(ep->zones, i), "name");

		if (!strcmp(json_object_get_string(name), zone))
			return true;
	}
	return false;
}

/*
 * kube-proxy follows the hints only when every ready endpoint has some and
 * one of them is for this node's zone; otherwise it ignores them all.
 */
static bool use_hints(const struct kube *k, const struct ksvc *s)
{
	bool for_zone = false;

	if (!s->topology || !k->opts->zone)
		return false;
	for (size_t i = 0; i < k->nr_cands; i++) {
		const struct kendpoint *ep = k->cands[i].src;

		if (k->cands[i].state != SVCLB_BE_STATE_ACTIVE)
			continue;
		if (!ep->zones || !json_object_array_length(ep->zones))
			return false;
		for_zone = for_zone || hinted_for(ep, k->opts->zone);
	}
	return for_zone;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = memcmp(&x->ep, &y->ep, sizeof(x->ep));

	return c ? c : (x->state > y->state) - (x->state < y->state);
}

/*
 * The backends of k->cands on this node only (local) or cluster-wide, as
 * a state document's array. An endpoint in two slices is one backend,
 * active when either is.
 */
static json_object *backends(struct kube *k, const struct ksvc *s, bool local)
{
	bool hints = !local && use_hints(k, s);
	json_object *arr = json_object_new_array();
	struct cand *sel;
	size_t n = 0;

	if (!arr)
		return NULL;
	sel = calloc(k->nr_cands + 1, sizeof(*sel));
	if (!sel) {
		json_object_put(arr);
		return NULL;
	}
	for (size_t i = 0; i < k->nr_cands; i++) {
		const struct kendpoint *ep = k->cands[i].src;

		if (local && (!ep->node || strcmp(ep->node, k->opts->node)))
			continue;
		if (hints && !hinted_for(ep, k->opts->zone))
			continue;
		sel[n++] = k->cands[i];
	}
	if (n)
		qsort(sel, n, sizeof(*sel), cand_cmp);
	for (size_t i = 0; i < n; i++) {
		char buf[INET6_ADDRSTRLEN];
		json_object *o;

		if (i && !memcmp(&sel[i].ep, &sel[i - 1].ep, sizeof(sel[i].ep)))
			continue;
		o = json_object_new_object();
		if (!o || json_object_array_add(arr, o)) {
			json_object_put(o);
			json_object_put(arr);
			arr = NULL;
			break;
		}
		format_address(&sel[i].ep, buf, sizeof(buf));
		json_object_object_add(o, "address", json_object_new_string(buf));
		json_object_object_add(o, "port", json_object_new_int(sel[i].ep.port));
		json_object_object_add(o, "weight", json_object_new_int(1));
		if (sel[i].state == SVCLB_BE_STATE_TERMINATING)
			json_object_object_add(o, "state",
					       json_object_new_string("terminating"));
	}
	free(sel);
	return arr;
}

static void service_label(const struct kube *k, size_t svc, char *buf,
			  size_t len)
{
	const struct ksvc *s = &k->svcs[svc];

	snprintf(buf, len, "items[%zu] (Service %.64s/%.64s)", s->item, s->ns,
		 s->name);
}

/*
 * Add the service proto vip (with its port) of Kubernetes service svc to
 * out, unless an earlier one has the same key: that one stays, and a
 * warning names both.
 */
static bool emit(struct kube *k, json_object *out, size_t svc, uint8_t proto,
		 const struct endpoint *vip, bool masquerade, json_object *bes)
{
	const struct ksvc *s = &k->svcs[svc];
	char buf[INET6_ADDRSTRLEN];
	struct service *seen;
	json_object *o;
	bool is_new;

	seen = table_get(&k->seen, proto, vip, true, &is_new);
	if (!seen)
		return oom(k);
	if (!is_new) {
		char name[SERVICE_NAME_LEN], first[192], second[192];

		if (k->opts->warn) {
			service_name(seen, name, sizeof(name));
			service_label(k, k->owner[seen - k->seen.svcs], first, sizeof(first));
			service_label(k, svc, second, sizeof(second));
			fprintf(k->opts->warn,
				"svcadm: warning: %s: %s: %s is already a service of %s; that one is kept\n",
				k->opts->source, second, name, first);
		}
		return true;
	}
	if (k->seen.nr > k->max_owner) {
		size_t n = k->max_owner ? k->max_owner * 2 : 64;
		size_t *owner = reallocarray(k->owner, n, sizeof(*owner));

		if (!owner)
			return oom(k);
		k->owner = owner;
		k->max_owner = n;
	}
	k->owner[k->seen.nr - 1] = svc;

	o = json_object_new_object();
	if (!o || json_object_array_add(out, o)) {
		json_object_put(o);
		return oom(k);
	}
	format_address(vip, buf, sizeof(buf));
	json_object_object_add(o, "proto", json_object_new_string(proto_name(proto)));
	json_object_object_add(o, "address", json_object_new_string(buf));
	json_object_object_add(o, "port", json_object_new_int(vip->port));
	if (masquerade) {
		json_object *flags = json_object_new_array();

		json_object_array_add(flags, json_object_new_string("masquerade"));
		json_object_object_add(o, "flags", flags);
	}
	if (s->affinity) {
		json_object_object_add(o, "affinity", json_object_new_string("client-ip"));
		json_object_object_add(o, "affinity_timeout",
				       json_object_new_int64(s->affinity_timeout));
	}
	json_object_object_add(o, "backends", json_object_get(bes));
	return true;
}

/* The addresses of this node's node ports in family: the port is not set. */
static size_t node_addresses(const struct kube *k, int family,
			     struct endpoint *out)
{
	size_t n = 0;

	if (!k->opts->nr_node_ips) {
		memset(out, 0, sizeof(*out));
		out->family = family;	/* 0.0.0.0 or ::, any local address */
		return 1;
	}
	for (size_t i = 0; i < k->opts->nr_node_ips; i++)
		if (k->opts->node_ips[i].family == family)
			out[n++] = k->opts->node_ips[i];
	return n;
}

/* The services of port p of Kubernetes service svc in one family. */
static bool derive_port(struct kube *k, json_object *out, size_t svc,
			const struct kport *p, const struct endpoint *cluster_ip)
{
	const struct ksvc *s = &k->svcs[svc];
	int family = cluster_ip->family;
	json_object *cluster = NULL, *local = NULL, *internal, *external;
	struct endpoint *nodes, vip;
	bool ok = false;
	size_t n;

	nodes = calloc(k->opts->nr_node_ips + 1, sizeof(*nodes));
	if (!nodes)
		return oom(k);
	if (!collect(k, s, p, family))
		goto out;
	cluster = backends(k, s, false);
	local = backends(k, s, true);
	if (!cluster || !local) {
		oom(k);
		goto out;
	}
	internal = s->internal_local ? local : cluster;
	external = s->external_local ? local : cluster;

	vip = *cluster_ip;
	vip.port = p->port;
	if (!emit(k, out, svc, p->proto, &vip, false, internal))
		goto out;
	/* Requests from outside come back through this node only if masqueraded. */
	if (s->node_ports && p->node_port) {
		n = node_addresses(k, family, nodes);
		for (size_t i = 0; i < n; i++) {
			vip = nodes[i];
			vip.port = p->node_port;
			if (!emit(k, out, svc, p->proto, &vip, !s->external_local,
				  external))
				goto out;
		}
	}
	for (size_t i = 0; i < s->nr_external_ips + s->nr_lb_ips; i++) {
		vip = i < s->nr_external_ips ? s->external_ips[i] :
		      s->lb_ips[i - s->nr_external_ips];
		if (vip.family != family)
			continue;
		vip.port = p->port;
		if (!emit(k, out, svc, p->proto, &vip, !s->external_local, external))
			goto out;
	}
	ok = true;
out:
	json_object_put(cluster);
	json_object_put(local);
	free(nodes);
	return ok;
}

static bool derive(struct kube *k, json_object *out)
{
	if (k->nr_slices) {
		k->by_service = calloc(k->nr_slices, sizeof(*k->by_service));
		if (!k->by_service)
			return oom(k);
		for (size_t i = 0; i < k->nr_slices; i++)
			k->by_service[i] = &k->slices[i];
		qsort(k->by_service, k->nr_slices, sizeof(*k->by_service),
		      by_service_cmp);
	}
	for (size_t i = 0; i < k->nr_svcs; i++) {
		const struct ksvc *s = &k->svcs[i];

		for (size_t j = 0; j < s->nr_ports; j++)
			for (size_t f = 0; f < s->nr_cluster_ips; f++)
				if (!derive_port(k, out, i, &s->ports[j],
						 &s->cluster_ips[f]))
					return false;
	}
	return true;
}

json_object *kube_state(json_object *list, const struct kube_opts *opts,
			char *err, size_t errlen)
{
	struct kube k = { .opts = opts, .err = err, .errlen = errlen };
	json_object *root = NULL, *svcs = json_object_new_array();

	if (!svcs) {
		oom(&k);
	} else if (read_list(&k, list) && derive(&k, svcs)) {
		root = json_object_new_object();
		if (!root || json_object_object_add(root, "services", svcs)) {
			json_object_put(root);
			root = NULL;
			oom(&k);
		} else {
			svcs = NULL;
		}
	}
	json_object_put(svcs);
	for (size_t i = 0; i < k.nr_svcs; i++) {
		free(k.svcs[i].ports);
		free(k.svcs[i].external_ips);
		free(k.svcs[i].lb_ips);
	}
	for (size_t i = 0; i < k.nr_slices; i++) {
		free(k.slices[i].ports);
		free(k.slices[i].eps);
	}
	free(k.svcs);
	free(k.slices);
	free(k.by_service);
	free(k.cands);
	free(k.owner);
	table_free(&k.seen);
	return root;
}
