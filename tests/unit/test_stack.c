/*
 * test_stack.c: decision stacks (DESIGN §4, writ.policy(5) STACKS) against
 * Linux-PAM's dispatcher (libpam/pam_dispatch.c, _pam_dispatch_aux), which
 * is the reference:
 *
 *   required   = [success=ok ignore=ignore default=bad]
 *   requisite  = [success=ok ignore=ignore default=die]
 *   sufficient = [success=done default=ignore]
 *   optional   = [success=ok default=ignore]
 *   [value=action ...]: values not named take default=, else bad.
 *
 *   state: impression (undefined, positive, negative) and status, starting
 *   undefined / "must fail".
 *   ok, done: when the impression is undefined, or positive with status
 *     success, the impression becomes positive and the status the result
 *     (PAM_IGNORE included: PAM's guard only skips an ignore when replaying
 *     a frozen chain, which writ never does). done then ends the level
 *     when the impression is positive.
 *   bad, die: unless the impression is already negative, it becomes
 *     negative and the status the result (ignore counts as "must fail"):
 *     the first failure fixes the status. die ends the level.
 *   reset: back to the state the level was entered with.
 *   N: skip N lines of this level, a substack counting as one; a jump
 *     past the end makes the stack fail.
 *   include: the lines inlined; substack: one level deeper, so done, die
 *     and jumps stay inside it.
 *   a result outside the four is bad whatever the control.
 *   at the end, a success status without a positive impression fails.
 *
 * writ's module results map to PAM's: success = PAM_SUCCESS, ignore =
 * PAM_IGNORE, deny and error = failures. Every expectation below is derived
 * from these rules by hand (never by asking writ), and written out.
 *
 * The stacks are made of the `result` test module (tests/modules/result.c:
 * `result success|deny|ignore|error|NUMBER` returns what it is told, with
 * the reason "told to") and built-in modules, loaded through
 * writ_policy_load_ex with BUILDDIR/tests/modules/.libs as the module
 * directory. Which lines ran is read from the trace of writ_grant_request,
 * writ_access or writ_authenticate; the exact final status (deny, error or
 * "must fail"), which the public API folds into WRIT_EDENIED, is read by
 * running the compiled stack with the internal stack_run().
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "helpers.h"
#include "jwt-helpers.h"
#include "stack.h"
#include "table.h"
#include "util.h"
#include "writ_module.h"

#define MODDIR BUILDDIR "/tests/modules/.libs"
#define RES "https://api.example.com"

/* One resource, one app role granting its two permissions, one app. */
#define BASE                                                        \
	"resource \"" RES "\" {\n"                                  \
	"    permission read:x;\n"                                  \
	"    permission write:x;\n"                                 \
	"}\n"                                                       \
	"role worker for apps { grant read:x, write:x on \"" RES "\"; }\n" \
	"app svc { roles worker; }\n"
#define BASE_LINES 6 /* lines of BASE: stacks below start on line 7 */

/* Trace lines. A `result` line reads "TEXT: RESULT -> ACTION (told to)". */
#define R(text, what) text ": " what " (told to)"
#define RBAC_REASON "requested scopes the resource declares and the roles hold"
#define RBAC_OK "required rbac: success -> ok (" RBAC_REASON ")"

enum outcome {
	ALLOW_SCOPES, /* WRIT_OK, "read:x write:x": rbac ran and the stack allows */
	ALLOW_EMPTY,  /* WRIT_OK, "": the stack allows, rbac did not run */
	DENIED,       /* WRIT_EDENIED, "" */
};

/* ------------------------------------------------------------------ */
/* Loading.                                                            */
/* ------------------------------------------------------------------ */

static char *cat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	ck_assert_ptr_nonnull(s);
	memcpy(s, a, la);
	memcpy(s + la, b, lb + 1);
	return s;
}

/* A fresh scratch directory (caller removes it and frees the name). */
static char *scratch(void)
{
	char *d = strdup("/tmp/writ-test-stack-XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

/* Load text as policy.writ of a scratch directory, with module_dir. */
static writ_policy *load_text(const char *text, const char *module_dir, writ_diagnostics *d,
                              int *rc)
{
	struct writ_load_options o;
	writ_policy *p = NULL;
	char *dir = scratch(), *path = fmt("%s/policy.writ", dir);
	const char *paths[1] = { path };

	write_file(path, text, strlen(text));
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.module_dir = module_dir;
	*rc = writ_policy_load_ex(paths, 1, &o, d, &p);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	free(path);
	free(dir);
	return p;
}

/* Load a policy that must load. */
static writ_policy *policy_ok(const char *text)
{
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	int rc;

	ck_assert_ptr_nonnull(d);
	p = load_text(text, MODDIR, d, &rc);
	if (rc != WRIT_OK) {
		char *all = render_all(d);
		ck_abort_msg("policy did not load (%s):\n%s\n%s", writ_strerror(rc), all, text);
	}
	ck_assert_ptr_nonnull(p);
	writ_diagnostics_free(d);
	return p;
}

/* BASE followed by stack text. */
static writ_policy *base_ok(const char *stacks)
{
	char *text = cat(BASE, stacks);
	writ_policy *p = policy_ok(text);

	free(text);
	return p;
}

/* Every error of d as "CODE L:C message" lines, for failure messages. */
static char *errors_of(const writ_diagnostics *d)
{
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		char *l = diag_line(d, i);
		buf_printf(&b, "  %s\n", l);
		free(l);
	}
	return buf_steal(&b);
}

/*
 * Load text (with module_dir) that must be refused with exactly one error,
 * `want` in diag_line's form "CODE L:C message".
 */
static void expect_one_error(const char *text, const char *module_dir, const char *want)
{
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char *all, *first = NULL;
	size_t i;
	int rc;

	ck_assert_ptr_nonnull(d);
	p = load_text(text, module_dir, d, &rc);
	all = errors_of(d);
	ck_assert_msg(rc == WRIT_EPOLICY && p == NULL,
	              "the policy loaded (%s); expected %s; diagnostics:\n%s", writ_strerror(rc),
	              want, all);
	ck_assert_msg(writ_diagnostics_errors(d) == 1, "expected one error, %s; got:\n%s", want,
	              all);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		if (writ_diagnostics_get(d, i)->severity == WRIT_SEVERITY_ERROR) {
			first = diag_line(d, i);
			break;
		}
	}
	ck_assert_ptr_nonnull(first);
	ck_assert_msg(strcmp(first, want) == 0, "expected\n  %s\ngot:\n%s", want, all);
	free(first);
	free(all);
	writ_diagnostics_free(d);
}

/* The same for BASE followed by stacks, with the test modules. */
static void base_error(const char *stacks, const char *want)
{
	char *text = cat(BASE, stacks);

	expect_one_error(text, MODDIR, want);
	free(text);
}

/* ------------------------------------------------------------------ */
/* Running.                                                            */
/* ------------------------------------------------------------------ */

/* The trace is exactly verdict and lines (NULL-terminated). */
static void expect_trace(const writ_trace *tr, const char *verdict, const char *const *lines)
{
	struct buf b;
	size_t i, n = 0;
	bool same;

	while (lines[n])
		n++;
	same = writ_trace_count(tr) == n && strcmp(writ_trace_verdict(tr), verdict) == 0;
	for (i = 0; same && i < n; i++)
		same = strcmp(writ_trace_line(tr, i), lines[i]) == 0;
	if (same)
		return;
	buf_init(&b);
	buf_puts(&b, "expected:\n");
	for (i = 0; i < n; i++)
		buf_printf(&b, "  |%s|\n", lines[i]);
	buf_printf(&b, "  verdict %s\ngot:\n", verdict);
	for (i = 0; i < writ_trace_count(tr); i++)
		buf_printf(&b, "  |%s|\n", writ_trace_line(tr, i));
	buf_printf(&b, "  verdict %s\n", writ_trace_verdict(tr));
	ck_abort_msg("%s", b.data);
}

#define LINES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define NO_LINES ((const char *const[]){ NULL })

/* A grant of "read:x write:x" on RES to app svc; checks rc and output. */
static void expect_grant(const writ_policy *p, const struct writ_request *req,
                         enum outcome want, const char *const *lines)
{
	writ_trace *tr = writ_trace_new();
	char out[256];
	size_t len = 99;
	int rc;

	ck_assert_ptr_nonnull(tr);
	rc = writ_grant_request(p, WRIT_PRINCIPAL_APP, "svc", RES, "read:x write:x", 14, req, tr,
	                        out, sizeof(out), &len);
	expect_trace(tr, want == DENIED ? "deny" : "allow", lines);
	ck_assert_int_eq(rc, want == DENIED ? WRIT_EDENIED : WRIT_OK);
	ck_assert_str_eq(out, want == ALLOW_SCOPES ? "read:x write:x" : "");
	ck_assert_uint_eq(len, strlen(out));
	writ_trace_free(tr);
}

/* Load BASE + stacks, grant with req, check, free. */
static void grant_case_req(const char *stacks, const struct writ_request *req,
                           enum outcome want, const char *const *lines)
{
	writ_policy *p = base_ok(stacks);

	expect_grant(p, req, want, lines);
	writ_policy_unref(p);
}

#define GRANT_CASE(stacks, want, ...) grant_case_req(stacks, NULL, want, LINES(__VA_ARGS__))

/* The final status of the top-level grant stack of BASE + stacks, by the
 * internal dispatcher: WRIT_MODULE_* or STACK_RESULTS ("must fail"). The
 * stacks here hold `result` lines only, which read nothing of the context. */
static int grant_status(const char *stacks)
{
	writ_policy *p = base_ok(stacks);
	writ_context ctx;
	int status;

	memset(&ctx, 0, sizeof(ctx));
	ctx.policy = p;
	ctx.facility = WRIT_FACILITY_GRANT;
	ctx.resource = -1;
	status = stack_run(stack_for(p, -1, WRIT_FACILITY_GRANT), &ctx, NULL, NULL);
	writ_policy_unref(p);
	return status;
}

#define MUST_FAIL STACK_RESULTS

/* ------------------------------------------------------------------ */
/* Every control against every result.                                */
/* ------------------------------------------------------------------ */

/*
 * The stack is
 *     CONTROL result R1;
 *     required result R2;
 *     required rbac;
 * a1, a2, a3 are the expected "RESULT -> ACTION" of the lines that run
 * (NULL: the line does not run). rbac always says success.
 */
struct row {
	const char *control, *r1, *r2;
	enum outcome want;
	const char *a1, *a2, *a3;
};

