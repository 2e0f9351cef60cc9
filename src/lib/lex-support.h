/*
 * lex-support.h: what the generated scanner and parser call. Kept out of
 * the grammar files so that this code is compiled with warnings as errors.
 */
#ifndef WRIT_LEX_SUPPORT_H
#define WRIT_LEX_SUPPORT_H

#include "parse.h"
#include "policy.h"

/* ---- scanner ---- */
void lex_advance(struct parse_state *ps, POLICY_YYLTYPE *loc, const char *text,
                 size_t len);
bool lex_text(struct parse_state *ps, struct ast_text *out, const char *text,
              size_t len, const POLICY_YYLTYPE *loc);
void lex_string_begin(struct parse_state *ps, const POLICY_YYLTYPE *loc);
bool lex_string_end(struct parse_state *ps, struct ast_text *out,
                    POLICY_YYLTYPE *loc);
void lex_bad_char(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                  const char *text, size_t len);
void lex_escape(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                const char *text);
void lex_escape_pair(struct parse_state *ps, const char *text);
void lex_bad_escape(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                    const char *text, size_t len);
void lex_control_in_string(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                           const char *text);
void lex_unterminated(struct parse_state *ps);
/* A comment, from its '#' to the end of the line: maybe a directive. */
void lex_comment(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                 const char *text, size_t len);
/* The keyword 'secret' was read: a secret may follow. */
void lex_secret_keyword(struct parse_state *ps);
/* Place the end of the file right after the last token. */
void lex_end_of_file(struct parse_state *ps, POLICY_YYLTYPE *loc);

/* ---- parser ---- */
struct ast_text lex_keyword_text(struct parse_state *ps, const char *kw,
                                 const POLICY_YYLTYPE *loc);
void lex_put_token_text(struct parse_state *ps, struct buf *b);
void lex_syntax_error(struct parse_state *ps, const POLICY_YYLTYPE *loc,
                      const char *msg);

void parse_include(struct parse_state *ps, const struct ast_text *path);
void parse_issuer_begin(struct parse_state *ps, const struct ast_text *url);
void parse_signing_key(struct parse_state *ps, const struct ast_text *path,
                       struct ast_ref *options);
void parse_trust_begin(struct parse_state *ps, const struct ast_text *id);
void parse_trust_algorithms(struct parse_state *ps, struct ast_ref *list,
                            const POLICY_YYLTYPE *kw);
void parse_resource_begin(struct parse_state *ps, const struct ast_text *ind);
void parse_resource_default(struct parse_state *ps, const POLICY_YYLTYPE *loc);
void parse_resource_default_scope(struct parse_state *ps, struct ast_ref *list,
                                  const POLICY_YYLTYPE *loc);
void parse_permission(struct parse_state *ps, const struct ast_text *name,
                      const struct ast_text *description);
void parse_route_rule(struct parse_state *ps, enum ast_route_rule rule,
                      struct ast_ref *perms, const POLICY_YYLTYPE *kw);
void parse_route(struct parse_state *ps, struct ast_ref *methods,
                 const struct ast_text *tmpl, const POLICY_YYLTYPE *kw);
void parse_unrouted(struct parse_state *ps, const struct ast_text *value,
                    const POLICY_YYLTYPE *kw);
void parse_role_begin(struct parse_state *ps, const struct ast_text *name,
                      enum ast_kind kind);
void parse_grant(struct parse_state *ps, struct ast_ref *perms,
                 struct ast_ref *resources, const POLICY_YYLTYPE *loc);
void parse_principal_begin(struct parse_state *ps, enum ast_kind kind,
                           const struct ast_text *id);
const char *parse_principal_noun(const struct parse_state *ps);
void parse_secret(struct parse_state *ps, const struct ast_text *hash,
                  const struct ast_text *expires);
void parse_roles(struct parse_state *ps, struct ast_ref *roles);
/* Set a block's setting once: field, and key the span of its keyword. */
void parse_set(struct parse_state *ps, struct ast_text *field, struct span *key,
               const struct ast_text *value, const POLICY_YYLTYPE *kw,
               const char *what, const char *block);
struct span parse_span(struct parse_state *ps, const POLICY_YYLTYPE *loc);
void parse_stack_begin(struct parse_state *ps, const struct ast_text *facility,
                       const struct ast_text *name, const POLICY_YYLTYPE *kw);
void parse_stack_end(struct parse_state *ps);
void parse_stack_line(struct parse_state *ps, const struct ast_text *control,
                      const POLICY_YYLTYPE *loc);
void parse_stack_action(struct parse_state *ps, const struct ast_text *value,
                        const struct ast_text *action, const POLICY_YYLTYPE *loc);
void parse_stack_module(struct parse_state *ps, const struct ast_text *module);
void parse_stack_arg(struct parse_state *ps, const struct ast_text *piece);

/*
 * Put name in front of `list` (NULL to start one). Lists are built in
 * reverse, in linear time; the actions that consume them put them back in
 * source order.
 */
struct ast_ref *parse_ref(struct parse_state *ps, struct ast_ref *list,
                          const struct ast_text *name);

#endif
