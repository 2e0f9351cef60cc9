#!/bin/sh
# writ diff: permissions gained and lost per app and user, principals,
# resources, permissions and routes added, removed and changed; grant,
# access and client stacks changed; JSON; --fail-on; load and usage errors;
# a policy of 100,000 principals.
. "$top_srcdir/tests/cli/lib.sh"

cat >base.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission write:item;
    permission list:item;
    default-scope list:item;
    route GET "/items/{id}" requires read:item;
    route POST "/items" requires write:item;
    route any "/health" public;
}

resource "https://billing.example.com" {
    permission read:invoice;
}

role editor for users {
    grant read:item, write:item on "https://api.example.com";
}

role viewer for users {
    grant read:item, list:item on "https://api.example.com";
}

role sync for apps {
    grant list:item on "https://api.example.com";
    grant read:invoice on "https://billing.example.com";
}

user ann { roles editor; }
user bob { roles viewer; }
user cy { roles editor, viewer; }
app importer { roles sync; }
app exporter { roles sync; }
POLICY
api=https://api.example.com
billing=https://billing.example.com
none='resources +0 -0, permissions +0 -0, default-scope ~0, unrouted ~0, routes +0 -0 ~0, stacks ~0'

# diff_is OLD NEW EXPECTED [OPTION]...: exit 0, EXPECTED on stdout, nothing
# on stderr.
diff_is() {
	_old=$1 _new=$2 _want=$3
	shift 3
	if expect_exit 0 "$WRIT" diff "$@" "$_old" "$_new"; then
		expect_output stdout "$_want"
		expect_output stderr ''
	fi
}

# The same policy, as a file and as a directory: no differences.
diff_is base.writ base.writ 'no differences'
mkdir dir
cp base.writ dir/policy.writ
diff_is base.writ dir 'no differences'
if expect_exit 0 "$WRIT" diff --fail-on new-access --fail-on any-change dir dir; then
	expect_output stdout 'no differences'
fi

# A grant added to a role: every principal holding the role gains the
# scope, except one that already held it through another role (cy).
sed 's/grant read:item, write:item on/grant read:item, write:item, list:item on/' \
	base.writ >grant.writ
diff_is base.writ grant.writ "+ user ann: $api list:item
summary: $none, principals +0 -0, access +1 -0 (gained by 1 principal, lost by 0)"
# Backwards it is a loss.
diff_is grant.writ base.writ "- user ann: $api list:item
summary: $none, principals +0 -0, access +0 -1 (gained by 0 principals, lost by 1)"

# An app losing its only role loses everything, one line per resource.
sed 's/^app exporter.*/app exporter { }/' base.writ >norole.writ
diff_is base.writ norole.writ "- app exporter: $api list:item
- app exporter: $billing read:invoice
summary: $none, principals +0 -0, access +0 -2 (gained by 0 principals, lost by 1)"

# A new app, with what it holds; a new app holding nothing is listed too.
{ cat base.writ; echo 'app reporter { roles sync; }'; echo 'app idle { }'; } >newapp.writ
diff_is base.writ newapp.writ "+ app idle
+ app reporter
+ app reporter: $api list:item
+ app reporter: $billing read:invoice
summary: $none, principals +2 -0, access +2 -0 (gained by 1 principal, lost by 0)"

# A removed user, with what it held, in the order the resource declares it.
sed '/^user bob/d' base.writ >nobob.writ
diff_is base.writ nobob.writ "- user bob
- user bob: $api read:item list:item
summary: $none, principals +0 -1, access +0 -2 (gained by 0 principals, lost by 1)"

# A renamed permission is one removed and one added, for the resource and
# for everyone holding it; its default scope changes with it.
sed 's/list:item/enumerate:item/g' base.writ >rename.writ
diff_is base.writ rename.writ "- permission $api: list:item
+ permission $api: enumerate:item
~ default-scope $api: \"list:item\" -> \"enumerate:item\"
- app exporter: $api list:item
+ app exporter: $api enumerate:item
- app importer: $api list:item
+ app importer: $api enumerate:item
- user bob: $api list:item
+ user bob: $api enumerate:item
- user cy: $api list:item
+ user cy: $api enumerate:item
summary: resources +0 -0, permissions +1 -1, default-scope ~1, unrouted ~0, routes +0 -0 ~0, stacks ~0, principals +0 -0, access +4 -4 (gained by 4 principals, lost by 4)"

