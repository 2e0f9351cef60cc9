/* lint_report.h: writ lint's diagnostics for programs (--format). */
#ifndef WRIT_LINT_REPORT_H
#define WRIT_LINT_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "writ.h"

/*
 * Each prints the records i of diags whose shown[i] is true (a note is
 * shown with the record it belongs to) on f. They return 0, or -1 when
 * memory ran out.
 *
 *   json    JSON Lines: one object per diagnostic, its notes inside
 *   sarif   one SARIF 2.1.0 log
 *   github  GitHub Actions workflow commands (::error file=...::message)
 */
int lint_report_json(FILE *f, const writ_diagnostics *diags, const bool *shown);
int lint_report_sarif(FILE *f, const writ_diagnostics *diags, const bool *shown);
int lint_report_github(FILE *f, const writ_diagnostics *diags, const bool *shown);

#endif
