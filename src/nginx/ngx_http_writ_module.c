/*
 * ngx_http_writ_module: nginx decides each request by a writ policy
 * itself, in its access phase, with libwrit linked in. The decision is
 * writ_gateway_authorize(), the one `writ serve` answers GET /authz with,
 * so the statuses and challenges are the same without a subrequest.
 *
 *   load_module modules/ngx_http_writ_module.so;
 *   http {
 *       writ_policy /etc/writ/policy.d;
 *       server {
 *           location /payments {
 *               writ          on;
 *               writ_resource https://payment.example.com/api;
 *               proxy_set_header X-Writ-Client $writ_client_id;
 *               proxy_pass    http://payments;
 *           }
 *       }
 *   }
 *
 * The policy is loaded and the gateway made in the master while the
 * configuration is read (so `nginx -t` prints the policy's diagnostics),
 * the JWKS refresh thread started in each worker; a reload makes new ones,
 * and the old cycle's pool frees the old ones. ngx_http_writ_module(8).
 */
#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <pthread.h>
#include <signal.h>

#include <writ.h>

typedef struct {
	writ_policy *policy;
	writ_gateway *gateway;
	/* One per process: a worker decides one request at a time. */
	writ_decision *decision;
	ngx_int_t cache; /* writ_cache: verified tokens kept per resource */
	/* Where writ_policy is, for the errors found after it was read. */
	ngx_str_t policy_file;
	ngx_uint_t policy_line;
} ngx_http_writ_main_conf_t;

typedef struct {
	ngx_flag_t enable;
	/* The resource indicator, NUL-terminated; NULL: the policy's default
	 * resource. NGX_CONF_UNSET_PTR until merged; once merged with `writ
	 * on`, the policy's own copy of the indicator. */
	const char *resource;
} ngx_http_writ_loc_conf_t;

/* A main request's decision. It outlives internal redirects (which empty
 * the module contexts) by living in a pool cleanup, as realip's does. */
typedef struct {
	const char *resource; /* the location's resource it was made for */
	ngx_int_t rc;         /* NGX_OK, or the status returned */
	ngx_str_t client_id;  /* the variables: data NULL when absent */
	ngx_str_t subject;
	ngx_str_t scope;
	ngx_table_elt_t *challenge; /* the WWW-Authenticate it added, or NULL */
} ngx_http_writ_ctx_t;