# Routes: matched by methods and template, sorted by them; a requirement
# changed, public to protected, one added, one removed; unrouted changed.
sed -e 's|requires read:item;|requires any read:item, write:item;|' \
	-e 's|"/health" public|"/health" requires read:item|' \
	-e 's|route POST "/items" requires write:item;|route DELETE "/items/{id}" requires write:item;|' \
	base.writ >routes.writ
sed -i 's|route DELETE "/items/{id}" requires write:item;|&\
    unrouted token;|' routes.writ
routes_summary='summary: resources +0 -0, permissions +0 -0, default-scope ~0, unrouted ~1, routes +1 -1 ~2, stacks ~0, principals +0 -0, access +0 -0 (gained by 0 principals, lost by 0)'
diff_is base.writ routes.writ "~ unrouted $api: deny -> token
+ route $api: DELETE \"/items/{id}\" requires write:item
~ route $api: GET \"/items/{id}\": requires read:item -> requires any read:item, write:item
- route $api: POST \"/items\" requires write:item
~ route $api: any \"/health\": public -> requires read:item
$routes_summary"
# Protected to public, the other way.
diff_is routes.writ base.writ "~ unrouted $api: token -> deny
- route $api: DELETE \"/items/{id}\" requires write:item
~ route $api: GET \"/items/{id}\": requires any read:item, write:item -> requires read:item
+ route $api: POST \"/items\" requires write:item
~ route $api: any \"/health\": requires read:item -> public
summary: resources +0 -0, permissions +0 -0, default-scope ~0, unrouted ~1, routes +1 -1 ~2, stacks ~0, principals +0 -0, access +0 -0 (gained by 0 principals, lost by 0)"

# Resources added and removed, with their permissions and routes, and the
# access that goes with them. Declaration order does not matter: resources
# are matched by indicator.
cat >resources.writ <<'POLICY'
resource "https://audit.example.com" {
    permission read:log;
    route GET "/logs" requires read:log;
}

resource "https://api.example.com" {
    permission read:item;
    permission write:item;
    permission list:item;
    default-scope list:item;
    route GET "/items/{id}" requires read:item;
    route POST "/items" requires write:item;
    route any "/health" public;
}

role editor for users {
    grant read:item, write:item on "https://api.example.com";
}

role viewer for users {
    grant read:item, list:item on "https://api.example.com";
}

role sync for apps {
    grant list:item on "https://api.example.com";
    grant read:log on "https://audit.example.com";
}

app exporter { roles sync; }
app importer { roles sync; }
user cy { roles viewer, editor; }
user bob { roles viewer; }
user ann { roles editor; }
POLICY
diff_is base.writ resources.writ "+ resource https://audit.example.com
+ permission https://audit.example.com: read:log
+ route https://audit.example.com: GET \"/logs\" requires read:log
- resource $billing
- permission $billing: read:invoice
+ app exporter: https://audit.example.com read:log
- app exporter: $billing read:invoice
+ app importer: https://audit.example.com read:log
- app importer: $billing read:invoice
summary: resources +1 -1, permissions +1 -1, default-scope ~0, unrouted ~0, routes +1 -0 ~0, stacks ~0, principals +0 -0, access +2 -2 (gained by 2 principals, lost by 2)"

