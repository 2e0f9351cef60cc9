# lib.sh: what the CLI tests share. Source it first:
#
#   . "$top_srcdir/tests/cli/lib.sh"
#
# The environment names the program and the trees (automake sets them; by
# hand: WRIT=$PWD/writ top_srcdir=$PWD top_builddir=$PWD sh tests/cli/x.sh):
#   WRIT          the writ program
#   top_srcdir    the source tree (policies/, tests/, src/)
#   top_builddir  the build tree (config.h, .libs/)
#
# Every test runs in a fresh temporary directory, $tmp, removed on exit.
# Assertions do not stop the test: each failure is printed with what
# differed, and `finish` exits 1 when there was any. Exit 77 (skip) is only
# for a missing tool, never to hide a failure; 99 is a broken setup.

set -u

for var in WRIT top_srcdir top_builddir; do
	eval "val=\${$var:-}"
	if [ -z "$val" ]; then
		echo "ERROR: $var is not set" >&2
		exit 99
	fi
	# The tests cd to $tmp: make every path absolute first.
	case $val in
	/*) ;;
	*) eval "$var=\$(pwd)/\$val" ;;
	esac
done
unset var val
if [ ! -x "$WRIT" ]; then
	echo "ERROR: WRIT=$WRIT is not an executable program" >&2
	exit 99
fi

tmp=$(mktemp -d) || {
	echo "ERROR: mktemp -d failed" >&2
	exit 99
}
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM
# Scratch files of the helpers; test files live beside them in $tmp.
mkdir "$tmp/.run" || exit 99

tab=$(printf '\t')
nl='
'
failures=0
checks=0

# fail MESSAGE...: record a failed assertion.
fail() {
	failures=$((failures + 1))
	printf 'FAIL: %s\n' "$*"
}

# The last command run by `run` or `expect_exit`: its words, its status, and
# its standard output and error in files.
last_cmd=
status=0
run_stdout=$tmp/.run/stdout
run_stderr=$tmp/.run/stderr

# run CMD [ARG]...: run a command, recording status, stdout and stderr.
run() {
	last_cmd=$*
	"$@" >"$run_stdout" 2>"$run_stderr"
	status=$?
}

# expect_exit N CMD [ARG]...: run CMD and check that it exits with N. The
# outputs stay for expect_output to check.
expect_exit() {
	_lib_status=$1
	shift
	run "$@"
	checks=$((checks + 1))
	if [ "$status" -ne "$_lib_status" ]; then
		fail "$last_cmd: exited $status, expected $_lib_status"
		printf '  stdout:\n'
		sed 's/^/    /' "$run_stdout"
		printf '  stderr:\n'
		sed 's/^/    /' "$run_stderr"
		return 1
	fi
	return 0
}

# expect_output stdout|stderr TEXT: the last command's stdout or stderr is
# exactly TEXT followed by a newline, or nothing at all when TEXT is empty.
expect_output() {
	_lib_which=$1
	case $_lib_which in
	stdout) _lib_file=$run_stdout ;;
	stderr) _lib_file=$run_stderr ;;
	*) echo "ERROR: expect_output stdout|stderr TEXT" >&2; exit 99 ;;
	esac
	if [ -z "$2" ]; then
		: >"$tmp/.run/want"
	else
		printf '%s\n' "$2" >"$tmp/.run/want"
	fi
	checks=$((checks + 1))
	if ! cmp -s "$tmp/.run/want" "$_lib_file"; then
		fail "$last_cmd: $_lib_which differs from what is expected (- expected, + actual):"
		diff -u "$tmp/.run/want" "$_lib_file" | sed '1,2d; s/^/    /'
		return 1
	fi
	return 0
}

# expect_same_output stdout|stderr FILE: the last command's stdout or stderr
# is exactly the contents of FILE.
expect_same_output() {
	case $1 in
	stdout) _lib_file=$run_stdout ;;
	stderr) _lib_file=$run_stderr ;;
	*) echo "ERROR: expect_same_output stdout|stderr FILE" >&2; exit 99 ;;
	esac
	checks=$((checks + 1))
	if ! cmp -s "$2" "$_lib_file"; then
		fail "$last_cmd: $1 differs from $2 (- expected, + actual):"
		diff -u "$2" "$_lib_file" | sed '1,2d; s/^/    /'
		return 1
	fi
	return 0
}

# expect_first_line stdout|stderr TEXT: the first line is exactly TEXT.
expect_first_line() {
	case $1 in
	stdout) _lib_file=$run_stdout ;;
	stderr) _lib_file=$run_stderr ;;
	*) echo "ERROR: expect_first_line stdout|stderr TEXT" >&2; exit 99 ;;
	esac
	_lib_first=$(sed -n 1p "$_lib_file")
	checks=$((checks + 1))
	if [ "$_lib_first" != "$2" ]; then
		fail "$last_cmd: the first line of $1 is '$_lib_first', expected '$2'"
		return 1
	fi
	return 0
}

# save_output stdout|stderr NAME: keep a copy of the last output as $tmp/NAME.
save_output() {
	case $1 in
	stdout) cp "$run_stdout" "$tmp/$2" ;;
	stderr) cp "$run_stderr" "$tmp/$2" ;;
	esac
}

# finish: the test's exit status.
finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures of $checks checks failed"
		exit 1
	fi
	echo "all $checks checks passed"
	exit 0
}

cd "$tmp" || exit 99