static ngx_int_t ngx_http_writ_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_writ_init(ngx_conf_t *cf);
static void *ngx_http_writ_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_writ_init_main_conf(ngx_conf_t *cf, void *conf);
static void *ngx_http_writ_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_writ_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_writ_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_writ_resource(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_writ_init_module(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_writ_init_process(ngx_cycle_t *cycle);
static void ngx_http_writ_exit_process(ngx_cycle_t *cycle);
static ngx_int_t ngx_http_writ_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
                                        uintptr_t data);

/* The gateway of the running configuration: on a reload the new one takes
 * over the JWKS its URLs gave (writ_gateway_options.previous). Set once a
 * cycle is wholly configured (init_module), so that a reload whose
 * configuration fails leaves it pointing at the one still in use. */
static writ_gateway *ngx_http_writ_running;

/* nginx's tables, laid out as nginx lays them out. */
/* clang-format off */
static ngx_conf_num_bounds_t ngx_http_writ_cache_bounds = {
	ngx_conf_check_num_bounds, 1, 1048576
};

static ngx_command_t ngx_http_writ_commands[] = {
	{ ngx_string("writ_policy"), NGX_HTTP_MAIN_CONF | NGX_CONF_1MORE, ngx_http_writ_policy,
	  NGX_HTTP_MAIN_CONF_OFFSET, 0, NULL },
	{ ngx_string("writ_cache"), NGX_HTTP_MAIN_CONF | NGX_CONF_TAKE1, ngx_conf_set_num_slot,
	  NGX_HTTP_MAIN_CONF_OFFSET, offsetof(ngx_http_writ_main_conf_t, cache),
	  &ngx_http_writ_cache_bounds },
	{ ngx_string("writ"),
	  NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_FLAG,
	  ngx_conf_set_flag_slot, NGX_HTTP_LOC_CONF_OFFSET,
	  offsetof(ngx_http_writ_loc_conf_t, enable), NULL },
	{ ngx_string("writ_resource"),
	  NGX_HTTP_MAIN_CONF | NGX_HTTP_SRV_CONF | NGX_HTTP_LOC_CONF | NGX_CONF_TAKE1,
	  ngx_http_writ_resource, NGX_HTTP_LOC_CONF_OFFSET, 0, NULL },
	ngx_null_command
};

static ngx_http_module_t ngx_http_writ_module_ctx = {
	ngx_http_writ_add_variables,    /* preconfiguration */
	ngx_http_writ_init,             /* postconfiguration */
	ngx_http_writ_create_main_conf, /* create main configuration */
	ngx_http_writ_init_main_conf,   /* init main configuration */
	NULL,                           /* create server configuration */
	NULL,                           /* merge server configuration */
	ngx_http_writ_create_loc_conf,  /* create location configuration */
	ngx_http_writ_merge_loc_conf    /* merge location configuration */
};

ngx_module_t ngx_http_writ_module = {
	NGX_MODULE_V1,
	&ngx_http_writ_module_ctx,   /* module context */
	ngx_http_writ_commands,      /* module directives */
	NGX_HTTP_MODULE,             /* module type */
	NULL,                        /* init master */
	ngx_http_writ_init_module,   /* init module */
	ngx_http_writ_init_process,  /* init process */
	NULL,                        /* init thread */
	NULL,                        /* exit thread */
	ngx_http_writ_exit_process,  /* exit process */
	NULL,                        /* exit master */
	NGX_MODULE_V1_PADDING
};

static ngx_http_variable_t ngx_http_writ_vars[] = {
	{ ngx_string("writ_client_id"), NULL, ngx_http_writ_variable,
	  offsetof(ngx_http_writ_ctx_t, client_id), NGX_HTTP_VAR_NOCACHEABLE, 0 },
	{ ngx_string("writ_subject"), NULL, ngx_http_writ_variable,
	  offsetof(ngx_http_writ_ctx_t, subject), NGX_HTTP_VAR_NOCACHEABLE, 0 },
	{ ngx_string("writ_scope"), NULL, ngx_http_writ_variable,
	  offsetof(ngx_http_writ_ctx_t, scope), NGX_HTTP_VAR_NOCACHEABLE, 0 },
	ngx_http_null_variable
};
/* clang-format on */

/* ------------------------------------------------------------------------
 * Configuration.
 * ------------------------------------------------------------------------ */

/* Free the gateway (stopping its thread), no longer the running one. */
static void ngx_http_writ_free_gateway(ngx_http_writ_main_conf_t *mcf)
{
	if (mcf->gateway == ngx_http_writ_running)
		ngx_http_writ_running = NULL;
	writ_gateway_free(mcf->gateway);
	mcf->gateway = NULL;
}

static void ngx_http_writ_cleanup(void *data)
{
	ngx_http_writ_main_conf_t *mcf = data;

	ngx_http_writ_free_gateway(mcf);
	writ_decision_free(mcf->decision);
	mcf->decision = NULL;
	writ_policy_unref(mcf->policy);
	mcf->policy = NULL;
}

static void *ngx_http_writ_create_main_conf(ngx_conf_t *cf)
{
	ngx_http_writ_main_conf_t *mcf;
	ngx_pool_cleanup_t *cln;

	mcf = ngx_pcalloc(cf->pool, sizeof(*mcf));
	if (mcf == NULL)
		return NULL;
	mcf->cache = NGX_CONF_UNSET;
	/* Registered before anything is made, so that a configuration that
	 * fails half way frees what it made with the cycle's pool. */
	cln = ngx_pool_cleanup_add(cf->pool, 0);
	if (cln == NULL)
		return NULL;
	cln->handler = ngx_http_writ_cleanup;
	cln->data = mcf;
	return mcf;
}

/* Report a load's diagnostics as nginx reports configuration errors, each
 * rendered as `writ lint` renders it: errors as emerg, the rest as warn. */
static void ngx_http_writ_log_diagnostics(ngx_conf_t *cf, const writ_diagnostics *diags)
{
	const struct writ_diagnostic *d;
	ngx_uint_t level;
	size_t i, len;
	char *text;

	for (i = 0; i < writ_diagnostics_count(diags); i++) {
		d = writ_diagnostics_get(diags, i);
		level = d->severity == WRIT_SEVERITY_ERROR ? NGX_LOG_EMERG : NGX_LOG_WARN;
		text = writ_diagnostic_render(diags, i);
		if (text == NULL) {
			ngx_conf_log_error(level, cf, 0, "%s:%ui:%ui: %s", d->file,
			                   (ngx_uint_t)d->line, (ngx_uint_t)d->column, d->message);
			continue;
		}
		len = ngx_strlen(text);
		while (len > 0 && text[len - 1] == '\n')
			len--;
		/* nginx ends the message with " in FILE:LINE" of the directive. */
		ngx_conf_log_error(level, cf, 0, "%*s\n      = loaded by \"writ_policy\"", len,
		                   text);
		free(text);
	}
}

/* writ_policy PATH...: one policy from these files and directories,
 * relative to nginx's configuration prefix. */
static char *ngx_http_writ_policy(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
	ngx_http_writ_main_conf_t *mcf = conf;
	ngx_str_t *value = cf->args->elts;
	ngx_uint_t i, n = cf->args->nelts - 1;
	writ_diagnostics *diags;
	const char **paths;
	char *path;
	int rc;

	if (mcf->policy != NULL)
		return "is duplicate";
	paths = ngx_palloc(cf->pool, n * sizeof(*paths));
	if (paths == NULL)
		return NGX_CONF_ERROR;
	for (i = 0; i < n; i++) {
		if (ngx_conf_full_name(cf->cycle, &value[i + 1], 1) != NGX_OK)
			return NGX_CONF_ERROR;
		path = ngx_pnalloc(cf->pool, value[i + 1].len + 1);
		if (path == NULL)
			return NGX_CONF_ERROR;
		ngx_cpystrn((u_char *)path, value[i + 1].data, value[i + 1].len + 1);
		paths[i] = path;
	}
	mcf->policy_file = cf->conf_file->file.name;
	mcf->policy_line = cf->conf_file->line;
	diags = writ_diagnostics_new();
	if (diags == NULL)
		return NGX_CONF_ERROR;
	rc = writ_policy_load(paths, n, 0, diags, &mcf->policy);
	ngx_http_writ_log_diagnostics(cf, diags);
	if (rc != WRIT_OK && writ_diagnostics_errors(diags) == 0)
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "writ_policy: %s", writ_strerror(rc));
	writ_diagnostics_free(diags);
	return rc == WRIT_OK ? NGX_CONF_OK : NGX_CONF_ERROR;
}