# Stacks: the grant and access stacks each resource in both runs (its own,
# else the top-level one, declared or built in) and the client stack, each
# compared as its lines, includes inlined. A changed one is a header line,
# then both stacks as a line diff: unchanged lines kept, removed ones
# before added ones within a change.
stacks_summary() {
	# stacks_summary N: the summary of N stack changes and nothing else.
	echo "summary: resources +0 -0, permissions +0 -0, default-scope ~0, unrouted ~0, routes +0 -0 ~0, stacks ~$1, principals +0 -0, access +0 -0 (gained by 0 principals, lost by 0)"
}
# A grant stack added to a resource replaces the built-in one.
sed 's|^    default-scope list:item;|&\
    stack grant {\
        requisite network allow=10.0.0.0/8;\
        required rbac;\
    }|' base.writ >gstack.writ
diff_is base.writ gstack.writ "~ stack grant $api:
    - required rbac (built-in default)
    + requisite network allow=10.0.0.0/8
    + required rbac
$(stacks_summary 1)"
diff_is gstack.writ base.writ "~ stack grant $api:
    - requisite network allow=10.0.0.0/8
    - required rbac
    + required rbac (built-in default)
$(stacks_summary 1)"
# One line of an access stack changed, one added: the others are context.
sed 's|^    default-scope list:item;|&\
    stack access {\
        requisite network allow=10.0.0.0/8;\
        required scope;\
        optional permit;\
    }|' base.writ >astack.writ
sed -e 's|allow=10.0.0.0/8;|allow=10.0.0.0/8,192.168.0.0/16;|' \
	-e 's|optional permit;|&\
        required time days=mon-fri;|' astack.writ >astack2.writ
diff_is astack.writ astack2.writ "~ stack access $api:
    - requisite network allow=10.0.0.0/8
    + requisite network allow=10.0.0.0/8,192.168.0.0/16
      required scope
      optional permit
    + required time days=mon-fri
$(stacks_summary 1)"
# Two lines swapped, one changed: the longest common subsequence is kept,
# the rest removed and added around it.
sed -e 's|^        requisite network allow=10.0.0.0/8;|        SCOPE|' \
	-e 's|^        required scope;|        requisite network allow=10.0.0.0/8;|' \
	-e 's|^        SCOPE|        required scope;|' \
	-e 's|^        optional permit;|        optional deny;|' astack.writ >astack3.writ
diff_is astack.writ astack3.writ "~ stack access $api:
    - requisite network allow=10.0.0.0/8
      required scope
    - optional permit
    + requisite network allow=10.0.0.0/8
    + optional deny
$(stacks_summary 1)"
# Top-level stacks, named stacks, include and substack: every resource
# running the top-level stack reports its change.
cat base.writ - >named.writ <<'POLICY'
stack office for access {
    requisite network allow=10.0.0.0/8;
}
stack access {
    include office;
    required scope;
}
stack hours for grant {
    required time days=mon-fri hours=09:00-17:00;
}
stack grant {
    substack hours;
    required rbac;
}
POLICY
# The same stacks written differently (an include inlined, layout,
# comments) are no difference.
cat base.writ - >named-same.writ <<'POLICY'
# office hours only
stack hours for grant
{
    required   time days=mon-fri hours=09:00-17:00;   # local time
}
stack grant { substack hours; required rbac; }
stack access { requisite network allow=10.0.0.0/8; required scope; }
POLICY
diff_is named.writ named-same.writ 'no differences'
expect_exit 0 "$WRIT" diff --fail-on any-change named.writ named-same.writ
# A change inside a substack, shown at its level.
sed 's/hours=09:00-17:00/hours=08:00-18:00/' named.writ >substack.writ
diff_is named.writ substack.writ "~ stack grant $api:
      substack hours
    -   required time days=mon-fri hours=09:00-17:00
    +   required time days=mon-fri hours=08:00-18:00
      required rbac
~ stack grant $billing:
      substack hours
    -   required time days=mon-fri hours=09:00-17:00
    +   required time days=mon-fri hours=08:00-18:00
      required rbac
$(stacks_summary 2)"
# A line added to an included stack, inlined where it is included. A
# resource with an access stack of its own does not run the top-level one.
sed 's|^    requisite network allow=10.0.0.0/8;|&\
    requisite time days=mon-fri;|' named.writ >include.writ
