#!/bin/sh
# writ test: the example policies' own tests, a wrong expectation failing,
# the human, TAP and JUnit reports, parse errors, load and usage errors.
. "$top_srcdir/tests/cli/lib.sh"

# The example policies pass their tests, from the source tree as shipped.
if expect_exit 0 "$WRIT" test "$top_srcdir/policies"; then
	expect_output stdout '8 passed, 0 failed'
	expect_output stderr ''
fi
if expect_exit 0 "$WRIT" test --format tap "$top_srcdir/policies/payment.writ-test"; then
	expect_first_line stdout 'TAP version 14'
	checks=$((checks + 1))
	grep -q '^not ok' "$run_stdout" && fail "writ test --format tap: a test of policies/ failed"
fi

# A copy of them with one expectation changed fails, with expected and
# actual printed at the assertion's place.
mkdir examples
cp "$top_srcdir"/policies/*.writ examples/
sed 's|scope "read:payment write:payment" => "read:payment";|scope "read:payment write:payment" => "read:payment write:payment";|' \
	"$top_srcdir/policies/payment.writ-test" >examples/payment.writ-test
checks=$((checks + 1))
cmp -s "$top_srcdir/policies/payment.writ-test" examples/payment.writ-test &&
	fail "the sed expression no longer changes policies/payment.writ-test"
line=$(grep -n '=> "read:payment write:payment";' examples/payment.writ-test | cut -d: -f1)
line=$((line - 1))
if expect_exit 1 "$WRIT" test examples; then
	expect_output stdout "examples/payment.writ-test:$line:5: test \"the reconciliation job gets read:payment only\": grant: expected \"read:payment write:payment\", got \"read:payment\"
7 passed, 1 failed"
	expect_output stderr ''
fi

# A policy of our own, with every kind of assertion.
sed 's|^resource "https://payment.example.com/api" {$|&\n    default;|' \
	"$top_srcdir/policies/payment.writ" >payment.writ
cat >issuer.writ <<'POLICY'
issuer "https://auth.example.com" { token-ttl 5m; }
POLICY
cat >good.writ-test <<'TESTS'
# Every assertion here holds.
policy "payment.writ" "issuer.writ";

test "grants" {
    grant app cart-service scope "read:payment  write:payment" => "write:payment";
    grant app cart-service resource "https://payment.example.com/api" => "";
    grant app reconciliation scope "write:payment read:payment" => "read:payment";
}

test "requests" {
    authorize app cart-service scope "write:payment" POST "/payments" => 200;
    authorize app cart-service GET "/payments/7" => 403 insufficient_scope;
    authorize app cart-service scope "write:payment" POST "/payments" from 10.0.0.1 => 200;
    authorize none POST "/payments" => 401;
    authorize header "Bearer not-a-token" POST "/payments" => 401 invalid_token;
    authorize app cart-service scope "write:payment" token expired POST "/payments" => 401;
    authorize app cart-service scope "write:payment" POST "/payments/../payments" => 200;
    authorize app cart-service POST "/a%2Fb" => 400 invalid_request;
}

test "clients" {
    client cart-service secret "demo-cart-secret" => allow;
    client cart-service secret "demo-cart-secret " => deny;
    client cart-service => deny;
    client nobody secret "x" => deny;
}
TESTS
if expect_exit 0 "$WRIT" test good.writ-test; then
	expect_output stdout '3 passed, 0 failed'
	expect_output stderr ''
fi

# Failing assertions: each one on a line of its own, then the summary.
cat >bad.writ-test <<'TESTS'
policy "payment.writ" "issuer.writ";

test "passes" {
    authorize none POST "/payments" => 401;
}

test "wrong <scopes> & \"more\"" {
    grant app cart-service scope "write:payment read:payment" => "read:payment";
    grant app cart-service scope "write:payment" => deny;
    grant app nobody scope "write:payment" => "write:payment";
}

test "wrong # decisions" {
	authorize app cart-service scope "write:payment" GET "/payments/1" => 200;
    authorize none POST "/payments" => 401 invalid_token;
    client cart-service secret "demo-cart-secret" => deny;
}
TESTS
if expect_exit 1 "$WRIT" test bad.writ-test; then
	expect_output stdout 'bad.writ-test:8:5: test "wrong <scopes> & \"more\"": grant: expected "read:payment", got "write:payment"
bad.writ-test:9:5: test "wrong <scopes> & \"more\"": grant: expected deny, got "write:payment"
bad.writ-test:10:5: test "wrong <scopes> & \"more\"": grant: expected "write:payment", got error: no such app or user
bad.writ-test:14:2: test "wrong # decisions": authorize: expected 200, got 403 insufficient_scope (insufficient scope: read:payment is not granted)
bad.writ-test:15:5: test "wrong # decisions": authorize: expected 401 invalid_token, got 401
bad.writ-test:16:5: test "wrong # decisions": client: expected deny, got allow
1 passed, 2 failed'
	expect_output stderr ''
fi
# The same as TAP.
if expect_exit 1 "$WRIT" test --format tap bad.writ-test; then
	expect_output stdout 'TAP version 14
1..3
ok 1 - bad.writ-test: passes
not ok 2 - bad.writ-test: wrong <scopes> & "more"
  ---
  at: "bad.writ-test:7:1"
  failures:
    - at: "bad.writ-test:8:5"
      assertion: grant
      expected: "\"read:payment\""
      actual: "\"write:payment\""
    - at: "bad.writ-test:9:5"
      assertion: grant
      expected: "deny"
      actual: "\"write:payment\""
    - at: "bad.writ-test:10:5"
      assertion: grant
      expected: "\"write:payment\""
      actual: "error: no such app or user"
  ...
not ok 3 - bad.writ-test: wrong \# decisions
  ---
  at: "bad.writ-test:13:1"
  failures:
    - at: "bad.writ-test:14:2"
      assertion: authorize
      expected: "200"
      actual: "403 insufficient_scope (insufficient scope: read:payment is not granted)"
    - at: "bad.writ-test:15:5"
      assertion: authorize
      expected: "401 invalid_token"
      actual: "401"
    - at: "bad.writ-test:16:5"
      assertion: client
      expected: "deny"
      actual: "allow"
  ...'
	expect_output stderr ''
fi
# The same as JUnit XML: well-formed, one testcase per test, a failure
# element for each failed one, with the markup escaped.
if expect_exit 1 "$WRIT" test --format junit good.writ-test bad.writ-test; then
	expect_output stderr ''
	save_output stdout junit.xml
	expect_first_line stdout '<?xml version="1.0" encoding="UTF-8"?>'
	for want in \
		'<testsuites name="writ test" tests="6" failures="2" errors="0">' \
		'  <testsuite name="good.writ-test" tests="3" failures="0" errors="0" skipped="0">' \
		'    <testcase name="grants" classname="good.writ-test" file="good.writ-test" line="4"/>' \
		'  <testsuite name="bad.writ-test" tests="3" failures="2" errors="0" skipped="0">' \
		'    <testcase name="wrong &lt;scopes&gt; &amp; &quot;more&quot;" classname="bad.writ-test" file="bad.writ-test" line="7">' \
		'bad.writ-test:9:5: grant: expected deny, got &quot;write:payment&quot;' \
		'</testsuites>'
	do
		checks=$((checks + 1))
		grep -Fxq -- "$want" junit.xml || fail "writ test --format junit: no line '$want'"
	done
	checks=$((checks + 1))
	[ "$(grep -c '<testcase ' junit.xml)" -eq 6 ] || fail "writ test --format junit: not 6 testcases"
	checks=$((checks + 1))
	[ "$(grep -c '<failure type="assertion" message="' junit.xml)" -eq 2 ] ||
		fail "writ test --format junit: not 2 failures"
	if command -v xmllint >/dev/null 2>&1; then
		checks=$((checks + 1))
		xmllint --noout junit.xml || fail "writ test --format junit: not well-formed XML"
	else
		echo "note: xmllint is not installed; the JUnit report's well-formedness is not checked"
	fi
fi

# A policy with no issuer: tokens are minted with a test issuer.
cat >no-issuer.writ <<'POLICY'
resource "https://api.example.com" {
    default;
    permission read:item;
    route GET "/items" requires read:item;
    route GET "/health" public;
}
role reader for apps { grant read:item on "https://api.example.com"; }
app reader-app { roles reader; }
POLICY
cat >no-issuer.writ-test <<'TESTS'
policy "no-issuer.writ";
test "reads" {
    authorize app reader-app scope "read:item" GET "/items" => 200;
    authorize app reader-app scope "read:item" GET "/items?page=2" => 200;
    authorize none GET "/health" => 200;
    authorize none GET "/items" => 401;
    authorize app reader-app token audience "https://elsewhere.example.com" GET "/items" => 200;
}
TESTS
if expect_exit 1 "$WRIT" test no-issuer.writ-test; then
	expect_output stdout 'no-issuer.writ-test:7:5: test "reads": authorize: expected 200, got error: cannot mint a token: no such resource
0 passed, 1 failed'
fi
sed -i '/elsewhere/d' no-issuer.writ-test
if expect_exit 0 "$WRIT" test no-issuer.writ-test; then
	expect_output stdout '1 passed, 0 failed'
fi
# A directory runs its *.writ-test files in byte order of their names.
mkdir dir
cp no-issuer.writ no-issuer.writ-test dir/
sed 's/"reads"/"more reads"/; s/=> 200;$/=> 403;/' no-issuer.writ-test >dir/a.writ-test
if expect_exit 1 "$WRIT" test --format tap dir/; then
	expect_first_line stdout 'TAP version 14'
	checks=$((checks + 1))
	[ "$(grep '^not ok\|^ok' "$run_stdout")" = 'not ok 1 - dir/a.writ-test: more reads
ok 2 - dir/no-issuer.writ-test: reads' ] || fail "writ test dir/: not the files in name order"
fi

# Malformed test files: exit 2, file:line:col and the line, nothing run.
parse_error() {
	# parse_error TEXT STDERR
	printf '%s\n' "$1" >p.writ-test
	if expect_exit 2 "$WRIT" test p.writ-test; then
		expect_output stdout ''
		expect_output stderr "$2"
	fi
}
parse_error 'test "x" { grant app a => "x" }' \
'p.writ-test:1:31: error: expected '"';'"', found '"'}'"'
    1 | test "x" { grant app a => "x" }
      |                               ^'
parse_error 'test "x" {
    grant robot a => "x";
}' \
'p.writ-test:2:11: error: expected '"'app' or 'user'"', found '"'robot'"'
    2 |     grant robot a => "x";
      |           ^'
parse_error 'test "x" { authorize app a GET "/" => ok; }' \
'p.writ-test:1:39: error: expected an HTTP status (200, 400, 401 or 403), found '"'ok'"'
    1 | test "x" { authorize app a GET "/" => ok; }
      |                                       ^'
parse_error 'test "x" { client a secret "open => allow; }' \
'p.writ-test:1:28: error: unterminated string
    1 | test "x" { client a secret "open => allow; }
      |                            ^'
parse_error 'test "x" { client a secret "a\tb" => allow; }' \
'p.writ-test:1:30: error: unknown escape: only \" and \\ are allowed in a string
    1 | test "x" { client a secret "a\tb" => allow; }
      |                              ^'
parse_error 'test "x" { client a => allow; }
test "x" { client b => deny; }' \
'p.writ-test:2:6: error: a test named "x" is already at line 1
    2 | test "x" { client b => deny; }
      |      ^'
parse_error '# nothing' 'p.writ-test: error: no tests in this file'
# Every malformed file is reported before the run stops.
printf 'test "a" {}\n' >q.writ-test
printf 'tset "a" {}\n' >r.writ-test
if expect_exit 2 "$WRIT" test q.writ-test r.writ-test; then
	expect_output stdout ''
	expect_output stderr 'q.writ-test:1:11: error: a test needs at least one assertion
    1 | test "a" {}
      |           ^
r.writ-test:1:1: error: expected '"'policy' or 'test'"', found '"'tset'"'
    1 | tset "a" {}
      | ^'
fi

# A policy that cannot be loaded: exit 2, its diagnostics, nothing run.
printf 'policy "missing.writ";\ntest "a" { client a => deny; }\n' >missing.writ-test
if expect_exit 2 "$WRIT" test missing.writ-test; then
	expect_output stdout ''
	expect_output stderr 'missing.writ: error: cannot read missing.writ: No such file or directory [E006]
writ test: cannot load the policy: a policy file could not be read
writ test: missing.writ-test: its policy cannot be loaded'
fi

# Usage errors: exit 2.
usage_error() {
	# usage_error MESSAGE CMD...
	msg=$1
	shift
	if expect_exit 2 "$@"; then
		expect_output stdout ''
		expect_output stderr "writ test: $msg
Try 'writ test --help'."
	fi
}
usage_error 'give at least one test file or directory' "$WRIT" test
usage_error "unknown format 'xml': human, tap or junit" "$WRIT" test --format xml good.writ-test
usage_error "unknown option '--frobnicate'" "$WRIT" test --frobnicate good.writ-test
usage_error "option '--format' needs a value" "$WRIT" test --format
if expect_exit 2 "$WRIT" test no-such.writ-test; then
	expect_output stdout ''
	expect_output stderr 'writ test: cannot read no-such.writ-test: No such file or directory'
fi
mkdir empty
if expect_exit 2 "$WRIT" test empty; then
	expect_output stderr 'writ test: no *.writ-test files in empty'
fi
if expect_exit 0 "$WRIT" --help; then
	checks=$((checks + 1))
	grep -Fxq '  test         run policy test files and report expected and actual outcomes' \
		"$run_stdout" || fail "writ --help does not list writ test"
fi
if expect_exit 0 "$WRIT" test --help; then
	expect_first_line stdout 'Usage: writ test [--format human|tap|junit] [--module-dir DIR] PATH...'
fi

finish
