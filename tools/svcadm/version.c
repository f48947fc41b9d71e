// SPDX-License-Identifier: GPL-2.0
/*
 * svcadm version: svcadm's version, the loaded module's, and the features
 * of this svcadm that the module has. Attributes are only ever appended to
 * the API, so the highest attribute of each nest, from the family's policy,
 * tells an older module from a newer one.
 */
#include <stdio.h>
#include <string.h>
#include <json.h>
#include <linux/svclb.h>

#include "nl.h"
#include "svcadm.h"

#define MODULE_VERSION_FILE "/sys/module/" SVCLB_GENL_NAME "/version"

/* The highest attribute this svcadm knows in the nest of each SVCLB_A_*. */
static const uint32_t known_max[SVCLB_A_MAX + 1] = {
	[SVCLB_A_SERVICE] = SVCLB_SVC_A_MAX,
	[SVCLB_A_BACKEND] = SVCLB_BE_A_MAX,
	[SVCLB_A_CONFIG] = SVCLB_CFG_A_MAX,
	[SVCLB_A_LOOKUP] = SVCLB_LK_A_MAX,
};

/* MODULE_VERSION of the loaded module into buf, or false: it has none. */
static bool module_version(char *buf, size_t len)
{
	FILE *f = fopen(MODULE_VERSION_FILE, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return ok && buf[0];
}

enum status { SAME, OLDER, NEWER, INCOMPATIBLE };

static const char *const status_names[] = {
	[SAME] = "same", [OLDER] = "older", [NEWER] = "newer",
	[INCOMPATIBLE] = "incompatible",
};

/* How the module compares with svcadm; lacking lists what it lacks. */
static enum status compare(struct svclb_nl *nl, const int *has, char *lacking,
			   size_t len)
{
	bool newer = nl->maxattr > SVCLB_A_MAX;

	if (nl->version > SVCLB_GENL_VERSION)
		return INCOMPATIBLE;
	lacking[0] = '\0';
	for (int f = 0; f < SVCLB_NR_FEATURES; f++) {
		if (has[f])
			continue;
		snprintf(lacking + strlen(lacking), len - strlen(lacking), "%s%s",
			 lacking[0] ? ", " : "", svclb_features[f].name);
	}
	if (lacking[0])
		return OLDER;
	for (int a = 1; nl->policy > 0 && a <= SVCLB_A_MAX; a++)
		newer |= nl->nest_max[a] > known_max[a];
	return newer ? NEWER : SAME;
}

static int print_text(struct svclb_nl *nl, bool loaded, const char *mversion,
		      const int *has)
{
	char lacking[128];
	enum status st;

	printf("svcadm " SVCADM_VERSION ", netlink API version %d\n",
	       SVCLB_GENL_VERSION);
	if (!loaded) {
		puts("module svclb not loaded");
		return finish_output();
	}
	printf("module svclb %s, netlink API version %u: ",
	       mversion ? mversion : "(no version given)", nl->version);
	st = compare(nl, has, lacking, sizeof(lacking));
	switch (st) {
	case SAME:
		puts("as new as svcadm");
		break;
	case OLDER:
		printf("older than svcadm, it lacks %s; load the module that came with svcadm " SVCADM_VERSION "\n",
		       lacking);
		break;
	case NEWER:
		puts("newer than svcadm, which does not know all its attributes but works with it");
		break;
	case INCOMPATIBLE:
		puts("newer than svcadm, and incompatible; use the svcadm that came with the module");
		break;
	}
	for (int f = 0; f < SVCLB_NR_FEATURES; f++)
		printf("  %-14s %-4s %s\n", svclb_features[f].name,
		       has[f] < 0 ? "?" : has[f] ? "yes" : "no",
		       svclb_features[f].what);
	if (nl->policy < 0)
		puts("  (? the kernel does not tell: it cannot dump the family's policy)");
	return finish_output();
}

static int print_json(struct svclb_nl *nl, bool loaded, const char *mversion,
		      const int *has)
{
	json_object *root = json_object_new_object();
	json_object *me = json_object_new_object();
	json_object *mod = json_object_new_object();
	char lacking[128];
	int ret;

	json_object_object_add(me, "version", json_object_new_string(SVCADM_VERSION));
	json_object_object_add(me, "netlink_version",
			       json_object_new_int(SVCLB_GENL_VERSION));
	json_object_object_add(root, "svcadm", me);
	json_object_object_add(mod, "loaded", json_object_new_boolean(loaded));
	if (loaded) {
		json_object *features = json_object_new_object();

		json_object_object_add(mod, "version", mversion ?
				       json_object_new_string(mversion) : NULL);
		json_object_object_add(mod, "netlink_version",
				       json_object_new_int64(nl->version));
		json_object_object_add(mod, "status", json_object_new_string(
			status_names[compare(nl, has, lacking, sizeof(lacking))]));
		for (int f = 0; f < SVCLB_NR_FEATURES; f++)
			json_object_object_add(features, svclb_features[f].name,
					       has[f] < 0 ? NULL :
					       json_object_new_boolean(has[f]));
		json_object_object_add(mod, "features", features);
	}
	json_object_object_add(root, "module", mod);
	puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	ret = finish_output();
	json_object_put(root);
	return ret;
}

int cmd_version(const struct command *cmd, int argc, char **argv)
{
	int has[SVCLB_NR_FEATURES] = { 0 };
	char mversion[64];
	bool have_version, loaded;
	struct svclb_nl nl;
	int err, ret;

	if (take_json_flag(argc, argv))
		return usage_error(cmd, "unexpected \"%s\"", argv[1]);
	err = svclb_nl_open_any(&nl);
	if (err < 0)
		return 1;
	loaded = !err;
	have_version = loaded && module_version(mversion, sizeof(mversion));
	for (int f = 0; loaded && f < SVCLB_NR_FEATURES; f++)
		has[f] = svclb_nl_has(&nl, f);
	if (json_output)
		ret = print_json(&nl, loaded, have_version ? mversion : NULL, has);
	else
		ret = print_text(&nl, loaded, have_version ? mversion : NULL, has);
	if (loaded)
		svclb_nl_close(&nl);
	return ret;
}
