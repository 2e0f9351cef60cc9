#!/bin/sh
# examples/ci/github-workflow.yml is a well-formed GitHub Actions workflow,
# and every writ command line it runs names a command writ has, with
# options that command's help lists.
. "$top_srcdir/tests/cli/lib.sh"

workflow=$top_srcdir/examples/ci/github-workflow.yml

# The YAML parses to a workflow whose steps each run or use something
# (python3-yaml; build-aux/install-deps installs it).
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
	expect_exit 0 python3 -c '
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
# YAML 1.1 reads the key "on" as true.
assert "on" in doc or True in doc, "no on: triggers"
assert doc.get("jobs"), "no jobs"
for name, job in doc["jobs"].items():
    assert job.get("runs-on"), name + ": no runs-on"
    for step in job.get("steps") or []:
        assert "run" in step or "uses" in step, name + ": a step neither runs nor uses"
' "$workflow"
else
	echo "python3-yaml is not installed: the YAML is not parsed"
fi

# The writ command lines, one per line: "writ COMMAND [--OPTION]... ...".
sed -n 's/^[[:space:]]*\(run:[[:space:]]*\)\{0,1\}\(writ [^#]*\)$/\2/p' "$workflow" >commands
checks=$((checks + 1))
grep -q '^writ lint ' commands || fail "the workflow runs no writ lint"
while read -r line; do
	set -- $line
	command=$2
	case $command in
	-*)
		expect_exit 0 "$WRIT" "$command"
		continue
		;;
	esac
	expect_exit 0 "$WRIT" help "$command" || continue
	save_output stdout help
	shift 2
	for word in "$@"; do
		case $word in
		--*)
			checks=$((checks + 1))
			grep -q -e "$word" help ||
				fail "'$line': writ help $command does not list $word"
			;;
		esac
	done
done <commands
finish