/* Log what is found about the policy once the http block is read as
 * ngx_conf_log_error() would, but with the place of writ_policy. */
static void ngx_http_writ_log_policy(ngx_conf_t *cf, ngx_uint_t level,
                                     const ngx_http_writ_main_conf_t *mcf, const char *what,
                                     const char *detail)
{
	ngx_log_error(level, cf->log, 0, "writ_policy: %s%s%s in %V:%ui", what, detail ? ": " : "",
	              detail ? detail : "", &mcf->policy_file, mcf->policy_line);
}

/* The gateway for the whole http block, once writ_cache is known too. */
static char *ngx_http_writ_init_main_conf(ngx_conf_t *cf, void *conf)
{
	ngx_http_writ_main_conf_t *mcf = conf;
	struct writ_gateway_options opt;
	const char *why;
	u_char name[512];
	char err[512];
	ngx_uint_t i;
	int rc;

	if (mcf->policy == NULL)
		return NGX_CONF_OK;
	ngx_memzero(&opt, sizeof(opt));
	opt.size = sizeof(opt);
	opt.previous = ngx_http_writ_running;
	opt.cache_entries = mcf->cache == NGX_CONF_UNSET ? 0 : (size_t)mcf->cache;
	/* `nginx -t` and `nginx -s` read the configuration but decide
	 * nothing: they read the JWKS files but fetch no URL. */
	if (ngx_test_config || ngx_process == NGX_PROCESS_SIGNALLER)
		opt.flags |= WRIT_GATEWAY_NO_FETCH;
	err[0] = '\0';
	rc = writ_gateway_new(mcf->policy, &opt, &mcf->gateway, err, sizeof(err));
	if (rc != WRIT_OK) {
		ngx_http_writ_log_policy(cf, NGX_LOG_EMERG, mcf, err[0] ? err : writ_strerror(rc),
		                         NULL);
		return NGX_CONF_ERROR;
	}
	if (writ_gateway_issuer_count(mcf->gateway) == 0)
		ngx_http_writ_log_policy(cf, NGX_LOG_WARN, mcf,
		                         "the policy trusts no issuer: "
		                         "every request that needs a token will be refused",
		                         NULL);
	for (i = 0; i < writ_gateway_issuer_count(mcf->gateway); i++) {
		why = writ_gateway_issuer_error(mcf->gateway, i, err, sizeof(err));
		if (why == NULL)
			continue;
		*ngx_snprintf(name, sizeof(name) - 1, "trusted issuer %s",
		              writ_gateway_issuer(mcf->gateway, i)) = '\0';
		ngx_http_writ_log_policy(cf, NGX_LOG_WARN, mcf, (const char *)name, why);
	}
	mcf->decision = writ_decision_new();
	if (mcf->decision == NULL)
		return NGX_CONF_ERROR;
	return NGX_CONF_OK;
}

