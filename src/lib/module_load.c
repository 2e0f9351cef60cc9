/*
 * module_load.c: loadable modules, and every dl* call writ makes. A module
 * NAME is the file NAME.so of the module directory; it must be a regular
 * file that neither group nor others may write, exporting
 * WRIT_MODULE_SYMBOL with the right tag, ABI major version and name.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "module_load.h"

static bool module_name_ok(const char *name)
{
	size_t i;

	if (!name[0] || strlen(name) > 64)
		return false;
	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
		      name[i] == '-' || name[i] == '_'))
			return false;
	return true;
}

const struct writ_module *module_load(struct module_set *set, const char *dir,
                                      const char *name, char *why, size_t whylen)
{
	const struct writ_module *m;
	struct loaded_module *lm;
	char path[4096];
	struct stat st;
	void *handle;
	size_t i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->mods[i].name, name) == 0)
			return set->mods[i].module;
	if (!dir || !module_name_ok(name)) {
		snprintf(why, whylen, "unknown module \"%s\"", name);
		return NULL;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s.so", dir, name) >= sizeof(path)) {
		snprintf(why, whylen, "module directory path is too long");
		return NULL;
	}
	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			snprintf(why, whylen, "unknown module \"%s\" (no %s.so in the module directory)",
			         name, name);
		else
			snprintf(why, whylen, "cannot read module \"%s\": %s", name, strerror(errno));
		return NULL;
	}
	/* Code that others could replace would decide for us: refuse it. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, whylen, "%s is %s: refused", path,
		         S_ISREG(st.st_mode) ? "writable by group or others" : "not a regular file");
		return NULL;
	}
	handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!handle) {
		snprintf(why, whylen, "cannot load %s: %s", path, dlerror());
		return NULL;
	}
	m = dlsym(handle, WRIT_MODULE_SYMBOL);
	if (!m || m->tag != WRIT_MODULE_TAG) {
		snprintf(why, whylen, "%s is not a writ module (no %s)", path, WRIT_MODULE_SYMBOL);
		goto fail;
	}
	if (m->abi >> 16 != WRIT_MODULE_ABI_MAJOR) {
		snprintf(why, whylen, "%s was built for module ABI %u.%u; writ speaks %d.x", path,
		         m->abi >> 16, m->abi & 0xffff, WRIT_MODULE_ABI_MAJOR);
		goto fail;
	}
	if (!m->name || strcmp(m->name, name) != 0 || !m->decide) {
		snprintf(why, whylen, "%s does not call itself \"%s\" or has no decide()", path, name);
		goto fail;
	}
	if (set->n == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 4;
		struct loaded_module *p = realloc(set->mods, cap * sizeof(*p));
		if (!p) {
			snprintf(why, whylen, "out of memory");
			goto fail;
		}
		set->mods = p;
		set->cap = cap;
	}
	lm = &set->mods[set->n];
	lm->name = strdup(name);
	if (!lm->name) {
		snprintf(why, whylen, "out of memory");
		goto fail;
	}
	lm->handle = handle;
	lm->module = m;
	set->n++;
	return m;
fail:
	dlclose(handle);
	return NULL;
}

void module_set_free(struct module_set *set)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		dlclose(set->mods[i].handle);
		free(set->mods[i].name);
	}
	free(set->mods);
	memset(set, 0, sizeof(*set));
}