static const struct row table[] = {
	/* required [success=ok ignore=ignore default=bad]: a failure (deny,
	 * error) makes the impression negative, and nothing after it can
	 * make it positive again, but every line still runs. ignore leaves
	 * the state alone, so the other lines decide. */
	{ "required", "success", "success", ALLOW_SCOPES, "success -> ok", "success -> ok", "success -> ok" },
	{ "required", "success", "deny", DENIED, "success -> ok", "deny -> bad", "success -> ok" },
	{ "required", "success", "ignore", ALLOW_SCOPES, "success -> ok", "ignore -> ignore", "success -> ok" },
	{ "required", "success", "error", DENIED, "success -> ok", "error -> bad", "success -> ok" },
	{ "required", "deny", "success", DENIED, "deny -> bad", "success -> ok", "success -> ok" },
	{ "required", "deny", "deny", DENIED, "deny -> bad", "deny -> bad", "success -> ok" },
	{ "required", "deny", "ignore", DENIED, "deny -> bad", "ignore -> ignore", "success -> ok" },
	{ "required", "deny", "error", DENIED, "deny -> bad", "error -> bad", "success -> ok" },
	{ "required", "ignore", "success", ALLOW_SCOPES, "ignore -> ignore", "success -> ok", "success -> ok" },
	{ "required", "ignore", "deny", DENIED, "ignore -> ignore", "deny -> bad", "success -> ok" },
	{ "required", "ignore", "ignore", ALLOW_SCOPES, "ignore -> ignore", "ignore -> ignore", "success -> ok" },
	{ "required", "ignore", "error", DENIED, "ignore -> ignore", "error -> bad", "success -> ok" },
	{ "required", "error", "success", DENIED, "error -> bad", "success -> ok", "success -> ok" },
	{ "required", "error", "deny", DENIED, "error -> bad", "deny -> bad", "success -> ok" },
	{ "required", "error", "ignore", DENIED, "error -> bad", "ignore -> ignore", "success -> ok" },
	{ "required", "error", "error", DENIED, "error -> bad", "error -> bad", "success -> ok" },

	/* requisite [success=ok ignore=ignore default=die]: as required,
	 * except that a failure dies: the stack ends at once, nothing after
	 * it runs. */
	{ "requisite", "success", "success", ALLOW_SCOPES, "success -> ok", "success -> ok", "success -> ok" },
	{ "requisite", "success", "deny", DENIED, "success -> ok", "deny -> bad", "success -> ok" },
	{ "requisite", "success", "ignore", ALLOW_SCOPES, "success -> ok", "ignore -> ignore", "success -> ok" },
	{ "requisite", "success", "error", DENIED, "success -> ok", "error -> bad", "success -> ok" },
	{ "requisite", "deny", "success", DENIED, "deny -> die", NULL, NULL },
	{ "requisite", "deny", "deny", DENIED, "deny -> die", NULL, NULL },
	{ "requisite", "deny", "ignore", DENIED, "deny -> die", NULL, NULL },
	{ "requisite", "deny", "error", DENIED, "deny -> die", NULL, NULL },
	{ "requisite", "ignore", "success", ALLOW_SCOPES, "ignore -> ignore", "success -> ok", "success -> ok" },
	{ "requisite", "ignore", "deny", DENIED, "ignore -> ignore", "deny -> bad", "success -> ok" },
	{ "requisite", "ignore", "ignore", ALLOW_SCOPES, "ignore -> ignore", "ignore -> ignore", "success -> ok" },
	{ "requisite", "ignore", "error", DENIED, "ignore -> ignore", "error -> bad", "success -> ok" },
	{ "requisite", "error", "success", DENIED, "error -> die", NULL, NULL },
	{ "requisite", "error", "deny", DENIED, "error -> die", NULL, NULL },
	{ "requisite", "error", "ignore", DENIED, "error -> die", NULL, NULL },
	{ "requisite", "error", "error", DENIED, "error -> die", NULL, NULL },

	/* sufficient [success=done default=ignore]: a success on an
	 * undefined impression makes it positive and done ends the stack
	 * with success at once: rbac never runs, so nothing is granted. Any
	 * other result is ignored and the rest decides. */
	{ "sufficient", "success", "success", ALLOW_EMPTY, "success -> done", NULL, NULL },
	{ "sufficient", "success", "deny", ALLOW_EMPTY, "success -> done", NULL, NULL },
	{ "sufficient", "success", "ignore", ALLOW_EMPTY, "success -> done", NULL, NULL },
	{ "sufficient", "success", "error", ALLOW_EMPTY, "success -> done", NULL, NULL },
	{ "sufficient", "deny", "success", ALLOW_SCOPES, "deny -> ignore", "success -> ok", "success -> ok" },
	{ "sufficient", "deny", "deny", DENIED, "deny -> ignore", "deny -> bad", "success -> ok" },
	{ "sufficient", "deny", "ignore", ALLOW_SCOPES, "deny -> ignore", "ignore -> ignore", "success -> ok" },
	{ "sufficient", "deny", "error", DENIED, "deny -> ignore", "error -> bad", "success -> ok" },
	{ "sufficient", "ignore", "success", ALLOW_SCOPES, "ignore -> ignore", "success -> ok", "success -> ok" },
	{ "sufficient", "ignore", "deny", DENIED, "ignore -> ignore", "deny -> bad", "success -> ok" },
	{ "sufficient", "ignore", "ignore", ALLOW_SCOPES, "ignore -> ignore", "ignore -> ignore", "success -> ok" },
	{ "sufficient", "ignore", "error", DENIED, "ignore -> ignore", "error -> bad", "success -> ok" },
	{ "sufficient", "error", "success", ALLOW_SCOPES, "error -> ignore", "success -> ok", "success -> ok" },
	{ "sufficient", "error", "deny", DENIED, "error -> ignore", "deny -> bad", "success -> ok" },
	{ "sufficient", "error", "ignore", ALLOW_SCOPES, "error -> ignore", "ignore -> ignore", "success -> ok" },
	{ "sufficient", "error", "error", DENIED, "error -> ignore", "error -> bad", "success -> ok" },

	/* optional [success=ok default=ignore]: a success counts like a
	 * required one; any other result is ignored, so with other lines
	 * present the rest decides. */
	{ "optional", "success", "success", ALLOW_SCOPES, "success -> ok", "success -> ok", "success -> ok" },
	{ "optional", "success", "deny", DENIED, "success -> ok", "deny -> bad", "success -> ok" },
	{ "optional", "success", "ignore", ALLOW_SCOPES, "success -> ok", "ignore -> ignore", "success -> ok" },
	{ "optional", "success", "error", DENIED, "success -> ok", "error -> bad", "success -> ok" },
	{ "optional", "deny", "success", ALLOW_SCOPES, "deny -> ignore", "success -> ok", "success -> ok" },
	{ "optional", "deny", "deny", DENIED, "deny -> ignore", "deny -> bad", "success -> ok" },
	{ "optional", "deny", "ignore", ALLOW_SCOPES, "deny -> ignore", "ignore -> ignore", "success -> ok" },
	{ "optional", "deny", "error", DENIED, "deny -> ignore", "error -> bad", "success -> ok" },
	{ "optional", "ignore", "success", ALLOW_SCOPES, "ignore -> ignore", "success -> ok", "success -> ok" },
	{ "optional", "ignore", "deny", DENIED, "ignore -> ignore", "deny -> bad", "success -> ok" },
	{ "optional", "ignore", "ignore", ALLOW_SCOPES, "ignore -> ignore", "ignore -> ignore", "success -> ok" },
	{ "optional", "ignore", "error", DENIED, "ignore -> ignore", "error -> bad", "success -> ok" },
	{ "optional", "error", "success", ALLOW_SCOPES, "error -> ignore", "success -> ok", "success -> ok" },
	{ "optional", "error", "deny", DENIED, "error -> ignore", "deny -> bad", "success -> ok" },
	{ "optional", "error", "ignore", ALLOW_SCOPES, "error -> ignore", "ignore -> ignore", "success -> ok" },
	{ "optional", "error", "error", DENIED, "error -> ignore", "error -> bad", "success -> ok" },
};