/* writ_resource URI: NUL-terminated for libwrit. */
static char *ngx_http_writ_resource(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
	ngx_http_writ_loc_conf_t *lcf = conf;
	ngx_http_writ_main_conf_t *mcf;
	ngx_str_t *value = cf->args->elts;
	char *resource;

	if (lcf->resource != NGX_CONF_UNSET_PTR)
		return "is duplicate";
	if (value[1].len == 0 || ngx_strlen(value[1].data) != value[1].len)
		return "needs a resource indicator";
	resource = ngx_pnalloc(cf->pool, value[1].len + 1);
	if (resource == NULL)
		return NGX_CONF_ERROR;
	ngx_cpystrn((u_char *)resource, value[1].data, value[1].len + 1);
	lcf->resource = resource;
	/* Checked here when the policy is already loaded, for the error to
	 * name this line; else when the locations are merged. */
	mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_writ_module);
	if (mcf->policy != NULL && writ_resource_find(mcf->policy, resource) < 0) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		                   "writ_resource \"%s\" is not a resource of the policy",
		                   resource);
		return NGX_CONF_ERROR;
	}
	return NGX_CONF_OK;
}

static void *ngx_http_writ_create_loc_conf(ngx_conf_t *cf)
{
	ngx_http_writ_loc_conf_t *lcf;

	lcf = ngx_pcalloc(cf->pool, sizeof(*lcf));
	if (lcf == NULL)
		return NULL;
	lcf->enable = NGX_CONF_UNSET;
	lcf->resource = NGX_CONF_UNSET_PTR;
	return lcf;
}

/* A location that decides must name a resource the policy has: checked
 * here, so that `nginx -t` finds the mistake, not the first request. */
static char *ngx_http_writ_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
	ngx_http_writ_loc_conf_t *prev = parent, *conf = child;
	ngx_http_writ_main_conf_t *mcf;

	ngx_conf_merge_value(conf->enable, prev->enable, 0);
	ngx_conf_merge_ptr_value(conf->resource, prev->resource, NULL);
	if (!conf->enable)
		return NGX_CONF_OK;
	mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_writ_module);
	if (mcf->policy == NULL) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		                   "\"writ on\" needs a \"writ_policy\" in the http block");
		return NGX_CONF_ERROR;
	}
	if (conf->resource != NULL && writ_resource_find(mcf->policy, conf->resource) < 0) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		                   "writ_resource \"%s\" is not a resource of the policy",
		                   conf->resource);
		return NGX_CONF_ERROR;
	}
	if (conf->resource == NULL && writ_resource_default(mcf->policy) < 0) {
		ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
		                   "\"writ on\" needs a \"writ_resource\": "
		                   "the policy has no default resource");
		return NGX_CONF_ERROR;
	}
	/* The policy's own copy of the indicator, which lives as long as the
	 * configuration: locations of one resource then share one pointer,
	 * and a request redirected between them is decided once. */
	conf->resource = writ_resource_indicator(
		mcf->policy, (size_t)(conf->resource ? writ_resource_find(mcf->policy, conf->resource)
		                                     : writ_resource_default(mcf->policy)));
	return NGX_CONF_OK;
}