sed 's|^resource "https://billing.example.com" {|&\
    stack access { required scope; }|' named.writ >named-own.writ
sed 's|^resource "https://billing.example.com" {|&\
    stack access { required scope; }|' include.writ >include-own.writ
diff_is named-own.writ include-own.writ "~ stack access $api:
      requisite network allow=10.0.0.0/8
    + requisite time days=mon-fri
      required scope
$(stacks_summary 1)"
# The client stack, once, after the resources and before the apps.
cat base.writ - >client.writ <<'POLICY'
stack client {
    requisite network allow=10.0.0.0/8;
    required secret;
}
POLICY
diff_is base.writ client.writ "~ stack client:
    - required secret (built-in default)
    + requisite network allow=10.0.0.0/8
    + required secret
$(stacks_summary 1)"
cat grant.writ - >client-grant.writ <<'POLICY'
stack client {
    requisite network allow=10.0.0.0/8;
    required secret;
}
POLICY
diff_is gstack.writ client-grant.writ "~ stack grant $api:
    - requisite network allow=10.0.0.0/8
    - required rbac
    + required rbac (built-in default)
~ stack client:
    - required secret (built-in default)
    + requisite network allow=10.0.0.0/8
    + required secret
+ user ann: $api list:item
summary: resources +0 -0, permissions +0 -0, default-scope ~0, unrouted ~0, routes +0 -0 ~0, stacks ~2, principals +0 -0, access +1 -0 (gained by 1 principal, lost by 0)"
# JSON: the stacks a resource changed, each side's lines in full, and the
# client stack; the summary counts both.
diff_is base.writ gstack.writ '{
  "resources": [
    {"resource": "https://api.example.com", "change": "changed", "permissions_added": [], "permissions_removed": [], "default_scope": null, "unrouted": null, "routes_added": [], "routes_removed": [], "routes_changed": [], "stacks_changed": [{"facility": "grant", "old": ["required rbac (built-in default)"], "new": ["requisite network allow=10.0.0.0/8", "required rbac"]}]}
  ],
  "client_stack": null,
  "principals": [],
  "summary": {"resources_added": 0, "resources_removed": 0, "permissions_added": 0, "permissions_removed": 0, "default_scopes_changed": 0, "unrouted_changed": 0, "routes_added": 0, "routes_removed": 0, "routes_changed": 0, "stacks_changed": 1, "principals_added": 0, "principals_removed": 0, "access_added": 0, "access_removed": 0, "principals_gaining": 0, "principals_losing": 0},
  "differences": true,
  "new_access": false
}' --format json
if command -v jq >/dev/null 2>&1 &&
	expect_exit 0 "$WRIT" diff --format json named.writ include.writ; then
	checks=$((checks + 1))
	[ "$(jq -c '[.resources[] | [.resource, .stacks_changed]], .client_stack, .summary.stacks_changed, .differences, .new_access' "$run_stdout")" = '[["https://api.example.com",[{"facility":"access","old":["requisite network allow=10.0.0.0/8","required scope"],"new":["requisite network allow=10.0.0.0/8","requisite time days=mon-fri","required scope"]}]],["https://billing.example.com",[{"facility":"access","old":["requisite network allow=10.0.0.0/8","required scope"],"new":["requisite network allow=10.0.0.0/8","requisite time days=mon-fri","required scope"]}]]]
null
2
true
false' ] || fail "diff --format json named.writ include.writ: $(cat "$run_stdout")"
fi
if command -v jq >/dev/null 2>&1 &&
	expect_exit 0 "$WRIT" diff --format json client.writ base.writ; then
	checks=$((checks + 1))
	[ "$(jq -c '.resources, .client_stack, .summary.stacks_changed, .differences' "$run_stdout")" = '[]
{"old":["requisite network allow=10.0.0.0/8","required secret"],"new":["required secret (built-in default)"]}
1
true' ] || fail "diff --format json client.writ base.writ: $(cat "$run_stdout")"
fi
# A stack change counts for any-change, never for new-access: writ cannot
# tell whether it narrows or widens.
for new in gstack.writ astack2.writ substack.writ client.writ; do
	old=base.writ
	[ "$new" = astack2.writ ] && old=astack.writ
	[ "$new" = substack.writ ] && old=named.writ
	expect_exit 1 "$WRIT" diff --fail-on any-change "$old" "$new"
	expect_exit 0 "$WRIT" diff --fail-on new-access "$old" "$new"
done
expect_exit 1 "$WRIT" diff --format json --fail-on any-change base.writ client.writ
expect_exit 1 "$WRIT" diff --fail-on new-access gstack.writ client-grant.writ

# JSON: one document, the same changes.
sed -e 's/grant read:item, write:item on/grant read:item, write:item, list:item on/' \
	-e '/^user bob/d' -e 's|"/health" public|"/health" requires read:item|' \
	base.writ >combo.writ
echo 'app reporter { }' >>combo.writ
diff_is base.writ combo.writ '{
  "resources": [
    {"resource": "https://api.example.com", "change": "changed", "permissions_added": [], "permissions_removed": [], "default_scope": null, "unrouted": null, "routes_added": [], "routes_removed": [], "routes_changed": [{"route": "any \"/health\"", "old": "public", "new": "requires read:item"}], "stacks_changed": []}
  ],
  "client_stack": null,
  "principals": [
    {"kind": "app", "id": "reporter", "change": "added", "access": []},
    {"kind": "user", "id": "ann", "change": "changed", "access": [{"resource": "https://api.example.com", "added": ["list:item"], "removed": []}]},
    {"kind": "user", "id": "bob", "change": "removed", "access": [{"resource": "https://api.example.com", "added": [], "removed": ["read:item", "list:item"]}]}
  ],
  "summary": {"resources_added": 0, "resources_removed": 0, "permissions_added": 0, "permissions_removed": 0, "default_scopes_changed": 0, "unrouted_changed": 0, "routes_added": 0, "routes_removed": 0, "routes_changed": 1, "stacks_changed": 0, "principals_added": 1, "principals_removed": 1, "access_added": 1, "access_removed": 2, "principals_gaining": 1, "principals_losing": 1},
  "differences": true,
  "new_access": true
}' --format json
diff_is base.writ resources.writ '{
  "resources": [
    {"resource": "https://audit.example.com", "change": "added", "permissions_added": ["read:log"], "permissions_removed": [], "default_scope": null, "unrouted": null, "routes_added": ["GET \"/logs\" requires read:log"], "routes_removed": [], "routes_changed": [], "stacks_changed": []},
    {"resource": "https://billing.example.com", "change": "removed", "permissions_added": [], "permissions_removed": ["read:invoice"], "default_scope": null, "unrouted": null, "routes_added": [], "routes_removed": [], "routes_changed": [], "stacks_changed": []}
  ],
  "client_stack": null,
  "principals": [
    {"kind": "app", "id": "exporter", "change": "changed", "access": [{"resource": "https://audit.example.com", "added": ["read:log"], "removed": []}, {"resource": "https://billing.example.com", "added": [], "removed": ["read:invoice"]}]},
    {"kind": "app", "id": "importer", "change": "changed", "access": [{"resource": "https://audit.example.com", "added": ["read:log"], "removed": []}, {"resource": "https://billing.example.com", "added": [], "removed": ["read:invoice"]}]}
  ],
  "summary": {"resources_added": 1, "resources_removed": 1, "permissions_added": 1, "permissions_removed": 1, "default_scopes_changed": 0, "unrouted_changed": 0, "routes_added": 1, "routes_removed": 0, "routes_changed": 0, "stacks_changed": 0, "principals_added": 0, "principals_removed": 0, "access_added": 2, "access_removed": 2, "principals_gaining": 2, "principals_losing": 2},
  "differences": true,
  "new_access": true
}' -f json
diff_is base.writ base.writ '{
  "resources": [],
  "client_stack": null,
  "principals": [],
  "summary": {"resources_added": 0, "resources_removed": 0, "permissions_added": 0, "permissions_removed": 0, "default_scopes_changed": 0, "unrouted_changed": 0, "routes_added": 0, "routes_removed": 0, "routes_changed": 0, "stacks_changed": 0, "principals_added": 0, "principals_removed": 0, "access_added": 0, "access_removed": 0, "principals_gaining": 0, "principals_losing": 0},
  "differences": false,
  "new_access": false
}' --format=json
# --format human is the default.
run "$WRIT" diff base.writ grant.writ
save_output stdout human.txt
if expect_exit 0 "$WRIT" diff --format human base.writ grant.writ; then
	expect_same_output stdout "$tmp/human.txt"