START_TEST(control_by_result)
{
	const struct row *r = &table[_i];
	char *stacks = fmt("stack grant {\n    %s result %s;\n    required result %s;\n"
	                   "    required rbac;\n}\n", r->control, r->r1, r->r2);
	char *l1 = fmt("%s result %s: %s (told to)", r->control, r->r1, r->a1);
	char *l2 = r->a2 ? fmt("required result %s: %s (told to)", r->r2, r->a2) : NULL;
	char *l3 = r->a3 ? fmt("required rbac: %s (" RBAC_REASON ")", r->a3) : NULL;
	const char *lines[4] = { l1, l2, l2 ? l3 : NULL, NULL };
	writ_policy *p = base_ok(stacks);

	expect_grant(p, NULL, r->want, lines);
	writ_policy_unref(p);
	free(stacks);
	free(l1);
	free(l2);
	free(l3);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The classic PAM cases.                                              */
/* ------------------------------------------------------------------ */

/* A sufficient success after a required failure: done counts only on an
 * undefined or positive impression, so it neither allows nor ends the
 * stack; rbac still runs, and the verdict is deny. */
START_TEST(sufficient_after_required_failure)
{
	GRANT_CASE("stack grant {\n"
	           "    required result deny;\n"
	           "    sufficient result success;\n"
	           "    required rbac;\n"
	           "}\n",
	           DENIED,
	           R("required result deny", "deny -> bad"),
	           R("sufficient result success", "success -> done"),
	           RBAC_OK);
	/* The same after an earlier success: it ends the stack, allowing. */
	GRANT_CASE("stack grant {\n"
	           "    required rbac;\n"
	           "    sufficient result success;\n"
	           "    required result deny;\n"
	           "}\n",
	           ALLOW_SCOPES,
	           RBAC_OK,
	           R("sufficient result success", "success -> done"));
}
END_TEST

/* A requisite failure ends the stack at once, even after a success. */
START_TEST(requisite_stops_at_once)
{
	GRANT_CASE("stack grant {\n"
	           "    required rbac;\n"
	           "    requisite result deny;\n"
	           "    sufficient result success;\n"
	           "    required result success;\n"
	           "}\n",
	           DENIED,
	           RBAC_OK,
	           R("requisite result deny", "deny -> die"));
	/* After an earlier failure it still ends the stack. */
	GRANT_CASE("stack grant {\n"
	           "    required result error;\n"
	           "    requisite result deny;\n"
	           "    required rbac;\n"
	           "}\n",
	           DENIED,
	           R("required result error", "error -> bad"),
	           R("requisite result deny", "deny -> die"));
}
END_TEST

/* optional counts only when nothing else does: alone, its success
 * allows and its failure leaves nothing that said yes. */
START_TEST(optional_alone_decides)
{
	GRANT_CASE("stack grant {\n    optional result success;\n}\n",
	           ALLOW_EMPTY, R("optional result success", "success -> ok"));
	GRANT_CASE("stack grant {\n    optional result deny;\n}\n",
	           DENIED, R("optional result deny", "deny -> ignore"));
	GRANT_CASE("stack grant {\n    optional result error;\n}\n",
	           DENIED, R("optional result error", "error -> ignore"));
	GRANT_CASE("stack grant {\n    optional result ignore;\n}\n",
	           DENIED, R("optional result ignore", "ignore -> ignore"));
}
END_TEST

/* Next to a required success, an optional failure does not matter,
 * before or after it. */
START_TEST(optional_next_to_required_success)
{
	GRANT_CASE("stack grant {\n    required rbac;\n    optional result deny;\n}\n",
	           ALLOW_SCOPES, RBAC_OK, R("optional result deny", "deny -> ignore"));
	GRANT_CASE("stack grant {\n    optional result error;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("optional result error", "error -> ignore"), RBAC_OK);
	/* ... nor does an optional success next to a required failure. */
	GRANT_CASE("stack grant {\n    optional result success;\n    required result deny;\n"
	           "    required rbac;\n}\n",
	           DENIED, R("optional result success", "success -> ok"),
	           R("required result deny", "deny -> bad"), RBAC_OK);
}
END_TEST

/* Nothing said yes: a stack of only ignore results fails, whatever the
 * controls. */
START_TEST(only_ignore_fails)
{
	GRANT_CASE("stack grant {\n"
	           "    required result ignore;\n"
	           "    requisite result ignore;\n"
	           "    sufficient result ignore;\n"
	           "    optional result ignore;\n"
	           "}\n",
	           DENIED,
	           R("required result ignore", "ignore -> ignore"),
	           R("requisite result ignore", "ignore -> ignore"),
	           R("sufficient result ignore", "ignore -> ignore"),
	           R("optional result ignore", "ignore -> ignore"));
	ck_assert_int_eq(grant_status("stack grant {\n    required result ignore;\n"
	                              "    optional result ignore;\n}\n"),
	                 MUST_FAIL);
	/* An empty stack says nothing either. */
	GRANT_CASE("stack grant {\n}\n", DENIED, NULL);
}
END_TEST

/* The first failure fixes the status; a later failure does not change
 * it, a later success does not either. */
START_TEST(first_failure_status_kept)
{
	ck_assert_int_eq(grant_status("stack grant {\n    required result success;\n}\n"),
	                 WRIT_MODULE_SUCCESS);
	ck_assert_int_eq(grant_status("stack grant {\n    required result deny;\n"
	                              "    required result error;\n}\n"),
	                 WRIT_MODULE_DENY);
	ck_assert_int_eq(grant_status("stack grant {\n    required result error;\n"
	                              "    required result deny;\n}\n"),
	                 WRIT_MODULE_ERROR);
	ck_assert_int_eq(grant_status("stack grant {\n    required result success;\n"
	                              "    required result error;\n    required result deny;\n"
	                              "    required result success;\n}\n"),
	                 WRIT_MODULE_ERROR);
	ck_assert_int_eq(grant_status("stack grant {\n    requisite result error;\n"
	                              "    required result deny;\n}\n"),
	                 WRIT_MODULE_ERROR);
	/* An ignore made bad fails as "must fail", which then stays. */
	ck_assert_int_eq(grant_status("stack grant {\n    [ignore=bad] result ignore;\n"
	                              "    required result deny;\n}\n"),
	                 MUST_FAIL);
	/* ok on a deny makes the impression positive with status deny: a
	 * later success cannot count (the status is not success), a later
	 * bad is the first negative one and sets its own status. */
	ck_assert_int_eq(grant_status("stack grant {\n    [deny=ok default=bad] result deny;\n"
	                              "    required result success;\n}\n"),
	                 WRIT_MODULE_DENY);
	ck_assert_int_eq(grant_status("stack grant {\n    [deny=ok default=bad] result deny;\n"
	                              "    required result error;\n}\n"),
	                 WRIT_MODULE_ERROR);
	/* die with a success: negative impression with status success,
	 * which the final check turns into "must fail". */
	ck_assert_int_eq(grant_status("stack grant {\n    [success=die] result success;\n}\n"),
	                 MUST_FAIL);
}
END_TEST

/* ------------------------------------------------------------------ */
/* [value=action] forms.                                               */
/* ------------------------------------------------------------------ */

START_TEST(action_done)
{
	/* done on a success ends the stack with success. */
	GRANT_CASE("stack grant {\n    required rbac;\n    [success=done default=bad] result success;\n"
	           "    required result deny;\n}\n",
	           ALLOW_SCOPES, RBAC_OK,
	           R("[success=done default=bad] result success", "success -> done"));
	/* done after a failure neither counts nor ends the stack. */
	GRANT_CASE("stack grant {\n    required result deny;\n"
	           "    [success=done default=bad] result success;\n    required rbac;\n}\n",
	           DENIED, R("required result deny", "deny -> bad"),
	           R("[success=done default=bad] result success", "success -> done"), RBAC_OK);
	/* done on a deny: the impression becomes positive with status deny
	 * and the stack ends there, denied. */
	GRANT_CASE("stack grant {\n    [deny=done default=bad] result deny;\n    required rbac;\n}\n",
	           DENIED, R("[deny=done default=bad] result deny", "deny -> done"));
	GRANT_CASE("stack grant {\n    required rbac;\n    [deny=done default=bad] result deny;\n"
	           "    required result success;\n}\n",
	           DENIED, RBAC_OK, R("[deny=done default=bad] result deny", "deny -> done"));
}
END_TEST

START_TEST(action_die)
{
	/* die ends the stack, failing, even on a success (PAM's final check:
	 * a success status with a negative impression fails). */
	GRANT_CASE("stack grant {\n    [success=die] result success;\n    required rbac;\n}\n",
	           DENIED, R("[success=die] result success", "success -> die"));
	GRANT_CASE("stack grant {\n    required rbac;\n    [deny=die default=ignore] result deny;\n"
	           "    required result success;\n}\n",
	           DENIED, RBAC_OK, R("[deny=die default=ignore] result deny", "deny -> die"));
}
END_TEST

START_TEST(action_reset)
{
	/* reset forgets a failure: a later success allows. */
	GRANT_CASE("stack grant {\n    required result deny;\n"
	           "    [success=reset default=bad] result success;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("required result deny", "deny -> bad"),
	           R("[success=reset default=bad] result success", "success -> reset"), RBAC_OK);
	/* ... and a success too: back to nothing said, which fails. */
	GRANT_CASE("stack grant {\n    required rbac;\n"
	           "    [success=reset default=bad] result success;\n}\n",
	           DENIED, RBAC_OK, R("[success=reset default=bad] result success", "success -> reset"));
	/* After a reset, the next failure is the first one again. */
	ck_assert_int_eq(grant_status("stack grant {\n    required result deny;\n"
	                              "    [default=reset] result success;\n"
	                              "    required result error;\n}\n"),
	                 WRIT_MODULE_ERROR);
}
END_TEST

START_TEST(action_jump)
{
	/* A jump skips exactly N lines, and does not count as ok. */
	GRANT_CASE("stack grant {\n"
	           "    [success=2 default=ignore] result success;\n"
	           "    required result deny;\n"
	           "    required result error;\n"
	           "    required result success;\n"
	           "    required rbac;\n"
	           "}\n",
	           ALLOW_SCOPES,
	           R("[success=2 default=ignore] result success", "success -> jump 2"),
	           R("required result success", "success -> ok"), RBAC_OK);
	/* A jump alone is no yes: skipping to the end leaves nothing said. */
	GRANT_CASE("stack grant {\n    [success=1 default=bad] result success;\n"
	           "    required result deny;\n}\n",
	           DENIED, R("[success=1 default=bad] result success", "success -> jump 1"));
	/* Only the result named jumps. */
	GRANT_CASE("stack grant {\n    [success=1 default=ignore] result deny;\n"
	           "    required result deny;\n    required rbac;\n}\n",
	           DENIED, R("[success=1 default=ignore] result deny", "deny -> ignore"),
	           R("required result deny", "deny -> bad"), RBAC_OK);
}
END_TEST

/* A substack is one line for a jump. */
START_TEST(jump_over_substack)
{
	GRANT_CASE("stack inner for grant {\n    required result deny;\n    required result error;\n}\n"
	           "stack grant {\n"
	           "    [success=1 default=ignore] result success;\n"
	           "    substack inner;\n"
	           "    required rbac;\n"
	           "}\n",
	           ALLOW_SCOPES,
	           R("[success=1 default=ignore] result success", "success -> jump 1"), RBAC_OK);
	GRANT_CASE("stack inner for grant {\n    required result success;\n    required result success;\n}\n"
	           "stack grant {\n"
	           "    [success=2 default=ignore] result success;\n"
	           "    substack inner;\n"
	           "    required result deny;\n"
	           "    required rbac;\n"
	           "}\n",
	           ALLOW_SCOPES,
	           R("[success=2 default=ignore] result success", "success -> jump 2"), RBAC_OK);
	/* A jump inside a substack counts the substack's lines. */
	GRANT_CASE("stack inner for grant {\n    [success=1 default=ignore] result success;\n"
	           "    required result deny;\n    required result success;\n}\n"
	           "stack grant {\n    substack inner;\n    required rbac;\n}\n",
	           ALLOW_SCOPES,
	           "  " R("[success=1 default=ignore] result success", "success -> jump 1"),
	           "  " R("required result success", "success -> ok"), RBAC_OK);
	/* An included stack is inlined: its lines count one by one. */
	GRANT_CASE("stack inner for grant {\n    required result deny;\n    required result error;\n}\n"
	           "stack grant {\n"
	           "    [success=1 default=ignore] result success;\n"
	           "    include inner;\n"
	           "    required rbac;\n"
	           "}\n",
	           DENIED,
	           R("[success=1 default=ignore] result success", "success -> jump 1"),
	           R("required result error", "error -> bad"), RBAC_OK);
}
END_TEST

/*
 * A jump past the end: the E027 explanation says a jump count "stays
 * inside the stack", so a lint error is acceptable; if writ accepts the
 * policy, running it must fail the stack (PAM: "bad jump in stack"),
 * never allow.
 */
static void jump_past_end_case(const char *stacks, const char *const *lines)
{
	char *text = cat(BASE, stacks);
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	int rc;

	p = load_text(text, MODDIR, d, &rc);
	if (rc != WRIT_OK) {
		const struct writ_diagnostic *g = writ_diagnostics_get(d, 0);
		ck_assert_int_eq(rc, WRIT_EPOLICY);
		ck_assert_str_eq(g->code, "E027");
	} else {
		expect_grant(p, NULL, DENIED, lines);
	}
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	free(text);
}

START_TEST(jump_past_end)
{
	/* Past the end of the stack, after rbac said yes. */
	jump_past_end_case("stack grant {\n    required rbac;\n"
	                   "    [success=3 default=ignore] result success;\n"
	                   "    required result success;\n}\n",
	                   LINES(RBAC_OK, R("[success=3 default=ignore] result success",
	                                    "success -> jump 3")));
	/* Past the end of a substack: it stays inside it (the parent's next
	 * line still runs) and fails the stack. */
	jump_past_end_case("stack inner for grant {\n    [success=2 default=ignore] result success;\n"
	                   "    required result success;\n}\n"
	                   "stack grant {\n    required rbac;\n    substack inner;\n"
	                   "    required result success;\n}\n",
	                   LINES(RBAC_OK, "  " R("[success=2 default=ignore] result success",
	                                         "success -> jump 2"),
	                         R("required result success", "success -> ok")));
}
END_TEST

START_TEST(action_ignore)
{
	GRANT_CASE("stack grant {\n    [success=ignore default=bad] result success;\n"
	           "    required rbac;\n}\n",
	           ALLOW_SCOPES, R("[success=ignore default=bad] result success", "success -> ignore"),
	           RBAC_OK);
	/* An ignored success is no yes. */
	GRANT_CASE("stack grant {\n    [success=ignore default=bad] result success;\n}\n",
	           DENIED, R("[success=ignore default=bad] result success", "success -> ignore"));
}
END_TEST

/* default= covers the values not named, and only them, wherever it is
 * written in the brackets. */
START_TEST(action_default_unnamed_only)
{
	GRANT_CASE("stack grant {\n    [success=ok default=die] result success;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("[success=ok default=die] result success", "success -> ok"), RBAC_OK);
	GRANT_CASE("stack grant {\n    [success=ok default=die] result ignore;\n    required rbac;\n}\n",
	           DENIED, R("[success=ok default=die] result ignore", "ignore -> die"));
	GRANT_CASE("stack grant {\n    [deny=ignore default=die] result deny;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("[deny=ignore default=die] result deny", "deny -> ignore"), RBAC_OK);
	GRANT_CASE("stack grant {\n    [deny=ignore default=die] result error;\n    required rbac;\n}\n",
	           DENIED, R("[deny=ignore default=die] result error", "error -> die"));
	GRANT_CASE("stack grant {\n    [default=die deny=ignore] result deny;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("[default=die deny=ignore] result deny", "deny -> ignore"), RBAC_OK);
	GRANT_CASE("stack grant {\n    [default=ok] result success;\n}\n",
	           ALLOW_EMPTY, R("[default=ok] result success", "success -> ok"));
}
END_TEST

/* Without default=, the values not named are bad: the line fails but the
 * stack goes on (bad, not die). */
START_TEST(action_unnamed_bad)
{
	GRANT_CASE("stack grant {\n    [success=ok] result ignore;\n    required rbac;\n}\n",
	           DENIED, R("[success=ok] result ignore", "ignore -> bad"), RBAC_OK);
	GRANT_CASE("stack grant {\n    [success=ok] result error;\n    required rbac;\n}\n",
	           DENIED, R("[success=ok] result error", "error -> bad"), RBAC_OK);
	GRANT_CASE("stack grant {\n    [deny=ignore] result success;\n    required rbac;\n}\n",
	           DENIED, R("[deny=ignore] result success", "success -> bad"), RBAC_OK);
	ck_assert_int_eq(grant_status("stack grant {\n    [success=ok] result ignore;\n}\n"), MUST_FAIL);
	ck_assert_int_eq(grant_status("stack grant {\n    [deny=ignore] result error;\n}\n"),
	                 WRIT_MODULE_ERROR);
}
END_TEST

/*
 * ok and done on an ignore. PAM's guard (`retval != PAM_IGNORE ||
 * cached_retval == retval`) only skips an ignore when a frozen chain is
 * replayed (setcred, close_session); on a normal run cached_retval ==
 * retval, so [ignore=ok] makes the impression positive with status
 * PAM_IGNORE: no later success can count and the stack fails. [ignore=done]
 * then also ends the stack.
 */
START_TEST(action_ok_on_ignore)
{
	GRANT_CASE("stack grant {\n    [success=ok ignore=ok default=bad] result ignore;\n"
	           "    required rbac;\n}\n",
	           DENIED, R("[success=ok ignore=ok default=bad] result ignore", "ignore -> ok"),
	           RBAC_OK);
	GRANT_CASE("stack grant {\n    [ignore=done default=ok] result ignore;\n    required rbac;\n}\n",
	           DENIED, R("[ignore=done default=ok] result ignore", "ignore -> done"));
	ck_assert_int_eq(grant_status("stack grant {\n    [ignore=ok default=bad] result ignore;\n"
	                              "    required result success;\n}\n"),
	                 WRIT_MODULE_IGNORE);
}
END_TEST

/* A second default= in one bracket: PAM's default only fills values
 * still undefined, so the first one wins. A load error would do too. */
START_TEST(action_repeated_default)
{
	char *text = cat(BASE, "stack grant {\n    [default=die default=ignore] result deny;\n"
	                       "    required rbac;\n}\n");
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	int rc;

	p = load_text(text, MODDIR, d, &rc);
	if (rc != WRIT_OK)
		ck_assert_str_eq(writ_diagnostics_get(d, 0)->code, "E027");
	else
		expect_grant(p, NULL, DENIED,
		             LINES(R("[default=die default=ignore] result deny", "deny -> die")));
	writ_policy_unref(p);
	writ_diagnostics_free(d);
	free(text);
}
END_TEST

START_TEST(action_syntax_errors)
{
	base_error("stack grant {\n    [sucess=ok] result success;\n}\n",
	           "E027 8:6 unknown value \"sucess\"");
	base_error("stack grant {\n    [success=0] result success;\n}\n",
	           "E027 8:14 unknown action \"0\"");
	base_error("stack grant {\n    [success=256] result success;\n}\n",
	           "E027 8:14 unknown action \"256\"");
	base_error("stack grant {\n    [success=jump] result success;\n}\n",
	           "E027 8:14 unknown action \"jump\"");
	base_error("stack grant {\n    requird result success;\n}\n",
	           "E026 8:5 unknown control \"requird\"");
}
END_TEST

/* ------------------------------------------------------------------ */
/* include and substack.                                               */
/* ------------------------------------------------------------------ */

/* An included stack is inlined: its done ends the whole stack. */
START_TEST(include_done_ends_all)
{
	GRANT_CASE("stack inc for grant {\n    sufficient result success;\n    required result deny;\n}\n"
	           "stack grant {\n    include inc;\n    required result deny;\n    required rbac;\n}\n",
	           ALLOW_EMPTY, R("sufficient result success", "success -> done"));
	/* Its die too. */
	GRANT_CASE("stack inc for grant {\n    requisite result deny;\n}\n"
	           "stack grant {\n    include inc;\n    required rbac;\n}\n",
	           DENIED, R("requisite result deny", "deny -> die"));
}
END_TEST

/* A substack's done ends the substack only. */
START_TEST(substack_done_stays_inside)
{
	GRANT_CASE("stack sub for grant {\n    sufficient result success;\n    required result deny;\n}\n"
	           "stack grant {\n    substack sub;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, "  " R("sufficient result success", "success -> done"), RBAC_OK);
	/* ... and what the substack said still counts after it. */
	GRANT_CASE("stack sub for grant {\n    sufficient result success;\n}\n"
	           "stack grant {\n    substack sub;\n    required result deny;\n    required rbac;\n}\n",
	           DENIED, "  " R("sufficient result success", "success -> done"),
	           R("required result deny", "deny -> bad"), RBAC_OK);
}
END_TEST

/* A substack's die ends the substack only, but its failure fails the
 * parent. */
START_TEST(substack_die_stays_inside)
{
	GRANT_CASE("stack sub for grant {\n    requisite result deny;\n    required result success;\n}\n"
	           "stack grant {\n    substack sub;\n    required rbac;\n}\n",
	           DENIED, "  " R("requisite result deny", "deny -> die"), RBAC_OK);
	GRANT_CASE("stack sub for grant {\n    required result error;\n}\n"
	           "stack grant {\n    required rbac;\n    substack sub;\n    required result success;\n}\n",
	           DENIED, RBAC_OK, "  " R("required result error", "error -> bad"),
	           R("required result success", "success -> ok"));
	/* A successful substack allows like any success. */
	GRANT_CASE("stack sub for grant {\n    required result success;\n}\n"
	           "stack grant {\n    substack sub;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, "  " R("required result success", "success -> ok"), RBAC_OK);
	/* A substack that says nothing adds nothing. */
	GRANT_CASE("stack sub for grant {\n    optional result deny;\n}\n"
	           "stack grant {\n    substack sub;\n}\n",
	           DENIED, "  " R("optional result deny", "deny -> ignore"));
}
END_TEST

/* reset inside a substack returns to the state the substack was entered
 * with, not to the start of the whole stack. */
START_TEST(substack_reset_restores_entry)
{
	/* Entered after rbac's success: reset forgets the substack's failure
	 * and keeps rbac's success. */
	GRANT_CASE("stack sub for grant {\n    required result deny;\n"
	           "    [success=reset default=bad] result success;\n}\n"
	           "stack grant {\n    required rbac;\n    substack sub;\n}\n",
	           ALLOW_SCOPES, RBAC_OK, "  " R("required result deny", "deny -> bad"),
	           "  " R("[success=reset default=bad] result success", "success -> reset"));
	/* Entered after a failure: reset keeps that failure. */
	GRANT_CASE("stack sub for grant {\n    [success=reset default=bad] result success;\n}\n"
	           "stack grant {\n    required result deny;\n    substack sub;\n    required rbac;\n}\n",
	           DENIED, R("required result deny", "deny -> bad"),
	           "  " R("[success=reset default=bad] result success", "success -> reset"), RBAC_OK);
	ck_assert_int_eq(grant_status("stack sub for grant {\n    [default=reset] result success;\n"
	                              "    required result error;\n}\n"
	                              "stack grant {\n    required result deny;\n    substack sub;\n}\n"),
	                 WRIT_MODULE_DENY);
	/* A second substack at the same level is entered afresh. */
	GRANT_CASE("stack a for grant {\n    required result success;\n}\n"
	           "stack b for grant {\n    [success=reset default=bad] result success;\n}\n"
	           "stack grant {\n    required result deny;\n    substack a;\n"
	           "    [deny=reset default=bad] result deny;\n    substack b;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, R("required result deny", "deny -> bad"),
	           "  " R("required result success", "success -> ok"),
	           R("[deny=reset default=bad] result deny", "deny -> reset"),
	           "  " R("[success=reset default=bad] result success", "success -> reset"), RBAC_OK);
}
END_TEST

/* Substacks within substacks: each keeps its own entry state. */
START_TEST(substack_nested)
{
	GRANT_CASE("stack inner for grant {\n    requisite result deny;\n    required result success;\n}\n"
	           "stack outer for grant {\n    substack inner;\n    sufficient result success;\n"
	           "    required result error;\n}\n"
	           "stack grant {\n    substack outer;\n    required rbac;\n}\n",
	           DENIED, "    " R("requisite result deny", "deny -> die"),
	           "  " R("sufficient result success", "success -> done"),
	           "  " R("required result error", "error -> bad"), RBAC_OK);
	GRANT_CASE("stack inner for grant {\n    required result deny;\n"
	           "    [success=reset default=bad] result success;\n}\n"
	           "stack outer for grant {\n    required result success;\n    substack inner;\n}\n"
	           "stack grant {\n    substack outer;\n    required rbac;\n}\n",
	           ALLOW_SCOPES, "  " R("required result success", "success -> ok"),
	           "    " R("required result deny", "deny -> bad"),
	           "    " R("[success=reset default=bad] result success", "success -> reset"),
	           RBAC_OK);
}
END_TEST

/* A chain of n named stacks s1..sn, each `CONTROL s(i+1);` and the last
 * `LAST`, under `stack grant { CONTROL s1; required rbac; }`. */
static char *chain(int n, const char *control, const char *last)
{
	struct buf b;
	int i;

	buf_init(&b);
	buf_puts(&b, BASE);
	for (i = 1; i <= n; i++) {
		if (i < n)
			buf_printf(&b, "stack s%d for grant {\n    %s s%d;\n}\n", i, control, i + 1);
		else
			buf_printf(&b, "stack s%d for grant {\n    %s;\n}\n", i, last);
	}
	buf_printf(&b, "stack grant {\n    %s s1;\n    required rbac;\n}\n", control);
	return buf_steal(&b);
}

START_TEST(nesting_cycles)
{
	/* A stack that includes itself. */
	base_error("stack a for grant {\n    required result success;\n    include a;\n}\n",
	           "E029 9:13 stack \"a\" includes itself");
	base_error("stack a for grant {\n    substack a;\n}\n",
	           "E029 8:14 stack \"a\" includes itself");
}
END_TEST

START_TEST(nesting_cycle_through_others)
{
	char *text = cat(BASE, "stack a for grant {\n    include b;\n}\n"
	                       "stack b for grant {\n    substack a;\n}\n");
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char *l0, *l1, *all;
	int rc;

	p = load_text(text, MODDIR, d, &rc);
	all = errors_of(d);
	ck_assert_msg(rc == WRIT_EPOLICY && !p, "loaded:\n%s", all);
	/* Each stack of the cycle includes itself, once each, at the line
	 * that closes its cycle (in either order). */
	ck_assert_msg(writ_diagnostics_count(d) == 2, "%s", all);
	l0 = diag_line(d, 0);
	l1 = diag_line(d, 1);
	if (strcmp(l0, "E029 8:13 stack \"b\" includes itself") != 0) {
		char *swap = l0;
		l0 = l1;
		l1 = swap;
	}
	ck_assert_str_eq(l0, "E029 8:13 stack \"b\" includes itself");
	ck_assert_str_eq(l1, "E029 11:14 stack \"a\" includes itself");
	free(l0);
	free(l1);
	free(all);
	writ_diagnostics_free(d);
	free(text);
}
END_TEST

/* A cycle reached from the default stack is still one error per stack of
 * the cycle, each reported once. */
START_TEST(nesting_cycle_reported_once)
{
	char *text = cat(BASE, "stack a for grant {\n    include b;\n}\n"
	                       "stack b for grant {\n    include a;\n}\n"
	                       "stack grant {\n    include a;\n}\n");
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char *all;
	size_t i, j;
	int rc;

	p = load_text(text, MODDIR, d, &rc);
	all = errors_of(d);
	ck_assert_msg(rc == WRIT_EPOLICY && !p, "loaded:\n%s", all);
	for (i = 0; i < writ_diagnostics_count(d); i++) {
		char *li = diag_line(d, i);
		ck_assert_msg(strncmp(li, "E029 ", 5) == 0, "%s", all);
		for (j = i + 1; j < writ_diagnostics_count(d); j++) {
			char *lj = diag_line(d, j);
			ck_assert_msg(strcmp(li, lj) != 0, "reported twice: %s; all:\n%s", li, all);
			free(lj);
		}
		free(li);
	}
	free(all);
	writ_diagnostics_free(d);
	free(text);
}
END_TEST

/* Stacks nest at most 16 deep (the default stack and 15 below it). */
START_TEST(nesting_depth)
{
	char *ok = chain(15, "include", "required result success");
	char *deep = chain(16, "include", "required result success");
	char *want;
	writ_policy *p = policy_ok(ok);

	expect_grant(p, NULL, ALLOW_SCOPES,
	             LINES(R("required result success", "success -> ok"), RBAC_OK));
	writ_policy_unref(p);
	/* s15's line `include s16;` is on line BASE_LINES + 3 * 15 - 1. */
	want = fmt("E029 %d:13 stacks nest deeper than 16 levels", BASE_LINES + 3 * 15 - 1);
	expect_one_error(deep, MODDIR, want);
	free(want);
	free(ok);
	free(deep);
}
END_TEST

/* Substacks nest at most 8 levels deep (E029's explanation: "or stacks
 * nest deeper than 16 levels (8 substack levels)"). */
START_TEST(substack_depth_8_runs)
{
	char *ok = chain(8, "substack", "[success=reset default=bad] result success");
	writ_policy *p = policy_ok(ok);

	/* The innermost line is at level 8 (16 spaces); its reset returns to
	 * the state all the substacks were entered with: nothing said. */
	expect_grant(p, NULL, ALLOW_SCOPES,
	             LINES("                " R("[success=reset default=bad] result success",
	                                        "success -> reset"),
	                   RBAC_OK));
	writ_policy_unref(p);
	free(ok);
}
END_TEST

START_TEST(substack_depth_9_refused)
{
	char *deep = chain(9, "substack", "required result success");
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char *all;
	int rc;

	p = load_text(deep, MODDIR, d, &rc);
	all = errors_of(d);
	/* Never run it: levels beyond the dispatcher's saved states are the
	 * reason for the limit. */
	ck_assert_msg(rc == WRIT_EPOLICY && p == NULL,
	              "9 nested substacks loaded (%s): expected E029", writ_strerror(rc));
	ck_assert_msg(writ_diagnostics_errors(d) == 1 &&
	              strcmp(writ_diagnostics_get(d, 0)->code, "E029") == 0, "%s", all);
	/* At the line that opens the 9th level: `substack s9;` in s8. */
	ck_assert_uint_eq(writ_diagnostics_get(d, 0)->line, BASE_LINES + 3 * 8 - 1);
	ck_assert_uint_eq(writ_diagnostics_get(d, 0)->column, 14);
	writ_policy_unref(p);
	free(all);
	writ_diagnostics_free(d);
	free(deep);
}
END_TEST

/* The deepest nesting check_nesting() lets through (the default stack
 * and 15 substacks) is far beyond the 8 substack levels: refused too. */
START_TEST(substack_depth_15_refused)
{
	char *deep = chain(15, "substack", "required result success");
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	char *all;
	int rc;

	p = load_text(deep, MODDIR, d, &rc);
	all = errors_of(d);
	ck_assert_msg(rc == WRIT_EPOLICY && p == NULL,
	              "15 nested substacks loaded (%s): expected E029", writ_strerror(rc));
	ck_assert_msg(writ_diagnostics_errors(d) >= 1 &&
	              strcmp(writ_diagnostics_get(d, 0)->code, "E029") == 0, "%s", all);
	writ_policy_unref(p);
	free(all);
	writ_diagnostics_free(d);
	free(deep);
}
END_TEST

START_TEST(stack_mismatch)
{
	base_error("stack grant {\n    include nowhere;\n}\n",
	           "E028 8:13 no stack named \"nowhere\" (declare it: stack nowhere for grant { ... })");
	base_error("stack acc for access {\n    required permit;\n}\n"
	           "stack grant {\n    substack acc;\n}\n",
	           "E028 11:14 stack \"acc\" is for access; this stack is for grant");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Fail closed.                                                        */
/* ------------------------------------------------------------------ */

/* A result that is none of the four is bad whatever the control. */
START_TEST(unknown_result_is_bad)
{
	GRANT_CASE("stack grant {\n    optional result 17;\n    required rbac;\n}\n",
	           DENIED, "optional result 17: fail -> bad (module returned 17, which is no result)",
	           RBAC_OK);
	GRANT_CASE("stack grant {\n    sufficient result 17;\n    required rbac;\n}\n",
	           DENIED, "sufficient result 17: fail -> bad (module returned 17, which is no result)",
	           RBAC_OK);
	GRANT_CASE("stack grant {\n    [default=ok] result 17;\n    required rbac;\n}\n",
	           DENIED, "[default=ok] result 17: fail -> bad (module returned 17, which is no result)",
	           RBAC_OK);
	GRANT_CASE("stack grant {\n    required rbac;\n    [default=ignore] result -1;\n}\n",
	           DENIED, RBAC_OK,
	           "[default=ignore] result -1: fail -> bad (module returned -1, which is no result)");
	GRANT_CASE("stack grant {\n    required rbac;\n    optional result 4;\n}\n",
	           DENIED, RBAC_OK,
	           "optional result 4: fail -> bad (module returned 4, which is no result)");
	ck_assert_int_eq(grant_status("stack grant {\n    optional result 17;\n"
	                              "    required result deny;\n}\n"),
	                 MUST_FAIL);
}
END_TEST

START_TEST(module_load_refused)
{
	base_error("stack grant {\n    required badabi;\n}\n",
	           "E031 8:14 " MODDIR "/badabi.so was built for module ABI 2.0; writ speaks 1.x");
	base_error("stack grant {\n    required misnamed;\n}\n",
	           "E031 8:14 " MODDIR "/misnamed.so does not call itself \"misnamed\" or has no decide()");
	base_error("stack grant {\n    required notamodule;\n}\n",
	           "E031 8:14 " MODDIR "/notamodule.so is not a writ module (no writ_module)");
	base_error("stack grant {\n    required nosuch;\n}\n",
	           "E031 8:14 unknown module \"nosuch\" (no nosuch.so in the module directory)");
	/* A module name is a file name in the module directory, never a path. */
	base_error("stack grant {\n    required ../.libs/result success;\n}\n",
	           "E031 8:14 unknown module \"../.libs/result\"");
	/* A stack that is never used still has its modules loaded. */
	base_error("stack unused for grant {\n    optional badabi;\n}\n",
	           "E031 8:14 " MODDIR "/badabi.so was built for module ABI 2.0; writ speaks 1.x");
}
END_TEST

/* Copy result.so into a scratch directory with mode `mode`. */
static char *module_copy(const char *dir, mode_t mode)
{
	char *to = fmt("%s/result.so", dir);
	int in = open(MODDIR "/result.so", O_RDONLY), out;
	char buf[65536];
	ssize_t n;

	ck_assert_int_ge(in, 0);
	out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(write(out, buf, (size_t)n), n);
	ck_assert_int_eq(n, 0);
	close(in);
	ck_assert_int_eq(close(out), 0);
	ck_assert_int_eq(chmod(to, mode), 0);
	return to;
}

START_TEST(module_writable_refused)
{
	static const char stacks[] = "stack grant {\n    required result success;\n    required rbac;\n}\n";
	char *dir = scratch(), *text = cat(BASE, stacks), *so, *want;
	writ_diagnostics *d = writ_diagnostics_new();
	writ_policy *p;
	int rc;

	/* 0644: loads and runs. */
	so = module_copy(dir, 0644);
	p = load_text(text, dir, d, &rc);
	ck_assert_int_eq(rc, WRIT_OK);
	expect_grant(p, NULL, ALLOW_SCOPES, LINES(R("required result success", "success -> ok"), RBAC_OK));
	writ_policy_unref(p);
	/* Group-writable, others-writable: refused. */
	want = fmt("E031 8:14 %s is writable by group or others: refused", so);
	ck_assert_int_eq(chmod(so, 0664), 0);
	expect_one_error(text, dir, want);
	ck_assert_int_eq(chmod(so, 0646), 0);
	expect_one_error(text, dir, want);
	ck_assert_int_eq(chmod(so, 0775), 0);
	expect_one_error(text, dir, want);
	free(want);
	ck_assert_int_eq(unlink(so), 0);
	/* Not a regular file. */
	ck_assert_int_eq(mkdir(so, 0755), 0);
	want = fmt("E031 8:14 %s is not a regular file: refused", so);
	expect_one_error(text, dir, want);
	free(want);
	ck_assert_int_eq(rmdir(so), 0);
	ck_assert_int_eq(rmdir(dir), 0);
	writ_diagnostics_free(d);
	free(so);
	free(text);
	free(dir);
}
END_TEST

START_TEST(module_bad_arguments)
{
	/* The diagnostic points at the argument at fault. */
	base_error("stack grant {\n    required result maybe;\n}\n",
	           "E030 8:21 result: \"maybe\" is no result");
	/* Or at the module when no one argument is. */
	base_error("stack grant {\n    required result;\n}\n",
	           "E030 8:14 result: result takes one argument: success, deny, ignore, error or a number");
	base_error("stack grant {\n    required permit always;\n}\n",
	           "E030 8:21 permit takes no arguments");
	base_error("stack grant {\n    required network allow=10.0.0.0/8 mask=8;\n}\n",
	           "E030 8:39 network: unknown or repeated argument \"mask=8\": "
	           "network takes allow=CIDR,... and deny=CIDR,...");
	base_error("stack grant {\n    required network;\n}\n",
	           "E030 8:14 network: network needs allow=CIDR,... or deny=CIDR,...");
	base_error("stack grant {\n    required time hours=9-17;\n}\n",
	           "E030 8:19 time: hours=9-17: write hours as 09:00-17:00");
	base_error("stack grant {\n    required time days=mon-fri hours=09:00-17:00 tz=../etc/passwd;\n}\n",
	           "E030 8:50 time: a time zone name cannot contain \"..\"");
	/* A bad argument in an argument list: the column of the list. */
	{
		char *text = cat(BASE, "stack grant {\n    required network allow=10.0.0.0/8 deny=10.0.0.0/33;\n}\n");
		writ_diagnostics *d = writ_diagnostics_new();
		writ_policy *p = load_text(text, MODDIR, d, &(int){ 0 });
		const struct writ_diagnostic *g = writ_diagnostics_get(d, 0);

		ck_assert_ptr_null(p);
		ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
		ck_assert_str_eq(g->code, "E030");
		ck_assert_uint_eq(g->line, 8);
		ck_assert_uint_eq(g->column, 39);
		ck_assert_msg(strncmp(g->message, "network: ", 9) == 0, "%s", g->message);
		writ_diagnostics_free(d);
		free(text);
	}
}
END_TEST

/* A module in a facility it does not serve. */
START_TEST(module_wrong_facility)
{
	base_error("stack grant {\n    required scope read:x;\n}\n",
	           "E030 8:14 module \"scope\" cannot stand in a grant stack");
	base_error("stack grant {\n    required secret;\n}\n",
	           "E030 8:14 module \"secret\" cannot stand in a grant stack");
	base_error("stack client {\n    required claim name=sub equals=a;\n}\n",
	           "E030 8:14 module \"claim\" cannot stand in a client stack");
	/* In a named stack for grant, too. */
	base_error("stack g for grant {\n    optional scope;\n}\n",
	           "E030 8:14 module \"scope\" cannot stand in a grant stack");
	/* "an access stack", in English. */
	base_error("stack access {\n    required rbac;\n}\n",
	           "E030 8:14 module \"rbac\" cannot stand in an access stack");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Built-in modules.                                                   */
/* ------------------------------------------------------------------ */

/* rbac is writ_grant's downscoping: requested ∩ declared ∩ held, in
 * declaration order; default scopes when nothing is requested. */
START_TEST(builtin_rbac)
{
	static const char text[] =
		"resource \"" RES "\" {\n"
		"    permission read:x;\n"
		"    permission write:x;\n"
		"    permission admin:x;\n"
		"    default-scope write:x, admin:x;\n"
		"}\n"
		"role worker for apps { grant read:x, write:x on \"" RES "\"; }\n"
		"app svc { roles worker; }\n"
		"app idle { }\n"
		"stack grant {\n    optional result deny;\n    required rbac;\n}\n";
	static const struct { const char *app, *request, *granted; } cases[] = {
		{ "svc", "read:x write:x", "read:x write:x" },
		{ "svc", "write:x read:x", "read:x write:x" },
		{ "svc", "admin:x write:x nosuch:x", "write:x" },
		{ "svc", "admin:x", "" },
		{ "svc", "", "write:x" },
		{ "svc", "  read:x  read:x ", "read:x" },
		{ "idle", "read:x write:x", "" },
	};
	writ_policy *p = policy_ok(text);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		char out[128], ref[128];
		int rc;

		rc = writ_grant_request(p, WRIT_PRINCIPAL_APP, cases[i].app, RES, cases[i].request,
		                        strlen(cases[i].request), NULL, NULL, out, sizeof(out), NULL);
		ck_assert_int_eq(rc, WRIT_OK);
		ck_assert_msg(strcmp(out, cases[i].granted) == 0, "%s \"%s\": granted \"%s\"",
		              cases[i].app, cases[i].request, out);
		rc = writ_grant(p, WRIT_PRINCIPAL_APP, cases[i].app, RES, cases[i].request,
		                strlen(cases[i].request), ref, sizeof(ref), NULL);
		ck_assert_int_eq(rc, WRIT_OK);
		ck_assert_str_eq(ref, out);
	}
	writ_policy_unref(p);
}
END_TEST

/* Without rbac in the stack nothing is granted, whatever allows. */
START_TEST(no_rbac_grants_nothing)
{
	GRANT_CASE("stack grant {\n    required permit;\n}\n", ALLOW_EMPTY,
	           "required permit: success -> ok (always)");
	GRANT_CASE("stack grant {\n    required result success;\n    sufficient permit;\n}\n",
	           ALLOW_EMPTY, R("required result success", "success -> ok"),
	           "sufficient permit: success -> done (always)");
}
END_TEST

START_TEST(builtin_permit_deny)
{
	GRANT_CASE("stack grant {\n    required permit;\n    required rbac;\n}\n", ALLOW_SCOPES,
	           "required permit: success -> ok (always)", RBAC_OK);
	GRANT_CASE("stack grant {\n    required deny;\n    required rbac;\n}\n", DENIED,
	           "required deny: deny -> bad (always)", RBAC_OK);
	GRANT_CASE("stack grant {\n    optional deny;\n    required rbac;\n}\n", ALLOW_SCOPES,
	           "optional deny: deny -> ignore (always)", RBAC_OK);
	GRANT_CASE("stack grant {\n    required rbac;\n    requisite deny;\n    required permit;\n}\n",
	           DENIED, RBAC_OK, "requisite deny: deny -> die (always)");
}
END_TEST

static void network_case(const char *stacks, const char *peer, enum outcome want,
                         const char *const *lines)
{
	struct writ_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.peer = peer;
	grant_case_req(stacks, &req, want, lines);
}

#define NET4 "requisite network allow=10.0.0.0/8,192.168.1.0/24 deny=10.1.0.0/16"
#define NET4_STACK "stack grant {\n    " NET4 ";\n    required rbac;\n}\n"

START_TEST(builtin_network_ipv4)
{
	network_case(NET4_STACK, "10.2.3.4", ALLOW_SCOPES,
	             LINES(NET4 ": success -> ok (10.2.3.4 is allowed)", RBAC_OK));
	network_case(NET4_STACK, "192.168.1.77", ALLOW_SCOPES,
	             LINES(NET4 ": success -> ok (192.168.1.77 is allowed)", RBAC_OK));
	/* The deny list wins over the allow list. */
	network_case(NET4_STACK, "10.1.2.3", DENIED,
	             LINES(NET4 ": deny -> die (10.1.2.3 is in a denied network)"));
	network_case(NET4_STACK, "192.168.2.1", DENIED,
	             LINES(NET4 ": deny -> die (192.168.2.1 is outside the allowed networks)"));
	network_case(NET4_STACK, "2001:db8::1", DENIED,
	             LINES(NET4 ": deny -> die (2001:db8::1 is outside the allowed networks)"));
	/* IPv4-mapped IPv6 counts as IPv4, for the deny list too. */
	network_case(NET4_STACK, "::ffff:10.2.3.4", ALLOW_SCOPES,
	             LINES(NET4 ": success -> ok (::ffff:10.2.3.4 is allowed)", RBAC_OK));
	network_case(NET4_STACK, "::ffff:10.1.2.3", DENIED,
	             LINES(NET4 ": deny -> die (::ffff:10.1.2.3 is in a denied network)"));
	network_case(NET4_STACK, "::FFFF:a01:203", DENIED,
	             LINES(NET4 ": deny -> die (::FFFF:a01:203 is in a denied network)"));
	/* A peer that is no address is an error. */
	network_case(NET4_STACK, "10.2.3", DENIED,
	             LINES(NET4 ": error -> die (the peer address is malformed)"));
	network_case(NET4_STACK, "10.2.3.4/32", DENIED,
	             LINES(NET4 ": error -> die (the peer address is malformed)"));
	/* Only a deny list: everything else is allowed. */
	network_case("stack grant {\n    required network deny=10.0.0.0/8;\n    required rbac;\n}\n",
	             "192.0.2.1", ALLOW_SCOPES,
	             LINES("required network deny=10.0.0.0/8: success -> ok (192.0.2.1 is allowed)",
	                   RBAC_OK));
	network_case("stack grant {\n    required network deny=10.0.0.0/8;\n    required rbac;\n}\n",
	             "10.9.9.9", DENIED,
	             LINES("required network deny=10.0.0.0/8: deny -> bad (10.9.9.9 is in a denied network)",
	                   RBAC_OK));
	/* A mapped prefix in the list is an IPv4 prefix. */
	network_case("stack grant {\n    required network allow=::ffff:10.0.0.0/104;\n    required rbac;\n}\n",
	             "10.200.1.1", ALLOW_SCOPES,
	             LINES("required network allow=::ffff:10.0.0.0/104: success -> ok (10.200.1.1 is allowed)",
	                   RBAC_OK));
}
END_TEST

#define NET6 "requisite network allow=2001:db8::/32 deny=2001:db8:bad::/48"
#define NET6_STACK "stack grant {\n    " NET6 ";\n    required rbac;\n}\n"

START_TEST(builtin_network_ipv6)
{
	network_case(NET6_STACK, "2001:db8:1::5", ALLOW_SCOPES,
	             LINES(NET6 ": success -> ok (2001:db8:1::5 is allowed)", RBAC_OK));
	network_case(NET6_STACK, "2001:DB8:0:0:0:0:0:1", ALLOW_SCOPES,
	             LINES(NET6 ": success -> ok (2001:DB8:0:0:0:0:0:1 is allowed)", RBAC_OK));
	network_case(NET6_STACK, "2001:db8:bad::1", DENIED,
	             LINES(NET6 ": deny -> die (2001:db8:bad::1 is in a denied network)"));
	network_case(NET6_STACK, "2001:db9::1", DENIED,
	             LINES(NET6 ": deny -> die (2001:db9::1 is outside the allowed networks)"));
	network_case(NET6_STACK, "10.0.0.1", DENIED,
	             LINES(NET6 ": deny -> die (10.0.0.1 is outside the allowed networks)"));
	network_case(NET6_STACK, "::ffff:10.0.0.1", DENIED,
	             LINES(NET6 ": deny -> die (::ffff:10.0.0.1 is outside the allowed networks)"));
}
END_TEST

/* No peer is an error: requisite denies, optional ignores it. */
START_TEST(builtin_network_no_peer)
{
	struct writ_request req;

	network_case(NET4_STACK, NULL, DENIED,
	             LINES(NET4 ": error -> die (the peer address is unknown)"));
	grant_case_req(NET4_STACK, NULL, DENIED,
	               LINES(NET4 ": error -> die (the peer address is unknown)"));
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	grant_case_req("stack grant {\n    optional network allow=10.0.0.0/8;\n    required rbac;\n}\n",
	               &req, ALLOW_SCOPES,
	               LINES("optional network allow=10.0.0.0/8: error -> ignore (the peer address is unknown)",
	                     RBAC_OK));
	/* Alone, an optional error leaves nothing said. */
	grant_case_req("stack grant {\n    optional network allow=10.0.0.0/8;\n}\n",
	               &req, DENIED,
	               LINES("optional network allow=10.0.0.0/8: error -> ignore (the peer address is unknown)"));
}
END_TEST

static void time_case(const char *line, double now, enum outcome want, const char *trace1)
{
	struct writ_request req;
	char *stacks = fmt("stack grant {\n    %s;\n    required rbac;\n}\n", line);

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.now = now;
	/* required: the time line never ends the stack, rbac always runs. */
	grant_case_req(stacks, &req, want, LINES(trace1, RBAC_OK));
	free(stacks);
}

#define OFFICE "required time days=mon-fri hours=09:00-17:00 tz=Europe/Paris"
#define IN(t) OFFICE ": success -> ok (local time " t " is inside the window)"
#define OUT(t) OFFICE ": deny -> bad (local time " t " is outside the window)"

/* Instants from the calendar (CET = UTC+1 in November, CEST = UTC+2 in
 * July 2026; 2026-11-23 and 2026-07-06 are Mondays). */
START_TEST(builtin_time_window)
{
	time_case(OFFICE, 1795420740, DENIED, OUT("2026-11-23 08:59"));      /* 07:59Z */
	time_case(OFFICE, 1795420800, ALLOW_SCOPES, IN("2026-11-23 09:00")); /* 08:00Z */
	time_case(OFFICE, 1795449540, ALLOW_SCOPES, IN("2026-11-23 16:59")); /* 15:59Z */
	time_case(OFFICE, 1795449600, DENIED, OUT("2026-11-23 17:00"));      /* 16:00Z */
	/* A Friday afternoon that is inside the hours in UTC, not in Paris. */
	time_case(OFFICE, 1795797000, DENIED, OUT("2026-11-27 17:30"));      /* 16:30Z */
	/* Saturday noon: inside the hours, outside the days. */
	time_case(OFFICE, 1795863600, DENIED, OUT("2026-11-28 12:00"));      /* 11:00Z */
	/* Summer time. */
	time_case(OFFICE, 1783321140, DENIED, OUT("2026-07-06 08:59"));      /* 06:59Z */
	time_case(OFFICE, 1783323000, ALLOW_SCOPES, IN("2026-07-06 09:30")); /* 07:30Z */
	time_case(OFFICE, 1783351800, DENIED, OUT("2026-07-06 17:30"));      /* 15:30Z */
}
END_TEST

#define NIGHT "required time hours=22:00-06:00 tz=Europe/Paris"
#define NIN(t) NIGHT ": success -> ok (local time " t " is inside the window)"
#define NOUT(t) NIGHT ": deny -> bad (local time " t " is outside the window)"

/* A window that wraps midnight. */
START_TEST(builtin_time_wraps_midnight)
{
	time_case(NIGHT, 1795467540, DENIED, NOUT("2026-11-23 21:59"));      /* 20:59Z */
	time_case(NIGHT, 1795467600, ALLOW_SCOPES, NIN("2026-11-23 22:00")); /* 21:00Z */
	time_case(NIGHT, 1795476600, ALLOW_SCOPES, NIN("2026-11-24 00:30")); /* 23:30Z */
	time_case(NIGHT, 1795496340, ALLOW_SCOPES, NIN("2026-11-24 05:59")); /* 04:59Z */
	time_case(NIGHT, 1795496400, DENIED, NOUT("2026-11-24 06:00"));      /* 05:00Z */
	time_case(NIGHT, 1795518000, DENIED, NOUT("2026-11-24 12:00"));      /* 11:00Z */
}
END_TEST

START_TEST(builtin_time_bad_zone)
{
	char *text = cat(BASE, "stack grant {\n    required time days=mon-fri tz=Mars/Olympus;\n}\n");
	writ_diagnostics *d = writ_diagnostics_new();
	const struct writ_diagnostic *g;
	writ_policy *p;
	int rc;

	p = load_text(text, MODDIR, d, &rc);
	ck_assert_int_eq(rc, WRIT_EPOLICY);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(writ_diagnostics_errors(d), 1);
	g = writ_diagnostics_get(d, 0);
	ck_assert_str_eq(g->code, "E030");
	ck_assert_uint_eq(g->line, 8);
	ck_assert_uint_eq(g->column, 32);
	ck_assert_str_eq(g->message, "time: unknown time zone Mars/Olympus "
	                             "(no file /usr/share/zoneinfo/Mars/Olympus)");
	writ_diagnostics_free(d);
	free(text);
}
END_TEST

/* ---- access: claim and scope, with verified tokens ---- */

#define PAY "https://payment.example.com/api"

struct access_env {
	struct test_key key;
	writ_verifier *v;
	double now;
};

static void access_env_init(struct access_env *e)
{
	writ_keyset *keys;

	test_key_init(&e->key, JWS_ES256, "k1");
	keys = test_keyset(&e->key, 1);
	e->now = TEST_NOW;
	e->v = test_verifier(keys, &e->now);
	writ_keyset_unref(keys);
}

static void access_env_free(struct access_env *e)
{
	writ_verifier_free(e->v);
	test_key_free(&e->key);
}

/* Claims for TEST_ISSUER / TEST_AUDIENCE at TEST_NOW; scope NULL: none. */
static char *claims_for(const char *sub, const char *scope, const char *extra)
{
	char *s = fmt("{\"iss\":\"%s\",\"aud\":\"%s\",\"sub\":\"%s\",\"client_id\":\"cart-service\","
	              "\"iat\":%.0f,\"exp\":%.0f,\"jti\":\"j1\"%s%s%s%s}",
	              TEST_ISSUER, TEST_AUDIENCE, sub, TEST_NOW - 10, TEST_NOW + 600,
	              scope ? ",\"scope\":\"" : "", scope ? scope : "", scope ? "\"" : "",
	              extra ? extra : "");
	return s;
}

/* writ_access on PAY with a token of these claims; checks the result and
 * the trace. */
static void expect_access(const writ_policy *p, struct access_env *e, const char *claims,
                          int want, const char *const *lines)
{
	char *hdr = test_header(&e->key), *tok = test_token(&e->key, hdr, claims);
	writ_token *t = writ_token_new();
	writ_trace *tr = writ_trace_new();
	int rc;

	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(tr);
	rc = writ_verify(e->v, tok, strlen(tok), t);
	ck_assert_msg(rc == WRIT_OK, "token refused: %s", writ_token_reason(t));
	rc = writ_access(p, PAY, t, NULL, tr);
	expect_trace(tr, want == WRIT_OK ? "allow" : "deny", lines);
	ck_assert_int_eq(rc, want);
	writ_trace_free(tr);
	writ_token_free(t);
	free(tok);
	free(hdr);
}

static writ_policy *access_policy(const char *stack_lines)
{
	char *text = fmt("resource \"" PAY "\" {\n"
	                 "    permission read:payment;\n"
	                 "    permission write:payment;\n"
	                 "    stack access {\n%s    }\n"
	                 "}\n"
	                 "role r for apps { grant read:payment, write:payment on \"" PAY "\"; }\n"
	                 "app cart-service { roles r; }\n",
	                 stack_lines);
	writ_policy *p = policy_ok(text);

	free(text);
	return p;
}

#define CLAIM_IN "required claim name=sub in=a,b"

START_TEST(builtin_claim)
{
	struct access_env e;
	writ_policy *p = access_policy("        " CLAIM_IN ";\n");
	writ_policy *q = access_policy("        required claim name=tenant equals=acme;\n");
	static const struct { const char *sub; int want; const char *line; } in_cases[] = {
		{ "a", WRIT_OK, CLAIM_IN ": success -> ok (claim sub is one of the allowed values)" },
		{ "b", WRIT_OK, CLAIM_IN ": success -> ok (claim sub is one of the allowed values)" },
		{ "c", WRIT_EDENIED, CLAIM_IN ": deny -> bad (claim sub has another value)" },
		{ "ab", WRIT_EDENIED, CLAIM_IN ": deny -> bad (claim sub has another value)" },
		{ "a,b", WRIT_EDENIED, CLAIM_IN ": deny -> bad (claim sub has another value)" },
		{ "A", WRIT_EDENIED, CLAIM_IN ": deny -> bad (claim sub has another value)" },
	};
	static const struct { const char *extra; int want; const char *line; } eq_cases[] = {
		{ ",\"tenant\":\"acme\"", WRIT_OK,
		  "required claim name=tenant equals=acme: success -> ok (claim tenant is one of the allowed values)" },
		{ ",\"tenant\":\"acme2\"", WRIT_EDENIED,
		  "required claim name=tenant equals=acme: deny -> bad (claim tenant has another value)" },
		{ NULL, WRIT_EDENIED,
		  "required claim name=tenant equals=acme: deny -> bad (claim tenant is absent or not a string)" },
		{ ",\"tenant\":7", WRIT_EDENIED,
		  "required claim name=tenant equals=acme: deny -> bad (claim tenant is absent or not a string)" },
		{ ",\"tenant\":[\"acme\"]", WRIT_EDENIED,
		  "required claim name=tenant equals=acme: deny -> bad (claim tenant is absent or not a string)" },
	};
	size_t i;

	access_env_init(&e);
	for (i = 0; i < ARRAY_SIZE(in_cases); i++) {
		char *c = claims_for(in_cases[i].sub, "read:payment", NULL);
		expect_access(p, &e, c, in_cases[i].want, LINES(in_cases[i].line));
		free(c);
	}
	for (i = 0; i < ARRAY_SIZE(eq_cases); i++) {
		char *c = claims_for("cart-service", "read:payment", eq_cases[i].extra);
		expect_access(q, &e, c, eq_cases[i].want, LINES(eq_cases[i].line));
		free(c);
	}
	writ_policy_unref(p);
	writ_policy_unref(q);
	access_env_free(&e);
}
END_TEST

START_TEST(builtin_claim_arguments)
{
	static const char head[] = "resource \"" PAY "\" {\n    permission read:payment;\n"
	                           "    stack access {\n";
	char *t;

	t = fmt("%s        required claim name=sub equals=a,b;\n    }\n}\n", head);
	expect_one_error(t, MODDIR,
	                 "E030 4:33 claim: equals= takes one value; use in=A,B for several");
	free(t);
	t = fmt("%s        required claim name=sub;\n    }\n}\n", head);
	expect_one_error(t, MODDIR,
	                 "E030 4:18 claim: claim needs name=CLAIM and in=V1,V2 (or equals=V)");
	free(t);
	t = fmt("%s        required claim name=sub in=a,,b;\n    }\n}\n", head);
	expect_one_error(t, MODDIR, "E030 4:18 claim: an empty value in \"a,,b\"");
	free(t);
}
END_TEST

#define SCOPE2 "required scope read:payment write:payment"

START_TEST(builtin_scope)
{
	struct access_env e;
	writ_policy *p = access_policy("        " SCOPE2 ";\n");
	char *c;

	access_env_init(&e);
	c = claims_for("cart-service", "write:payment read:payment", NULL);
	expect_access(p, &e, c, WRIT_OK,
	              LINES(SCOPE2 ": success -> ok (every required scope is granted)"));
	free(c);
	c = claims_for("cart-service", "read:payment", NULL);
	expect_access(p, &e, c, WRIT_EDENIED,
	              LINES(SCOPE2 ": deny -> bad (insufficient scope: write:payment is not granted)"));
	free(c);
	c = claims_for("cart-service", "write:payment", NULL);
	expect_access(p, &e, c, WRIT_EDENIED,
	              LINES(SCOPE2 ": deny -> bad (insufficient scope: read:payment is not granted)"));
	free(c);
	/* Matching is exact. */
	c = claims_for("cart-service", "read:payment write:payments", NULL);
	expect_access(p, &e, c, WRIT_EDENIED,
	              LINES(SCOPE2 ": deny -> bad (insufficient scope: write:payment is not granted)"));
	free(c);
	writ_policy_unref(p);
	/* No scope claim at all: never allowed. */
	{
		writ_token *t = writ_token_new();
		writ_policy *q = access_policy("        " SCOPE2 ";\n");
		char *hdr = test_header(&e.key), *tok;

		c = claims_for("cart-service", NULL, NULL);
		tok = test_token(&e.key, hdr, c);
		ck_assert_int_eq(writ_verify(e.v, tok, strlen(tok), t), WRIT_OK);
		ck_assert_int_eq(writ_access(q, PAY, t, NULL, NULL), WRIT_EDENIED);
		writ_token_free(t);
		writ_policy_unref(q);
		free(tok);
		free(hdr);
		free(c);
	}
	access_env_free(&e);
}
END_TEST

/* Access stacks: claim and scope together, as PAM would run them. */
START_TEST(access_stack_controls)
{
	struct access_env e;
	writ_policy *p = access_policy("        requisite scope write:payment;\n"
	                               "        sufficient claim name=sub equals=admin;\n"
	                               "        required claim name=sub in=cart-service,billing;\n");
	char *c;

	access_env_init(&e);
	c = claims_for("admin", "write:payment", NULL);
	expect_access(p, &e, c, WRIT_OK,
	              LINES("requisite scope write:payment: success -> ok (every required scope is granted)",
	                    "sufficient claim name=sub equals=admin: success -> done (claim sub is one of the allowed values)"));
	free(c);
	c = claims_for("billing", "write:payment", NULL);
	expect_access(p, &e, c, WRIT_OK,
	              LINES("requisite scope write:payment: success -> ok (every required scope is granted)",
	                    "sufficient claim name=sub equals=admin: deny -> ignore (claim sub has another value)",
	                    "required claim name=sub in=cart-service,billing: success -> ok (claim sub is one of the allowed values)"));
	free(c);
	c = claims_for("admin", "read:payment", NULL);
	expect_access(p, &e, c, WRIT_EDENIED,
	              LINES("requisite scope write:payment: deny -> die (insufficient scope: write:payment is not granted)"));
	free(c);
	writ_policy_unref(p);
	access_env_free(&e);
}
END_TEST

/* ---- client: secret ---- */

/* The demo secret of policies/payment.writ, whose hash is shipped there. */
#define DEMO_SECRET "demo-cart-secret"
#define DEMO_HASH "$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4"
#define SECRET_DEFAULT "required secret (built-in default)"

static int authenticate(const writ_policy *p, const char *client, const char *secret, double now,
                        writ_trace *tr)
{
	struct writ_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.secret = secret;
	req.secret_len = secret ? strlen(secret) : 0;
	req.now = now;
	return writ_authenticate(p, client, &req, tr);
}

START_TEST(builtin_secret_shipped)
{
	const char *paths[1] = { SRCDIR "/policies/payment.writ" };
	struct writ_load_options o;
	writ_trace *tr = writ_trace_new();
	writ_policy *p = NULL;

	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.module_dir = MODDIR;
	ck_assert_int_eq(writ_policy_load_ex(paths, 1, &o, NULL, &p), WRIT_OK);
	ck_assert_int_eq(authenticate(p, "cart-service", DEMO_SECRET, 0, tr), WRIT_OK);
	expect_trace(tr, "allow", LINES(SECRET_DEFAULT ": success -> ok (the secret matches)"));
	ck_assert_int_eq(authenticate(p, "cart-service", "demo-cart-secreT", 0, tr), WRIT_EDENIED);
	expect_trace(tr, "deny", LINES(SECRET_DEFAULT ": deny -> bad (the secret does not match)"));
	ck_assert_int_eq(authenticate(p, "cart-service", "", 0, tr), WRIT_EDENIED);
	expect_trace(tr, "deny", LINES(SECRET_DEFAULT ": deny -> bad (the secret does not match)"));
	ck_assert_int_eq(authenticate(p, "cart-service", NULL, 0, tr), WRIT_EDENIED);
	expect_trace(tr, "deny", LINES(SECRET_DEFAULT ": deny -> bad (no client secret presented)"));
	ck_assert_int_eq(writ_authenticate(p, "cart-service", NULL, tr), WRIT_EDENIED);
	expect_trace(tr, "deny", LINES(SECRET_DEFAULT ": deny -> bad (no client secret presented)"));
	/* An app without any secret. */
	ck_assert_int_eq(authenticate(p, "reconciliation", DEMO_SECRET, 0, tr), WRIT_EDENIED);
	expect_trace(tr, "deny", LINES(SECRET_DEFAULT ": deny -> bad (the secret does not match)"));
	/* An unknown client. */
	ck_assert_int_eq(authenticate(p, "nobody", DEMO_SECRET, 0, tr), WRIT_ENOPRINCIPAL);
	writ_trace_free(tr);
	writ_policy_unref(p);
}
END_TEST

/* Rotation: the demo secret expires at 2026-06-01T00:00:00Z
 * (1780272000); a new one has no expiry. */
START_TEST(builtin_secret_rotation)
{
	char *new_hash = NULL, *text;
	writ_trace *tr = writ_trace_new();
	writ_policy *p;

	ck_assert_int_eq(writ_secret_hash("new-cart-secret", 15, &new_hash), WRIT_OK);
	text = fmt("resource \"" RES "\" { permission read:x; }\n"
	           "app cart-service {\n"
	           "    secret \"%s\" expires \"2026-06-01T00:00:00Z\";\n"
	           "    secret \"%s\";\n"
	           "}\n"
	           "stack client {\n    required secret;\n}\n",
	           DEMO_HASH, new_hash);
	p = policy_ok(text);
	/* Before the expiry both work. */
	ck_assert_int_eq(authenticate(p, "cart-service", DEMO_SECRET, 1780271999, tr), WRIT_OK);
	expect_trace(tr, "allow", LINES("required secret: success -> ok (the secret matches)"));
	ck_assert_int_eq(authenticate(p, "cart-service", "new-cart-secret", 1780271999, NULL), WRIT_OK);
	/* After it only the new one. */
	ck_assert_int_eq(authenticate(p, "cart-service", DEMO_SECRET, 1780272001, tr), WRIT_EDENIED);
	expect_trace(tr, "deny",
	             LINES("required secret: deny -> bad (the secret does not match an unexpired one)"));
	ck_assert_int_eq(authenticate(p, "cart-service", "new-cart-secret", 1780272001, tr), WRIT_OK);
	expect_trace(tr, "allow", LINES("required secret: success -> ok (the secret matches)"));
	ck_assert_int_eq(authenticate(p, "cart-service", "wrong", 1780272001, NULL), WRIT_EDENIED);
	ck_assert_int_eq(authenticate(p, "nobody", "new-cart-secret", 1780272001, NULL),
	                 WRIT_ENOPRINCIPAL);
	writ_trace_free(tr);
	writ_policy_unref(p);
	free(text);
	free(new_hash);
}
END_TEST

/* A client stack with more than secret. */
START_TEST(client_stack)
{
	char *text = fmt("resource \"" RES "\" { permission read:x; }\n"
	                 "app cart-service { secret \"%s\"; }\n"
	                 "stack client {\n    requisite network allow=10.0.0.0/8;\n    required secret;\n}\n",
	                 DEMO_HASH);
	writ_policy *p = policy_ok(text);
	writ_trace *tr = writ_trace_new();
	struct writ_request req;

	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.secret = DEMO_SECRET;
	req.secret_len = strlen(DEMO_SECRET);
	req.peer = "192.0.2.1";
	ck_assert_int_eq(writ_authenticate(p, "cart-service", &req, tr), WRIT_EDENIED);
	expect_trace(tr, "deny",
	             LINES("requisite network allow=10.0.0.0/8: deny -> die (192.0.2.1 is outside the allowed networks)"));
	req.peer = "10.0.0.7";
	ck_assert_int_eq(writ_authenticate(p, "cart-service", &req, tr), WRIT_OK);
	expect_trace(tr, "allow",
	             LINES("requisite network allow=10.0.0.0/8: success -> ok (10.0.0.7 is allowed)",
	                   "required secret: success -> ok (the secret matches)"));
	writ_trace_free(tr);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Which stack runs.                                                   */
/* ------------------------------------------------------------------ */

#define TWO_RESOURCES                                                      \
	"resource \"https://a.example.com\" {\n"                           \
	"    permission read:x;\n"                                         \
	"%s"                                                               \
	"}\n"                                                              \
	"resource \"https://b.example.com\" {\n"                           \
	"    permission read:x;\n"                                         \
	"}\n"                                                              \
	"role w for apps { grant read:x on \"https://a.example.com\", \"https://b.example.com\"; }\n" \
	"app svc { roles w; }\n"                                           \
	"%s"

static void expect_grant_on(const writ_policy *p, const char *resource, int want_rc,
                            const char *want_out, const char *const *lines)
{
	writ_trace *tr = writ_trace_new();
	char out[64];
	int rc;

	rc = writ_grant_request(p, WRIT_PRINCIPAL_APP, "svc", resource, "read:x", 6, NULL, tr, out,
	                        sizeof(out), NULL);
	expect_trace(tr, want_rc == WRIT_OK ? "allow" : "deny", lines);
	ck_assert_int_eq(rc, want_rc);
	ck_assert_str_eq(out, want_out);
	writ_trace_free(tr);
}

/* A resource's stack replaces the top-level one for that resource only. */
START_TEST(resource_stack_overrides)
{
	char *text = fmt(TWO_RESOURCES, "    stack grant {\n        required deny;\n    }\n",
	                 "stack grant {\n    required rbac;\n}\n");
	writ_policy *p = policy_ok(text);

	expect_grant_on(p, "https://a.example.com", WRIT_EDENIED, "",
	                LINES("required deny: deny -> bad (always)"));
	expect_grant_on(p, "https://b.example.com", WRIT_OK, "read:x", LINES(RBAC_OK));
	writ_policy_unref(p);
	free(text);
	/* The other way round; the top-level stack declared first. */
	text = fmt("stack grant {\n    required deny;\n}\n" TWO_RESOURCES,
	           "    stack grant {\n        optional result deny;\n        required rbac;\n    }\n", "");
	p = policy_ok(text);
	expect_grant_on(p, "https://a.example.com", WRIT_OK, "read:x",
	                LINES(R("optional result deny", "deny -> ignore"), RBAC_OK));
	expect_grant_on(p, "https://b.example.com", WRIT_EDENIED, "",
	                LINES("required deny: deny -> bad (always)"));
	writ_policy_unref(p);
	free(text);
	/* Without a top-level stack, the other resource has the built-in one. */
	text = fmt(TWO_RESOURCES, "    stack grant {\n        required deny;\n    }\n", "");
	p = policy_ok(text);
	expect_grant_on(p, "https://a.example.com", WRIT_EDENIED, "",
	                LINES("required deny: deny -> bad (always)"));
	expect_grant_on(p, "https://b.example.com", WRIT_OK, "read:x",
	                LINES("required rbac (built-in default): success -> ok (" RBAC_REASON ")"));
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* The stacks as writ_stack_count/writ_stack_line give them: what each
 * resource runs, the top-level one at -1, substacks indented. */
START_TEST(stack_lines_public)
{
	char *text = fmt(TWO_RESOURCES,
	                 "    stack grant {\n        required rbac;\n        substack extra;\n    }\n",
	                 "stack extra for grant {\n    optional permit;\n}\n"
	                 "stack access {\n    requisite network allow=10.0.0.0/8;\n"
	                 "    include more;\n}\n"
	                 "stack more for access {\n    required scope;\n}\n");
	writ_policy *p = policy_ok(text);
	long a = writ_resource_find(p, "https://a.example.com");
	long b = writ_resource_find(p, "https://b.example.com");

	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	/* a's own grant stack, the substack's line one level deeper. */
	ck_assert_uint_eq(writ_stack_count(p, a, WRIT_FACILITY_GRANT), 3);
	ck_assert_str_eq(writ_stack_line(p, a, WRIT_FACILITY_GRANT, 0), "required rbac");
	ck_assert_str_eq(writ_stack_line(p, a, WRIT_FACILITY_GRANT, 1), "substack extra");
	ck_assert_str_eq(writ_stack_line(p, a, WRIT_FACILITY_GRANT, 2), "  optional permit");
	ck_assert_ptr_null(writ_stack_line(p, a, WRIT_FACILITY_GRANT, 3));
	/* b has none: the built-in one, as at the top level. */
	ck_assert_uint_eq(writ_stack_count(p, b, WRIT_FACILITY_GRANT), 1);
	ck_assert_str_eq(writ_stack_line(p, b, WRIT_FACILITY_GRANT, 0),
	                 "required rbac (built-in default)");
	ck_assert_str_eq(writ_stack_line(p, -1, WRIT_FACILITY_GRANT, 0),
	                 "required rbac (built-in default)");
	/* The declared top-level access stack, its include inlined, for both. */
	ck_assert_uint_eq(writ_stack_count(p, a, WRIT_FACILITY_ACCESS), 2);
	ck_assert_str_eq(writ_stack_line(p, b, WRIT_FACILITY_ACCESS, 0),
	                 "requisite network allow=10.0.0.0/8");
	ck_assert_str_eq(writ_stack_line(p, -1, WRIT_FACILITY_ACCESS, 1), "required scope");
	/* The client stack is the top-level one whatever the resource. */
	ck_assert_str_eq(writ_stack_line(p, a, WRIT_FACILITY_CLIENT, 0),
	                 "required secret (built-in default)");
	/* Out of range: nothing. */
	ck_assert_uint_eq(writ_stack_count(p, -2, WRIT_FACILITY_GRANT), 0);
	ck_assert_uint_eq(writ_stack_count(p, 2, WRIT_FACILITY_GRANT), 0);
	ck_assert_uint_eq(writ_stack_count(p, a, (enum writ_facility)0), 0);
	ck_assert_uint_eq(writ_stack_count(p, a, (enum writ_facility)4), 0);
	ck_assert_uint_eq(writ_stack_count(NULL, a, WRIT_FACILITY_GRANT), 0);
	ck_assert_ptr_null(writ_stack_line(p, 2, WRIT_FACILITY_GRANT, 0));
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* An empty stack in a resource replaces the top-level one too: nothing
 * says yes there, so it denies (it does not fall back to the top level). */
START_TEST(resource_empty_stack_denies)
{
	char *text = fmt(TWO_RESOURCES, "    stack grant {\n    }\n",
	                 "stack grant {\n    required rbac;\n}\n");
	writ_policy *p = policy_ok(text);

	expect_grant_on(p, "https://a.example.com", WRIT_EDENIED, "", NO_LINES);
	expect_grant_on(p, "https://b.example.com", WRIT_OK, "read:x", LINES(RBAC_OK));
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* Without any stack: grant = rbac, access = scope, client = secret. */
START_TEST(builtin_defaults)
{
	char *text = fmt("resource \"" PAY "\" {\n    permission read:payment;\n"
	                 "    permission write:payment;\n}\n"
	                 "role r for apps { grant write:payment on \"" PAY "\"; }\n"
	                 "app cart-service { roles r; secret \"%s\"; }\n",
	                 DEMO_HASH);
	writ_policy *p = policy_ok(text);
	writ_trace *tr = writ_trace_new();
	struct access_env e;
	char out[64], *c;

	ck_assert_int_eq(writ_grant_request(p, WRIT_PRINCIPAL_APP, "cart-service", PAY,
	                                    "read:payment write:payment", 26, NULL, tr, out,
	                                    sizeof(out), NULL),
	                 WRIT_OK);
	ck_assert_str_eq(out, "write:payment");
	expect_trace(tr, "allow",
	             LINES("required rbac (built-in default): success -> ok (" RBAC_REASON ")"));
	ck_assert_int_eq(authenticate(p, "cart-service", DEMO_SECRET, 0, tr), WRIT_OK);
	expect_trace(tr, "allow", LINES(SECRET_DEFAULT ": success -> ok (the secret matches)"));
	access_env_init(&e);
	c = claims_for("cart-service", "write:payment", NULL);
	expect_access(p, &e, c, WRIT_OK,
	              LINES("required scope (built-in default): success -> ok (nothing required)"));
	free(c);
	access_env_free(&e);
	writ_trace_free(tr);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Narrowing a grant.                                                  */
/* ------------------------------------------------------------------ */

/*
 * No built-in or test module narrows a grant, and a policy cannot name an
 * in-process module. So the test puts one in place of a compiled line (the
 * internal table: the line `required permit`, which has no state), and
 * drives writ_context_scope_granted / writ_context_scope_remove through
 * writ_grant_request, writ_access and writ_authenticate.
 */
static struct {
	int facility;
	int read_before, write_before, nosuch_before;
	int rc_remove, rc_remove_unknown;
	int read_after, write_after;
} seen;

static int narrow_decide(const void *state, const writ_context *ctx, char *reason, size_t n)
{
	(void)state;
	seen.facility = (int)writ_context_facility(ctx);
	seen.read_before = writ_context_scope_granted(ctx, "read:x");
	seen.write_before = writ_context_scope_granted(ctx, "write:x");
	seen.nosuch_before = writ_context_scope_granted(ctx, "nosuch:x");
	seen.rc_remove = writ_context_scope_remove(ctx, "read:x");
	seen.rc_remove_unknown = writ_context_scope_remove(ctx, "nosuch:x");
	seen.read_after = writ_context_scope_granted(ctx, "read:x");
	seen.write_after = writ_context_scope_granted(ctx, "write:x");
	snprintf(reason, n, "narrowed");
	return WRIT_MODULE_SUCCESS;
}

static const struct writ_module mod_narrow = {
	WRIT_MODULE_TAG, WRIT_MODULE_ABI, "narrow",
	(1u << WRIT_FACILITY_CLIENT) | (1u << WRIT_FACILITY_GRANT) | (1u << WRIT_FACILITY_ACCESS),
	NULL, narrow_decide, NULL,
};

/* Put mod_narrow in place of line i of a stack (a `permit` line). */
static void swap_in_narrow(writ_policy *p, size_t slot, uint32_t i)
{
	struct t_line *l = &p->stacks[slot].lines[i];

	ck_assert_ptr_eq(l->module, module_builtin("permit"));
	ck_assert_ptr_null(l->state);
	l->module = &mod_narrow;
}

START_TEST(narrowing_grant)
{
	writ_policy *p = base_ok("stack grant {\n    required rbac;\n    required permit;\n"
	                         "    optional result ignore;\n}\n");
	writ_policy *q = base_ok("stack grant {\n    required permit;\n    required rbac;\n}\n");

	/* After rbac: the module sees rbac's grant and removes read:x. */
	swap_in_narrow(p, WRIT_FACILITY_GRANT, 1);
	memset(&seen, 0, sizeof(seen));
	{
		writ_trace *tr = writ_trace_new();
		char out[64];

		ck_assert_int_eq(writ_grant_request(p, WRIT_PRINCIPAL_APP, "svc", RES, "read:x write:x",
		                                    14, NULL, tr, out, sizeof(out), NULL),
		                 WRIT_OK);
		ck_assert_str_eq(out, "write:x");
		expect_trace(tr, "allow", LINES(RBAC_OK, "required permit: success -> ok (narrowed)",
		                                R("optional result ignore", "ignore -> ignore")));
		/* What each line put in and took out, for writ explain. */
		ck_assert_str_eq(writ_trace_added(tr, 0), "read:x write:x");
		ck_assert_str_eq(writ_trace_removed(tr, 0), "");
		ck_assert_str_eq(writ_trace_added(tr, 1), "");
		ck_assert_str_eq(writ_trace_removed(tr, 1), "read:x");
		ck_assert_str_eq(writ_trace_added(tr, 2), "");
		ck_assert_str_eq(writ_trace_removed(tr, 2), "");
		ck_assert_ptr_null(writ_trace_added(tr, 3));
		ck_assert_ptr_null(writ_trace_removed(tr, 3));
		writ_trace_free(tr);
	}
	ck_assert_int_eq(seen.facility, WRIT_FACILITY_GRANT);
	ck_assert_int_eq(seen.read_before, 1);
	ck_assert_int_eq(seen.write_before, 1);
	ck_assert_int_eq(seen.nosuch_before, 0);
	ck_assert_int_eq(seen.rc_remove, WRIT_OK);
	ck_assert_int_eq(seen.rc_remove_unknown, WRIT_OK);
	ck_assert_int_eq(seen.read_after, 0);
	ck_assert_int_eq(seen.write_after, 1);
	/* Only what was requested and held is ever there. */
	memset(&seen, 0, sizeof(seen));
	{
		char out[64];
		ck_assert_int_eq(writ_grant_request(p, WRIT_PRINCIPAL_APP, "svc", RES, "write:x", 7,
		                                    NULL, NULL, out, sizeof(out), NULL),
		                 WRIT_OK);
		ck_assert_str_eq(out, "write:x");
		ck_assert_int_eq(seen.read_before, 0);
		ck_assert_int_eq(seen.write_before, 1);
	}
	/* Before rbac: nothing is granted yet. */
	swap_in_narrow(q, WRIT_FACILITY_GRANT, 0);
	memset(&seen, 0, sizeof(seen));
	{
		char out[64];
		ck_assert_int_eq(writ_grant_request(q, WRIT_PRINCIPAL_APP, "svc", RES, "read:x write:x",
		                                    14, NULL, NULL, out, sizeof(out), NULL),
		                 WRIT_OK);
		ck_assert_int_eq(seen.read_before, 0);
		ck_assert_int_eq(seen.write_before, 0);
	}
	writ_policy_unref(p);
	writ_policy_unref(q);
}
END_TEST

/* Outside the grant facility there is no granted set to touch. */
START_TEST(narrowing_other_facilities)
{
	char *text = fmt("resource \"" PAY "\" {\n    permission read:payment;\n"
	                 "    stack access {\n        required permit;\n    }\n}\n"
	                 "app cart-service { secret \"%s\"; }\n"
	                 "stack client {\n    required permit;\n}\n",
	                 DEMO_HASH);
	writ_policy *p = policy_ok(text);
	struct access_env e;
	char *c;

	swap_in_narrow(p, WRIT_FACILITY_CLIENT, 0);
	swap_in_narrow(p, (size_t)(0 + 1) * 4 + WRIT_FACILITY_ACCESS, 0);
	memset(&seen, 0, sizeof(seen));
	ck_assert_int_eq(authenticate(p, "cart-service", "anything", 0, NULL), WRIT_OK);
	ck_assert_int_eq(seen.facility, WRIT_FACILITY_CLIENT);
	ck_assert_int_eq(seen.read_before, 0);
	ck_assert_int_eq(seen.rc_remove, WRIT_EINVAL);
	ck_assert_int_eq(seen.rc_remove_unknown, WRIT_EINVAL);
	access_env_init(&e);
	c = claims_for("cart-service", "read:payment", NULL);
	memset(&seen, 0, sizeof(seen));
	expect_access(p, &e, c, WRIT_OK, LINES("required permit: success -> ok (narrowed)"));
	ck_assert_int_eq(seen.facility, WRIT_FACILITY_ACCESS);
	ck_assert_int_eq(seen.read_before, 0);
	ck_assert_int_eq(seen.rc_remove, WRIT_EINVAL);
	free(c);
	access_env_free(&e);
	writ_policy_unref(p);
	free(text);
}
END_TEST

/* ------------------------------------------------------------------ */

static Suite *suite(void)
{
	Suite *s = suite_create("stack");
	TCase *controls = tcase_create("controls");
	TCase *classic = tcase_create("classic");
	TCase *actions = tcase_create("actions");
	TCase *nesting = tcase_create("nesting");
	TCase *closed = tcase_create("fail_closed");
	TCase *builtin = tcase_create("builtin");
	TCase *access = tcase_create("access");
	TCase *client = tcase_create("client");
	TCase *which = tcase_create("which_stack");
	TCase *narrow = tcase_create("narrowing");

	tcase_add_loop_test(controls, control_by_result, 0, (int)ARRAY_SIZE(table));
	suite_add_tcase(s, controls);

	tcase_add_test(classic, sufficient_after_required_failure);
	tcase_add_test(classic, requisite_stops_at_once);
	tcase_add_test(classic, optional_alone_decides);
	tcase_add_test(classic, optional_next_to_required_success);
	tcase_add_test(classic, only_ignore_fails);
	tcase_add_test(classic, first_failure_status_kept);
	suite_add_tcase(s, classic);

	tcase_add_test(actions, action_done);
	tcase_add_test(actions, action_die);
	tcase_add_test(actions, action_reset);
	tcase_add_test(actions, action_jump);
	tcase_add_test(actions, jump_over_substack);
	tcase_add_test(actions, jump_past_end);
	tcase_add_test(actions, action_ignore);
	tcase_add_test(actions, action_default_unnamed_only);
	tcase_add_test(actions, action_unnamed_bad);
	tcase_add_test(actions, action_ok_on_ignore);
	tcase_add_test(actions, action_repeated_default);
	tcase_add_test(actions, action_syntax_errors);
	suite_add_tcase(s, actions);

	tcase_add_test(nesting, include_done_ends_all);
	tcase_add_test(nesting, substack_done_stays_inside);
	tcase_add_test(nesting, substack_die_stays_inside);
	tcase_add_test(nesting, substack_reset_restores_entry);
	tcase_add_test(nesting, substack_nested);
	tcase_add_test(nesting, nesting_cycles);
	tcase_add_test(nesting, nesting_cycle_through_others);
	tcase_add_test(nesting, nesting_cycle_reported_once);
	tcase_add_test(nesting, nesting_depth);
	tcase_add_test(nesting, substack_depth_8_runs);
	tcase_add_test(nesting, substack_depth_9_refused);
	tcase_add_test(nesting, substack_depth_15_refused);
	tcase_add_test(nesting, stack_mismatch);
	suite_add_tcase(s, nesting);

	tcase_add_test(closed, unknown_result_is_bad);
	tcase_add_test(closed, module_load_refused);
	tcase_add_test(closed, module_writable_refused);
	tcase_add_test(closed, module_bad_arguments);
	tcase_add_test(closed, module_wrong_facility);
	suite_add_tcase(s, closed);

	tcase_add_test(builtin, builtin_rbac);
	tcase_add_test(builtin, no_rbac_grants_nothing);
	tcase_add_test(builtin, builtin_permit_deny);
	tcase_add_test(builtin, builtin_network_ipv4);
	tcase_add_test(builtin, builtin_network_ipv6);
	tcase_add_test(builtin, builtin_network_no_peer);
	tcase_add_test(builtin, builtin_time_window);
	tcase_add_test(builtin, builtin_time_wraps_midnight);
	tcase_add_test(builtin, builtin_time_bad_zone);
	suite_add_tcase(s, builtin);

	tcase_add_test(access, builtin_claim);
	tcase_add_test(access, builtin_claim_arguments);
	tcase_add_test(access, builtin_scope);
	tcase_add_test(access, access_stack_controls);
	suite_add_tcase(s, access);

	/* scrypt (ln=15) is slow, the more so under the sanitizers. */
	tcase_set_timeout(client, 120);
	tcase_add_test(client, builtin_secret_shipped);
	tcase_add_test(client, builtin_secret_rotation);
	tcase_add_test(client, client_stack);
	suite_add_tcase(s, client);

	tcase_set_timeout(which, 60);
	tcase_add_test(which, resource_stack_overrides);
	tcase_add_test(which, resource_empty_stack_denies);
	tcase_add_test(which, builtin_defaults);
	suite_add_tcase(s, which);

	tcase_set_timeout(narrow, 60);
	tcase_add_test(narrow, narrowing_grant);
	tcase_add_test(narrow, stack_lines_public);
	tcase_add_test(narrow, narrowing_other_facilities);
	suite_add_tcase(s, narrow);
	return s;
}

int main(void)
{
	return run_suite(suite());
}
