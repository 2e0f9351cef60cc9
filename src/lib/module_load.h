/* module_load.h: loading modules from the module directory (module_load.c). */
#ifndef WRIT_MODULE_LOAD_H
#define WRIT_MODULE_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "writ_module.h"

struct loaded_module {
	char *name;
	void *handle;
	const struct writ_module *module;
};

/* The modules one policy loaded; freed with the policy, after its lines. */
struct module_set {
	struct loaded_module *mods;
	size_t n, cap;
};

/* The module NAME from dir (loading it once per set), or NULL with why. */
const struct writ_module *module_load(struct module_set *set, const char *dir,
                                      const char *name, char *why, size_t whylen);
void module_set_free(struct module_set *set);

#endif