static ngx_int_t ngx_http_writ_init_module(ngx_cycle_t *cycle)
{
	ngx_http_writ_main_conf_t *mcf;

	mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_writ_module);
	ngx_http_writ_running = mcf ? mcf->gateway : NULL;
	return NGX_OK;
}

/*
 * The refresh thread, in the processes that decide requests only (not the
 * cache manager's). It must take no signal: one delivered to it would not
 * wake the worker's event loop, and a reload or a stop would wait for the
 * next event. The thread inherits the mask of the thread that creates it.
 */
static ngx_int_t ngx_http_writ_init_process(ngx_cycle_t *cycle)
{
	ngx_http_writ_main_conf_t *mcf;
	sigset_t all, old;
	int rc, err;

	if (ngx_process != NGX_PROCESS_WORKER && ngx_process != NGX_PROCESS_SINGLE)
		return NGX_OK;
	mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_writ_module);
	if (mcf == NULL || mcf->gateway == NULL)
		return NGX_OK;
	sigfillset(&all);
	err = pthread_sigmask(SIG_BLOCK, &all, &old);
	if (err != 0) {
		ngx_log_error(NGX_LOG_ALERT, cycle->log, err, "writ: pthread_sigmask() failed");
		return NGX_ERROR;
	}
	rc = writ_gateway_start(mcf->gateway);
	err = pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		ngx_log_error(NGX_LOG_ALERT, cycle->log, err, "writ: pthread_sigmask() failed");
		return NGX_ERROR;
	}
	if (rc != WRIT_OK) {
		/* Keys read from files still verify; URLs are not refreshed. */
		ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
		              "writ: the JWKS refresh thread did not start: %s", writ_strerror(rc));
	}
	return NGX_OK;
}

/* Stop the refresh thread before the worker exits. */
static void ngx_http_writ_exit_process(ngx_cycle_t *cycle)
{
	ngx_http_writ_main_conf_t *mcf;

	mcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_writ_module);
	if (mcf != NULL)
		ngx_http_writ_free_gateway(mcf);
}

static ngx_int_t ngx_http_writ_add_variables(ngx_conf_t *cf)
{
	ngx_http_variable_t *var, *v;

	for (v = ngx_http_writ_vars; v->name.len; v++) {
		var = ngx_http_add_variable(cf, &v->name, v->flags);
		if (var == NULL)
			return NGX_ERROR;
		var->get_handler = v->get_handler;
		var->data = v->data;
	}
	return NGX_OK;
}

static ngx_int_t ngx_http_writ_handler(ngx_http_request_t *r);

static ngx_int_t ngx_http_writ_init(ngx_conf_t *cf)
{
	ngx_http_core_main_conf_t *cmcf;
	ngx_http_handler_pt *h;

	cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);
	h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
	if (h == NULL)
		return NGX_ERROR;
	*h = ngx_http_writ_handler;
	return NGX_OK;
}

/* ------------------------------------------------------------------------
 * Requests.
 * ------------------------------------------------------------------------ */

static void ngx_http_writ_ctx_cleanup(void *data)
{
	(void)data;
}

/* The main request's decision, found again after an internal redirect. */
static ngx_http_writ_ctx_t *ngx_http_writ_get_ctx(ngx_http_request_t *r)
{
	ngx_http_writ_ctx_t *ctx;
	ngx_pool_cleanup_t *cln;

	ctx = ngx_http_get_module_ctx(r, ngx_http_writ_module);
	if (ctx != NULL || !r->internal)
		return ctx;
	for (cln = r->pool->cleanup; cln; cln = cln->next) {
		if (cln->handler == ngx_http_writ_ctx_cleanup) {
			ctx = cln->data;
			ngx_http_set_ctx(r, ctx, ngx_http_writ_module);
			return ctx;
		}
	}
	return NULL;
}