fi

# --fail-on new-access: 1 when anyone gains anything (the output is printed
# all the same), 0 when access only narrows, or only routes change.
if expect_exit 1 "$WRIT" diff --fail-on new-access base.writ grant.writ; then
	expect_same_output stdout "$tmp/human.txt"
	expect_output stderr ''
fi
expect_exit 1 "$WRIT" diff --fail-on new-access base.writ newapp.writ
expect_exit 1 "$WRIT" diff --fail-on new-access base.writ rename.writ
expect_exit 0 "$WRIT" diff --fail-on new-access grant.writ base.writ
expect_exit 0 "$WRIT" diff --fail-on new-access base.writ nobob.writ
expect_exit 0 "$WRIT" diff --fail-on new-access base.writ norole.writ
expect_exit 0 "$WRIT" diff --fail-on new-access base.writ routes.writ
# A new app that holds nothing gains nothing.
{ cat base.writ; echo 'app idle { }'; } >idle.writ
expect_exit 0 "$WRIT" diff --fail-on new-access base.writ idle.writ
# --fail-on any-change: 1 on any difference.
expect_exit 1 "$WRIT" diff --fail-on any-change grant.writ base.writ
expect_exit 1 "$WRIT" diff --fail-on any-change base.writ routes.writ
expect_exit 1 "$WRIT" diff --fail-on any-change base.writ idle.writ
expect_exit 0 "$WRIT" diff --fail-on any-change base.writ dir
expect_exit 1 "$WRIT" diff --format json --fail-on new-access base.writ grant.writ

