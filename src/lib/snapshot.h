/*
 * snapshot.h: the decision table as a file (writ compile -o FILE.wdt),
 * loaded with mmap so that worker processes share one copy. The format is
 * described at the top of snapshot.c and in writ(1), SNAPSHOTS.
 */
#ifndef WRIT_SNAPSHOT_H
#define WRIT_SNAPSHOT_H

#include <stdbool.h>

#include "writ.h"

/* Is path a snapshot rather than policy text: a regular file that starts
 * with the snapshot magic, or whose name ends in ".wdt" (so that an empty
 * or cut-short one is refused as a snapshot, not read as a policy)? */
bool snapshot_detect(const char *path);

/*
 * Map, check and load the snapshot at path; its modules come from
 * module_dir (the built-in ones aside). Every refusal is one error record
 * in diags (which may be NULL): WRIT_EIO when the file cannot be read,
 * WRIT_EPOLICY when it is not a sound snapshot of this writ, WRIT_ENOMEM.
 */
int snapshot_load(const char *path, const char *module_dir, writ_diagnostics *diags,
                  writ_policy **out);

/* The error record for a snapshot named with other paths in one load. */
int snapshot_refuse_mixed(const char *path, writ_diagnostics *diags);

#endif