static ngx_http_writ_ctx_t *ngx_http_writ_new_ctx(ngx_http_request_t *r)
{
	ngx_http_writ_ctx_t *ctx;
	ngx_pool_cleanup_t *cln;

	cln = ngx_pool_cleanup_add(r->pool, sizeof(*ctx));
	if (cln == NULL)
		return NULL;
	ctx = cln->data;
	ngx_memzero(ctx, sizeof(*ctx));
	cln->handler = ngx_http_writ_ctx_cleanup;
	ngx_http_set_ctx(r, ctx, ngx_http_writ_module);
	return ctx;
}

/* A copy in the request's pool of a claim for a variable, which may go
 * into a header: only printable ASCII is kept (as `writ serve` does for
 * X-Writ-*), anything else leaves the variable empty, so that no claim can
 * end a header line (RFC 9110 section 5.5: CR, LF and NUL are invalid). */
static ngx_int_t ngx_http_writ_keep(ngx_http_request_t *r, ngx_str_t *dst, const char *src)
{
	size_t i, len;

	dst->data = NULL;
	dst->len = 0;
	if (src == NULL)
		return NGX_OK;
	len = ngx_strlen(src);
	for (i = 0; i < len; i++)
		if ((u_char)src[i] < 0x20 || (u_char)src[i] > 0x7e)
			return NGX_OK;
	dst->data = ngx_pnalloc(r->pool, len);
	if (dst->data == NULL)
		return NGX_ERROR;
	ngx_memcpy(dst->data, src, len);
	dst->len = len;
	return NGX_OK;
}

/* A NUL-terminated copy of s in the request's pool. */
static char *ngx_http_writ_strz(ngx_http_request_t *r, const ngx_str_t *s)
{
	char *z;

	z = ngx_pnalloc(r->pool, s->len + 1);
	if (z == NULL)
		return NULL;
	ngx_memcpy(z, s->data, s->len);
	z[s->len] = '\0';
	return z;
}

/* The refusal's WWW-Authenticate (RFC 6750 section 3), set as auth_basic
 * sets its own: through headers_out.www_authenticate, which nginx keeps on
 * its error page and drops when `satisfy any` lets another module allow
 * the request. */
static ngx_int_t ngx_http_writ_challenge(ngx_http_request_t *r, ngx_http_writ_ctx_t *ctx,
                                         const char *challenge)
{
	ngx_table_elt_t *h;

	if (challenge == NULL)
		return NGX_OK;
	h = ngx_list_push(&r->headers_out.headers);
	if (h == NULL)
		return NGX_ERROR;
	h->hash = 1;
#if (nginx_version >= 1023000)
	h->next = NULL;
#endif
	ngx_str_set(&h->key, "WWW-Authenticate");
	h->value.len = ngx_strlen(challenge);
	h->value.data = ngx_pnalloc(r->pool, h->value.len);
	if (h->value.data == NULL)
		return NGX_ERROR;
	ngx_memcpy(h->value.data, challenge, h->value.len);
	r->headers_out.www_authenticate = h;
	ctx->challenge = h;
	return NGX_OK;
}

/* Decide the request into ctx: ctx->rc is NGX_OK, the status to refuse
 * with, or NGX_HTTP_INTERNAL_SERVER_ERROR. */