# --old and --new: several paths make one policy each, as --policy does.
head -13 base.writ >part1.writ
tail -n +14 base.writ >part2.writ
if expect_exit 0 "$WRIT" diff --old part1.writ --old=part2.writ --new dir; then
	expect_output stdout 'no differences'
	expect_output stderr ''
fi
run "$WRIT" diff --old part1.writ --old part2.writ --new grant.writ
checks=$((checks + 1))
[ "$status" -eq 0 ] && grep -Fxq "+ user ann: $api list:item" "$run_stdout" ||
	fail "--old PATH --old PATH --new PATH: exited $status, $(cat "$run_stdout")"
# Options may follow the policies.
if expect_exit 1 "$WRIT" diff base.writ grant.writ --fail-on new-access; then
	expect_same_output stdout "$tmp/human.txt"
fi

# A policy that does not load: its errors (not its warnings) and which
# policy it was on stderr, nothing on stdout, exit 2. Both are reported.
cat >broken.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission unused:item;
}

role editor for users {
    grant read:item on "https://api.example.com";
}

user ann { roles editr; }
POLICY
broken_errors='broken.writ:10:18: error: unknown role "editr" [E010]
   10 | user ann { roles editr; }
      |                  ^~~~~
      = hint: did you mean "editor"?'
if expect_exit 2 "$WRIT" diff base.writ broken.writ; then
	expect_output stdout ''
	expect_output stderr "$broken_errors
writ diff: cannot load the new policy: the policy has errors"
fi
if expect_exit 2 "$WRIT" diff --fail-on new-access broken.writ base.writ; then
	expect_output stdout ''
	expect_output stderr "$broken_errors
writ diff: cannot load the old policy: the policy has errors"
fi
if expect_exit 2 "$WRIT" diff no-such.writ broken.writ; then
	expect_output stdout ''
	expect_output stderr "no-such.writ: error: cannot read no-such.writ: No such file or directory [E006]
