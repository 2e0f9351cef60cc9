/*
 * codes.c: what each diagnostic code means, how to fix it, and a policy
 * excerpt that draws it; writ.policy(5) lists them from here, and
 * tests/cli/lint-formats.sh checks that each example draws its code.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "codes.h"
#include "writ.h"

const struct diag_code diag_codes[] = {
	{ E_SYNTAX, "syntax-error",
	  "The text does not follow the grammar. The message names what was found and, when the list is short, what would have fitted: add or correct that. Parsing resumes after the next ';' or '}', so one mistake may draw a second error further on.",
	  "role reader for users {\n"
	  "    grant read:item on \"https://api.example.com\"\n"
	  "}\n" },
	{ E_BAD_CHAR, "unexpected-character",
	  "A character that cannot start any token. Names made of other characters than letters, digits and _.:/@+*!$%&'?^|~<>`- must be quoted.",
	  "role (reader) for users { }\n" },
	{ E_UNTERMINATED, "unterminated-string",
	  "A string has no closing '\"' on its line. Strings cannot span lines; write \\n for a line break.",
	  "resource \"https://api.example.com\" {\n"
	  "    name \"Items API;\n"
	  "}\n" },
	{ E_BAD_ESCAPE, "invalid-escape",
	  "Escapes in strings are \\\" \\\\ \\/ \\n \\t \\r and \\uXXXX (with surrogate pairs for characters beyond U+FFFF). \\u0000 and lone surrogates are refused.",
	  "resource \"https://api.example.com\" {\n"
	  "    description \"Files under C:\\data\";\n"
	  "}\n" },
	{ E_NOT_UTF8, "not-utf8",
	  "Policy files are UTF-8 text: an invalid or overlong sequence, a NUL byte or a control character other than tab, carriage return and line feed is refused. Convert the file to UTF-8 (iconv -f LATIN1 -t UTF-8, say) and write control characters as escapes in strings.",
	  "# A file saved in Latin-1, where the \"é\" of \"café\" is the byte 0xe9\n"
	  "# alone, or a file holding a NUL byte or a form feed.\n" },
	{ E_READ, "cannot-read",
	  "A file or directory named on the command line or by include could not be read: it does not exist, is not readable by the user running writ, or is neither a regular file nor a directory. An include is resolved from the directory of the file that names it. Correct the path or the permissions.",
	  "include \"common.writ\";\n" },
	{ E_INCLUDE_CYCLE, "include-cycle",
	  "A file includes itself, directly or through other files. Remove one include of the cycle.",
	  "# policy.writ\n"
	  "include \"common.writ\";\n"
	  "# common.writ\n"
	  "include \"policy.writ\";\n" },
	{ E_INCLUDE_DEPTH, "include-too-deep",
	  "Includes are nested more than 16 levels deep. Include the files from fewer levels, or name them all on the command line or in one directory.",
	  "# a.writ\n"
	  "include \"b.writ\";\n"
	  "# b.writ\n"
	  "include \"c.writ\";\n"
	  "# ... and so on, up to q.writ\n"
	  "include \"r.writ\";\n" },
	{ E_DUPLICATE, "duplicate-definition",
	  "Two resources with one indicator, two permissions with one name on the same resource, two roles, two apps or two users with one name, or two issuer blocks. A note shows the first definition. Rename or merge them.",
	  "role reader for users { }\n"
	  "role reader for users { }\n" },
	{ E_UNKNOWN, "unknown-name",
	  "A role, resource or permission that is not declared anywhere in the policy. The hint names the closest declared name when there is one: correct the name, or declare what it names.",
	  "role reader for users { }\n"
	  "user ann { roles raeder; }\n" },
	{ E_UNDECLARED_PERM, "undeclared-permission",
	  "A role grants, a default-scope names, or a route requires a permission that the resource does not declare. Declare it in the resource block or correct the name.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "}\n"
	  "role editor for users {\n"
	  "    grant write:item on \"https://api.example.com\";\n"
	  "}\n" },
	{ E_ROLE_KIND, "role-kind-mismatch",
	  "A role for apps was given to a user, or a role for users to an app. Machine-to-machine roles and user roles never mix: declare a second role for the other kind.",
	  "role importer for apps { }\n"
	  "user ann { roles importer; }\n" },
	{ E_BAD_INDICATOR, "malformed-indicator",
	  "A resource indicator must be an absolute URI without a fragment (RFC 8707 section 2), such as \"https://api.example.com/orders\".",
	  "resource \"api.example.com\" {\n"
	  "    permission read:item;\n"
	  "}\n" },
	{ E_BAD_SCOPE_TOKEN, "malformed-scope-token",
	  "A permission name must be an RFC 6749 section 3.3 scope-token: one or more printable ASCII characters other than space, '\"' and '\\'.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission \"read item\";\n"
	  "}\n" },
	{ E_BAD_DURATION, "invalid-duration",
	  "A lifetime is a whole number of seconds, optionally followed by s, m, h or d, from 1 second to 2147483647 seconds.",
	  "issuer \"https://auth.example.com\" {\n"
	  "    token-ttl 1y;\n"
	  "}\n" },
	{ E_PLAINTEXT_SECRET, "plaintext-secret",
	  "An app secret must be stored as a hash made by `writ hash-secret` ($scrypt$... or $pbkdf2-sha256$...), never as the secret itself.",
	  "app importer {\n"
	  "    secret \"correct horse battery staple\";\n"
	  "}\n" },
	{ E_DUPLICATE_SETTING, "duplicate-setting",
	  "A setting that takes one value (name, description, token-ttl, default, default-scope, unrouted) appears twice in one block. Keep the one that is meant.",
	  "resource \"https://api.example.com\" {\n"
	  "    name \"Items\";\n"
	  "    name \"Items API\";\n"
	  "}\n" },
	{ E_BAD_ISSUER, "malformed-issuer",
	  "The issuer identifier must be an https URL with no query and no fragment (RFC 8414 section 2); http is accepted, with a warning, only for localhost and loopback addresses.",
	  "issuer \"https://auth.example.com/oidc?tenant=1\" { }\n" },
	{ E_MANY_DEFAULTS, "several-default-resources",
	  "At most one resource may be marked default: it is the one a client gets when it names no resource. Keep default on one of them.",
	  "resource \"https://a.example.com\" { default; }\n"
	  "resource \"https://b.example.com\" { default; }\n" },
	{ E_BAD_TIME, "invalid-time",
	  "A time is written in RFC 3339 form with a time zone, such as \"2027-01-31T00:00:00Z\". Add the time and the zone.",
	  "app importer {\n"
	  "    secret \"$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4\"\n"
	  "        expires \"2027-01-31\";\n"
	  "}\n" },
	{ E_CONTROL_IN_STRING, "control-in-string",
	  "A raw control character (such as a tab) inside a string. Write it as an escape (\\t).",
	  "# Between \"Items\" and \"API\", a tab typed as is.\n"
	  "resource \"https://api.example.com\" {\n"
	  "    name \"Items\tAPI\";\n"
	  "}\n" },
	{ E_BAD_SECRET_HASH, "malformed-secret-hash",
	  "A secret hash names a known scheme but its parameters, salt or hash are malformed or out of range. Make it again with `writ hash-secret`.",
	  "app importer {\n"
	  "    secret \"$pbkdf2-sha256$i=0$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4\";\n"
	  "}\n" },
	{ E_BAD_IDENTIFIER, "invalid-identifier",
	  "An empty name, a name with a control character, or a client id with a character outside printable ASCII (RFC 6749 appendix A.1). Rename it.",
	  "app \"caf\\u00e9-importer\" { }\n" },
	{ E_TOO_BIG, "policy-too-large",
	  "The policy exceeds a limit of the decision table (2^32-1 permissions, roles or principals, or a file of more than 256 MiB). Split a large file into several, or the policy into several policies.",
	  "# A policy file of more than 256 MiB, or more than 2^32-1 roles.\n" },
	{ E_BAD_FACILITY, "unknown-facility",
	  "A stack belongs to one facility: client (authenticating a client), grant (deciding a token's scopes) or access (deciding a request that carries a token). A named stack is declared `stack NAME for FACILITY`, at top level.",
	  "stack grnat {\n"
	  "    required rbac;\n"
	  "}\n" },
	{ E_BAD_CONTROL, "unknown-control",
	  "A stack line starts with a control: required, requisite, sufficient, optional, include, substack, or [value=action ...].",
	  "stack grant {\n"
	  "    requird rbac;\n"
	  "}\n" },
	{ E_BAD_ACTION, "invalid-action",
	  "In [value=action ...], a value is success, deny, ignore, error or default and an action is ok, done, bad, die, ignore, reset or a jump count from 1 to 255 that stays inside the stack.",
	  "stack grant {\n"
	  "    [success=finish default=bad] rbac;\n"
	  "}\n" },
	{ E_STACK_MISMATCH, "stack-mismatch",
	  "include and substack name a stack of the same facility and take no arguments; a facility has one default stack at top level and one per resource.",
	  "stack common for access {\n"
	  "    required permit;\n"
	  "}\n"
	  "stack grant {\n"
	  "    include common;\n"
	  "}\n" },
	{ E_STACK_CYCLE, "stack-cycle",
	  "A stack includes itself, directly or through others, or stacks nest deeper than 16 levels (8 substack levels).",
	  "stack a for grant {\n"
	  "    include b;\n"
	  "}\n"
	  "stack b for grant {\n"
	  "    include a;\n"
	  "}\n" },
	{ E_MODULE_ARGS, "invalid-module-arguments",
	  "A module refused its arguments, or is used in a facility it does not serve; its message says why.",
	  "stack grant {\n"
	  "    requisite network allow=10.0.0.1/8;\n"
	  "}\n" },
	{ E_MODULE_LOAD, "module-not-loaded",
	  "A module named by a stack is neither built in nor a loadable module of the module directory that writ could load: missing, writable by group or others, not a writ module, or built for another ABI major version.",
	  "stack grant {\n"
	  "    required ldap server=ldap.example.com;\n"
	  "}\n" },
	{ E_SIGNING_KEY, "invalid-signing-key",
	  "A signing-key line is `signing-key \"FILE.pem\" [current | next | previous] [kid \"ID\"];`: one key is current (it signs), others are next or previous (published only). Paths and kids are unique.",
	  "issuer \"https://auth.example.com\" {\n"
	  "    signing-key \"keys/a.pem\" soon;\n"
	  "}\n" },
	{ E_ROUTE_TEMPLATE, "invalid-route-template",
	  "A route template starts with '/'; each segment is a literal, a parameter written exactly {name} (a letter or _, then letters, digits or _; each name once), or, as the last segment only, * for the rest of the path. Requests are matched after normalization, so a literal that normalization would refuse or change (., .., //, %-escapes, ';', '\\', spaces, braces, a '?') can never match: write the template as the normalized path it must match.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route GET \"/items/../admin\" requires read:item;\n"
	  "}\n" },
	{ E_BAD_METHOD, "invalid-method",
	  "A route names `any`, alone, or a list of HTTP methods, each an RFC 9110 section 9 token (letters, digits and !#$%&'*+-.^_`|~), each once.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route GET, GET \"/items\" requires read:item;\n"
	  "}\n" },
	{ E_DUPLICATE_ROUTE, "duplicate-route",
	  "Two routes of one resource have the same template up to the names of their parameters and either both are for any method or their method lists share a method, so one of them could never be chosen. Merge them or remove one. (A method list beside an any route of the same template is allowed: the list wins for its methods.)",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route GET \"/items/{id}\" requires read:item;\n"
	  "    route GET \"/items/{item}\" public;\n"
	  "}\n" },
	{ E_ROUTE_RULE, "invalid-route-rule",
	  "A route ends with `requires PERMISSION, ...` (all are needed), `requires any PERMISSION, ...` (one is enough) or `public` (no token needed); `requires` needs at least one permission. A resource's `unrouted` is deny or token.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route GET \"/items\" requires;\n"
	  "}\n" },
	{ E_TRUST, "invalid-trust",
	  "A trust block names another issuer whose tokens gateways accept: it needs its keys, `jwks \"FILE\";` (a JWKS file, from the policy file's directory) or `jwks \"https://...\";`, once; `refresh-min` and `refresh-max` bound how often a URL is fetched (at least 10s, min <= max); `algorithms` lists JWS algorithms among ES256, ES384, RS256, PS256 and EdDSA. An issuer is trusted once, and the policy's own issuer only for the keys gateways read.",
	  "trust \"https://login.example.com\" {\n"
	  "    algorithms HS256;\n"
	  "}\n" },
	{ E_SNAPSHOT, "bad-snapshot",
	  "A compiled snapshot (writ compile -o FILE.wdt) that writ refuses to load: a file named *.wdt that is not a snapshot; one cut short or with bytes changed (its SHA-256 checksum does not match); one written on a machine of the other byte order or by a writ whose snapshot format version differs; one whose records refer outside the file (every offset, index and string is checked, since anyone can recompute the checksum); a snapshot that group or others may write (its pages are used as they lie in the file, so it must not change under its readers); or a snapshot named together with other paths, when it is a whole policy by itself. Compile the policy again with this writ, on this kind of machine, and load the snapshot alone. A module a snapshot's stack needs that cannot be loaded is E031.",
	  "# A snapshot copied from a machine of the other byte order, cut short\n"
	  "# by a full disk, or compiled by another version of writ:\n"
	  "#   writ lint policy.wdt\n" },
	{ W_PERM_UNGRANTED, "permission-never-granted",
	  "No role grants this permission, so no token will ever carry it. Grant it, or remove it.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    permission delete:item;\n"
	  "}\n"
	  "role reader for users {\n"
	  "    grant read:item on \"https://api.example.com\";\n"
	  "}\n"
	  "user ann { roles reader; }\n" },
	{ W_ROLE_UNASSIGNED, "role-unassigned",
	  "No app or user holds this role, so it grants nothing to anyone. Give it to the apps or users it was meant for (roles NAME;), or remove it.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "}\n"
	  "role reader for users {\n"
	  "    grant read:item on \"https://api.example.com\";\n"
	  "}\n" },
	{ W_NO_ROLES, "principal-without-roles",
	  "This app or user holds no role, so every grant it asks for comes out empty. Give it roles (roles NAME, ...;) or remove it.",
	  "app importer { }\n" },
	{ W_GRANT_TWICE, "grant-repeated",
	  "One role grants the same permission on the same resource twice. Remove one of the grants.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "}\n"
	  "role reader for users {\n"
	  "    grant read:item on \"https://api.example.com\";\n"
	  "    grant read:item on \"https://api.example.com\";\n"
	  "}\n" },
	{ W_NO_PERMISSIONS, "resource-without-permissions",
	  "The resource declares no permission, so no token for it can carry a scope. Declare its permissions (permission NAME;) or remove the resource.",
	  "resource \"https://api.example.com\" { }\n" },
	{ W_ROLE_TWICE, "role-repeated",
	  "The same role is given to one app or user twice. Remove one of them.",
	  "role reader for users { }\n"
	  "user ann { roles reader, reader; }\n" },
	{ W_ALREADY_LOADED, "file-loaded-twice",
	  "The file was already read as part of this policy; this include has no effect. Remove the include, or the path that names the file again.",
	  "# policy.writ\n"
	  "include \"common.writ\";\n"
	  "include \"common.writ\";\n"
	  "# common.writ\n"
	  "role reader for users { }\n" },
	{ W_EMPTY_DIRECTORY, "empty-directory",
	  "A directory named on the command line or by include holds no *.writ file, so it adds nothing to the policy. Check the path, or the names of the files (only names ending in .writ are read).",
	  "# policy.d/ is a directory with no *.writ file in it.\n"
	  "include \"policy.d\";\n" },
	{ W_HTTP_ISSUER, "http-issuer",
	  "The issuer identifier uses http on a loopback host: fine for a demonstration, never for production (RFC 8414 section 2 requires https).",
	  "issuer \"http://localhost:8080\" { }\n" },
	{ W_CLIENT_STACK_IN_RESOURCE, "client-stack-in-resource",
	  "A client stack inside a resource block never runs: a client authenticates before its request names a resource. Move it to top level.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    stack client {\n"
	  "        required secret;\n"
	  "    }\n"
	  "}\n" },
	{ W_LOWERCASE_METHOD, "lowercase-method",
	  "HTTP methods are case-sensitive (RFC 9110 section 9.1): a route for get never matches a GET request. Write the method as clients send it, in capitals for the standard ones.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route get \"/items\" requires read:item;\n"
	  "}\n" },
	{ W_ROUTE_OVERLAP, "route-overlap",
	  "Two routes can match the same request and neither is more specific at every segment, so the one with a literal further left wins (see ROUTES). Make that explicit with a more specific route, or check that the winner is the one you meant.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    route GET \"/items/{id}\" requires read:item;\n"
	  "    route GET \"/{kind}/new\" public;\n"
	  "}\n" },
	{ W_HTTP_JWKS, "http-jwks",
	  "The JWKS URL uses http on a loopback host: keys fetched without TLS can be replaced by anyone on the path, which is acceptable only for a test on one machine. Use https.",
	  "trust \"https://login.example.com\" {\n"
	  "    jwks \"http://127.0.0.1:9000/jwks\";\n"
	  "}\n" },
	{ W_USELESS_SUPPRESSION, "useless-suppression",
	  "A `# writ: ignore[CODE, ...]` comment that does nothing: a code that no warning of its line has (the comment's own line when something comes before it, the next line when it stands alone), an error's code (errors cannot be suppressed, only warnings), an unknown code, or a comment starting with `writ:` that is not such a directive. Unused codes are only reported for a policy without errors, since errors can keep warnings from being checked. Remove the code or the comment, or move it to the line of the warning.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;  # writ: ignore[W001]\n"
	  "}\n"
	  "role reader for users {\n"
	  "    grant read:item on \"https://api.example.com\";\n"
	  "}\n"
	  "user ann { roles reader; }\n" },
	{ W_WEAK_SECRET_HASH, "weak-secret-hash",
	  "The secret hash is cheap to attack if the policy file leaks: scrypt that uses less memory (128 * r * 2^ln bytes) than the 32 MiB of `writ hash-secret` (ln=15, r=8, p=1), or PBKDF2-SHA256 with fewer than 600,000 iterations, the figure OWASP's Password Storage Cheat Sheet gives for it since 2023. Make the hash again with `writ hash-secret`; the secret itself may stay the same.",
	  "app importer {\n"
	  "    secret \"$scrypt$ln=10,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4\";\n"
	  "}\n" },
	{ W_SECRET_EXPIRED, "secret-expired",
	  "The secret's expires time is already past when the policy is checked, so the secret can never authenticate the app. Remove it once the app uses its new secret, or correct the time.",
	  "app importer {\n"
	  "    secret \"$scrypt$ln=15,r=8,p=1$EKVVomkmE0NRLbx5lmFlTw$Is6A6K0JFIWGDUIp2BhhWqoYCF5cwqfOeRUW7DQ06k4\"\n"
	  "        expires \"2001-01-31T00:00:00Z\";\n"
	  "}\n" },
	{ W_KEY_FILE_MODE, "signing-key-file-mode",
	  "The signing key file exists and its mode lets group or others read or write it: whoever reads it can sign tokens, and writ serve refuses to start with it. Make it readable by its owner only (chmod 600). A key file that does not exist yet draws no warning: writ serve --generate-missing-keys makes it.",
	  "# keys/a.pem exists with mode 0644.\n"
	  "issuer \"https://auth.example.com\" {\n"
	  "    signing-key \"keys/a.pem\" current;\n"
	  "}\n" },
	{ W_UNPROTECTED_ROUTE, "unprotected-route",
	  "A public route, which needs no token, takes a method that asks for a change (any method other than GET, HEAD, OPTIONS and TRACE, the safe methods of RFC 9110 section 9.2.1), or takes any method: that change is then protected by no permission. Limit the public route to the safe methods and require a permission on another route for the others; suppress the warning where an open endpoint is meant (a webhook with its own signature, say).",
	  "resource \"https://api.example.com\" {\n"
	  "    permission write:item;\n"
	  "    route POST \"/items\" public;\n"
	  "}\n" },
	{ W_PERM_UNROUTED, "permission-not-routed",
	  "An info: the resource has routes, but none requires this permission, so a gateway never checks it. That is right when the resource server checks it itself; otherwise add it to the routes that need it, or remove it.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    permission audit:item;\n"
	  "    route GET \"/items\" requires read:item;\n"
	  "}\n" },
	{ W_APP_HOLDS_ALL, "app-holds-every-permission",
	  "An info: the app's roles grant every permission of a resource that has several, so the app can do all a token for it allows. That may be meant (an administrative tool); if not, give the app a role with only what it needs, which limits what a leaked secret can do.",
	  "resource \"https://api.example.com\" {\n"
	  "    permission read:item;\n"
	  "    permission write:item;\n"
	  "}\n"
	  "role editor for apps {\n"
	  "    grant read:item, write:item on \"https://api.example.com\";\n"
	  "}\n"
	  "app importer { roles editor; }\n" },
	{ W_EMPTY_INCLUDE, "empty-include",
	  "An include read a file, or a directory of files, that declares nothing: no resource, role, app, user, stack, issuer or trust, only comments or blank lines. It has no effect. Remove the include, or check that it names the file meant. (An include of a file already read is W007; of a directory with no *.writ file, W008.)",
	  "# policy.writ\n"
	  "include \"common.writ\";\n"
	  "role reader for users { }\n"
	  "# common.writ\n"
	  "# Shared roles will go here.\n" },
	{ W_STACK_NEVER_SUCCEEDS, "stack-never-succeeds",
	  "Every run of the stack reaches a `required deny` or `requisite deny` line on its top level (no line before it can end the stack with success or jump past it), and the built-in deny module always fails: the stack denies everything. Remove the line, or use optional while trying a stack out. A stack meant to deny all is clearer as `requisite deny;` alone, with the warning suppressed.",
	  "stack grant {\n"
	  "    required rbac;\n"
	  "    required deny;\n"
	  "}\n" },
	{ W_UNREACHABLE_LINES, "lines-after-sufficient-permit",
	  "A `sufficient permit` line ends its stack (or substack) with success whenever nothing failed before it, since the built-in permit module always succeeds; when something did fail, the outcome is already a failure. Either way the lines after it on its level decide nothing. Move it to the end, or remove the lines after it. (A [value=action] line on the same level, which could jump past it or reset, turns this check off.)",
	  "stack grant {\n"
	  "    sufficient permit;\n"
	  "    required rbac;\n"
	  "}\n" },
	{ NULL, NULL, NULL, NULL },
};

const struct diag_code *diag_code_find(const char *code)
{
	const struct diag_code *c;

	if (!code)
		return NULL;
	for (c = diag_codes; c->code; c++)
		if (strcmp(c->code, code) == 0)
			return c;
	return NULL;
}

size_t writ_diagnostic_code_count(void)
{
	return sizeof(diag_codes) / sizeof(diag_codes[0]) - 1;
}

const char *writ_diagnostic_code(size_t i)
{
	return i < writ_diagnostic_code_count() ? diag_codes[i].code : NULL;
}

const char *writ_diagnostic_code_title(const char *code)
{
	const struct diag_code *c = diag_code_find(code);

	return c ? c->title : NULL;
}

const char *writ_diagnostic_code_help(const char *code)
{
	const struct diag_code *c = diag_code_find(code);

	return c ? c->help : NULL;
}

const char *writ_diagnostic_code_example(const char *code)
{
	const struct diag_code *c = diag_code_find(code);

	return c ? c->example : NULL;
}