static void ngx_http_writ_decide(ngx_http_request_t *r, ngx_http_writ_main_conf_t *mcf,
                                 const char *resource, ngx_http_writ_ctx_t *ctx)
{
	writ_decision *d = mcf->decision;
	const char *method, *target, *authorization = NULL;
	struct writ_request req;
	const writ_token *t;
	const char *error, *description;
	int rc;

	/* After an internal redirect to another resource's location, nothing
	 * of the first decision is left: its variables, its challenge. */
	if (ctx->challenge != NULL)
		ctx->challenge->hash = 0;
	ngx_memzero(ctx, sizeof(*ctx));
	ctx->resource = resource;
	ctx->rc = NGX_HTTP_INTERNAL_SERVER_ERROR;
	ngx_memzero(&req, sizeof(req));
	req.size = sizeof(req);
	method = ngx_http_writ_strz(r, &r->method_name);
	target = ngx_http_writ_strz(r, &r->unparsed_uri);
	req.peer = ngx_http_writ_strz(r, &r->connection->addr_text);
	if (r->headers_in.authorization != NULL)
		authorization = ngx_http_writ_strz(r, &r->headers_in.authorization->value);
	if (method == NULL || target == NULL || req.peer == NULL ||
	    (r->headers_in.authorization != NULL && authorization == NULL))
		return;

	rc = writ_gateway_authorize(mcf->gateway, resource, method, target, authorization, &req, d);
	ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0, "writ: decided: %d, status %ui",
	               rc, (ngx_uint_t)writ_decision_status(d));
	if (rc != WRIT_OK) {
		ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
		              "writ: the request could not be decided: %s", writ_strerror(rc));
		return;
	}
	if (writ_decision_allowed(d)) {
		t = writ_decision_token(d);
		if (t != NULL &&
		    (ngx_http_writ_keep(r, &ctx->client_id, writ_token_client_id(t)) != NGX_OK ||
		     ngx_http_writ_keep(r, &ctx->subject, writ_token_subject(t)) != NGX_OK ||
		     ngx_http_writ_keep(r, &ctx->scope, writ_token_scope(t)) != NGX_OK))
			return;
		ctx->rc = NGX_OK;
		return;
	}
	/* Never the token: the description is writ's phrase, which may quote
	 * the method and the normalized path only. */
	error = writ_decision_error(d);
	description = writ_decision_description(d);
	ngx_log_error(NGX_LOG_INFO, r->connection->log, 0, "writ: refused with %ui%s%s%s%s",
	              (ngx_uint_t)writ_decision_status(d), error ? " " : "", error ? error : "",
	              description ? ": " : "", description ? description : "");
	if (ngx_http_writ_challenge(r, ctx, writ_decision_challenge(d)) != NGX_OK)
		return;
	ctx->rc = (ngx_int_t)writ_decision_status(d);
}

/*
 * The access phase handler. Subrequests never come here (nginx runs the
 * access phase for main requests only); an internal redirect to a location
 * of the same resource gets the decision already made.
 */
static ngx_int_t ngx_http_writ_handler(ngx_http_request_t *r)
{
	ngx_http_writ_loc_conf_t *lcf;
	ngx_http_writ_main_conf_t *mcf;
	ngx_http_writ_ctx_t *ctx;

	lcf = ngx_http_get_module_loc_conf(r, ngx_http_writ_module);
	if (!lcf->enable)
		return NGX_DECLINED;
	mcf = ngx_http_get_module_main_conf(r, ngx_http_writ_module);
	if (mcf->gateway == NULL)
		return NGX_HTTP_INTERNAL_SERVER_ERROR;
	ctx = ngx_http_writ_get_ctx(r);
	if (ctx != NULL && ctx->resource == lcf->resource) {
		ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
		               "writ: decided already: %i", ctx->rc);
		return ctx->rc;
	}
	if (ctx == NULL) {
		ctx = ngx_http_writ_new_ctx(r);
		if (ctx == NULL)
			return NGX_HTTP_INTERNAL_SERVER_ERROR;
	}
	ngx_http_writ_decide(r, mcf, lcf->resource, ctx);
	return ctx->rc;
}

/* $writ_client_id, $writ_subject, $writ_scope: the token's claims when the
 * main request was allowed through a token, else empty. */
static ngx_int_t ngx_http_writ_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
                                        uintptr_t data)
{
	ngx_http_writ_ctx_t *ctx;
	ngx_str_t *s;

	ctx = ngx_http_writ_get_ctx(r->main);
	s = ctx != NULL && ctx->rc == NGX_OK ? (ngx_str_t *)((u_char *)ctx + data) : NULL;
	if (s == NULL || s->data == NULL) {
		v->not_found = 1;
		return NGX_OK;
	}
	v->len = s->len;
	v->valid = 1;
	v->no_cacheable = 0;
	v->not_found = 0;
	v->data = s->data;
	return NGX_OK;
}