writ diff: cannot load the old policy: a policy file could not be read
$broken_errors
writ diff: cannot load the new policy: the policy has errors"
fi

# Usage errors: exit 2, the message and the hint on stderr.
usage_error() {
	# usage_error MESSAGE ARG...
	msg=$1
	shift
	if expect_exit 2 "$WRIT" diff "$@"; then
		expect_output stdout ''
		expect_output stderr "writ diff: $msg
Try 'writ diff --help'."
	fi
}
usage_error 'give two policies: OLD NEW'
usage_error 'give two policies: OLD NEW' base.writ
usage_error "unexpected argument 'third.writ'" base.writ grant.writ third.writ
usage_error '--old needs --new' --old base.writ
usage_error '--new needs --old' --new base.writ
usage_error 'give the policies as OLD NEW or with --old and --new, not both' \
	--old base.writ --new grant.writ base.writ
usage_error "unknown format 'xml': use human or json" --format xml base.writ grant.writ
usage_error "unknown --fail-on condition 'widening': use new-access or any-change" \
	--fail-on widening base.writ grant.writ
usage_error "unknown option '--frobnicate'" --frobnicate base.writ grant.writ
usage_error "option '--format' needs a value" base.writ grant.writ --format
usage_error 'an empty PATH names nothing' base.writ ''

# The help: the usage first, exit 0, also among invalid arguments.
if expect_exit 0 "$WRIT" diff --help; then
	expect_first_line stdout 'Usage: writ diff [--format human|json] [--fail-on new-access|any-change]'
	expect_output stderr ''
fi
save_output stdout help.txt
if expect_exit 0 "$WRIT" help diff; then
	expect_same_output stdout "$tmp/help.txt"
fi

# A policy of 100,000 principals (70,000 apps, 30,000 users), and the same
# policy with its resources, permissions and apps declared in reverse order
# and one app given one more role: exactly that app's gain is found. (How
# long it takes is measured by hand, not here: timings flake in tests.)
gen() {
	# gen REVERSED APPS USERS
	awk -v rev="$1" -v apps="$2" -v users="$3" 'BEGIN {
		nres = 20
		for (k = 0; k < nres; k++) {
			r = rev ? nres - 1 - k : k
			printf "resource \"https://r%d.example.com\" {\n", r
			for (q = 0; q < 10; q++)
				printf "    permission p%d;\n", rev ? 9 - q : q
			printf "    route GET \"/items/{id}\" requires p0;\n}\n"
		}
		for (k = 0; k < 100; k++)
			printf "role k%d for apps { grant p%d, p%d on \"https://r%d.example.com\"; }\n",
				k, k % 10, (k + 1) % 10, k % nres
		for (k = 0; k < 50; k++)
			printf "role u%d for users { grant p%d on \"https://r%d.example.com\", \"https://r%d.example.com\"; }\n",
				k, k % 10, k % nres, (k + 3) % nres
		print "role audit for apps { grant p3 on \"https://r7.example.com\"; }"
		for (n = 0; n < apps; n++) {
			i = rev ? apps - 1 - n : n
			extra = (i == 0 || (rev && i == 54321)) ? ", audit" : ""
			printf "app a%06d { roles k%d, k%d%s; }\n", i, i % 100, (i * 13 + 5) % 100, extra
		}
		for (i = 0; i < users; i++)
			printf "user u%06d { roles u%d, u%d; }\n", i, i % 50, (i * 7 + 1) % 50
	}'
}
gen 0 70000 30000 >big-old.writ
gen 1 70000 30000 >big-new.writ
if expect_exit 1 "$WRIT" diff --fail-on new-access big-old.writ big-new.writ; then
	expect_output stdout "+ app a054321: https://r7.example.com p3
summary: $none, principals +0 -0, access +1 -0 (gained by 1 principal, lost by 0)"
	expect_output stderr ''
fi
diff_is big-new.writ big-new.writ 'no differences'

finish
