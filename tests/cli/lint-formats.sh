#!/bin/sh
# writ lint for programs and CI: --format json|sarif|github beside the human
# form, --werror, --disable, inline suppressions (# writ: ignore[CODE]),
# and the example of every documented code. The SARIF log is checked
# against the SARIF 2.1.0 schema by tests/cli/lint-sarif.sh.
. "$top_srcdir/tests/cli/lib.sh"

command -v jq >/dev/null 2>&1 || { echo "jq is not installed"; exit 77; }

# A policy with an error, a warning, and an error with a note.
cat >policy.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;
}

role reader for users {
    grant read:item on "https://api.example.com";
}

role reader for users { }

user ann { roles reader, raeder; }
POLICY

human='policy.writ:3:16: warning: no role grants permission "delete:item" [W001]
    3 |     permission delete:item;
      |                ^~~~~~~~~~~
policy.writ:10:6: error: role "reader" is defined twice [E009]
   10 | role reader for users { }
      |      ^~~~~~
policy.writ:6:6: note: first defined here
    6 | role reader for users {
      |      ^~~~~~
policy.writ:12:26: error: unknown role "raeder" [E010]
   12 | user ann { roles reader, raeder; }
      |                          ^~~~~~
      = hint: did you mean "reader"?
policy.writ: 2 errors, 1 warning'
for format in '' '--format human' '-f human' '--format=human'; do
	if expect_exit 1 "$WRIT" lint $format policy.writ; then
		expect_output stdout "$human"
		expect_output stderr ''
	fi
done

# JSON Lines: one object per diagnostic, notes inside it, nothing else.
json_w001='{"file":"policy.writ","line":3,"column":16,"end_line":3,"end_column":27,"severity":"warning","code":"W001","message":"no role grants permission \"delete:item\"","hint":null,"related":[]}'
json_errors='{"file":"policy.writ","line":10,"column":6,"end_line":10,"end_column":12,"severity":"error","code":"E009","message":"role \"reader\" is defined twice","hint":null,"related":[{"file":"policy.writ","line":6,"column":6,"end_line":6,"end_column":12,"message":"first defined here"}]}
{"file":"policy.writ","line":12,"column":26,"end_line":12,"end_column":32,"severity":"error","code":"E010","message":"unknown role \"raeder\"","hint":"did you mean \"reader\"?","related":[]}'
if expect_exit 1 "$WRIT" lint --format json policy.writ; then
	expect_output stdout "$json_w001$nl$json_errors"
	expect_output stderr ''
	save_output stdout policy.jsonl
fi
# -q keeps errors only, in every format.
if expect_exit 1 "$WRIT" lint -q --format json policy.writ; then
	expect_output stdout "$json_errors"
fi

# The shape of every line, whatever the policy: these keys, these types.
json_shape='
	def place: (.file | type == "string")
		and ([.line, .column, .end_line, .end_column] | all(type == "number" and . >= 1));
	(keys_unsorted == ["file","line","column","end_line","end_column","severity","code","message","hint","related"])
	and place
	and (.severity | IN("error", "warning"))
	and (.code | test("^[EW][0-9]{3}$"))
	and (.message | type == "string" and length > 0)
	and (.hint | type == "string" or type == "null")
	and (.related | type == "array" and all(
		(keys_unsorted == ["file","line","column","end_line","end_column","message"]) and place))'
checks=$((checks + 1))
if ! jq -e "$json_shape" policy.jsonl >/dev/null || [ "$(jq -s length policy.jsonl)" != 3 ]; then
	fail "the JSON Lines of policy.writ do not have the documented shape:"
	sed 's/^/    /' policy.jsonl
fi
# A diagnostic about a whole file has no line; a path that is not UTF-8
# becomes U+FFFD in JSON strings.
bad_name=$(printf 'x\377.writ')
if expect_exit 2 "$WRIT" lint --format json "$bad_name"; then
	expect_output stdout '{"file":"x�.writ","line":null,"column":null,"end_line":null,"end_column":null,"severity":"error","code":"E006","message":"cannot read x�.writ: No such file or directory","hint":null,"related":[]}'
	expect_output stderr ''
fi

# GitHub Actions annotations, then the summary for the log.
github='::warning file=policy.writ,line=3,col=16,endLine=3,endColumn=27,title=W001::no role grants permission "delete:item"
::error file=policy.writ,line=10,col=6,endLine=10,endColumn=12,title=E009::role "reader" is defined twice%0Anote: policy.writ:6:6: first defined here
::error file=policy.writ,line=12,col=26,endLine=12,endColumn=32,title=E010::unknown role "raeder"%0Ahint: did you mean "reader"?
policy.writ: 2 errors, 1 warning'
if expect_exit 1 "$WRIT" lint --format github policy.writ; then
	expect_output stdout "$github"
	expect_output stderr ''
fi
# Escaping: '%', CR and LF in the message; ':' and ',' too in properties.
cat >'a:b,c%d.writ' <<'POLICY'
role reader for users { }
user ann { roles "reader%,"; }
POLICY
if expect_exit 1 "$WRIT" lint --format github 'a:b,c%d.writ'; then
	expect_output stdout '::warning file=a%3Ab%2Cc%25d.writ,line=1,col=6,endLine=1,endColumn=12,title=W002::role "reader" is given to no user
::error file=a%3Ab%2Cc%25d.writ,line=2,col=18,endLine=2,endColumn=28,title=E010::unknown role "reader%25,"%0Ahint: did you mean "reader"?
a:b,c%d.writ: 1 error, 1 warning'
fi
# A diagnostic about a whole file: no line, no columns.
if expect_exit 2 "$WRIT" lint --format github no-such.writ; then
	expect_output stdout '::error file=no-such.writ,title=E006::cannot read no-such.writ: No such file or directory
no-such.writ: 1 error, 0 warnings'
fi

# SARIF 2.1.0: one run; a rule for each code reported, with its help and
# example; results with their region in code points, notes as related
# locations.
version=$("$WRIT" --version | sed 's/^writ //')
sed "s/@VERSION@/$version/" >policy.sarif <<'SARIF'
{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {
      "tool": {
        "driver": {
          "name": "writ",
          "version": "@VERSION@",
          "rules": [
            {
              "id": "E009",
              "name": "duplicate-definition",
              "shortDescription": {
                "text": "Two resources with one indicator, two permissions with one name on the same resource, two roles, two apps or two users with one name, or two issuer blocks."
              },
              "fullDescription": {
                "text": "Two resources with one indicator, two permissions with one name on the same resource, two roles, two apps or two users with one name, or two issuer blocks. A note shows the first definition. Rename or merge them."
              },
              "help": {
                "text": "Two resources with one indicator, two permissions with one name on the same resource, two roles, two apps or two users with one name, or two issuer blocks. A note shows the first definition. Rename or merge them.\n\nExample:\nrole reader for users { }\nrole reader for users { }\n"
              },
              "defaultConfiguration": {
                "level": "error"
              }
            },
            {
              "id": "E010",
              "name": "unknown-name",
              "shortDescription": {
                "text": "A role, resource or permission that is not declared anywhere in the policy."
              },
              "fullDescription": {
                "text": "A role, resource or permission that is not declared anywhere in the policy. The hint names the closest declared name when there is one: correct the name, or declare what it names."
              },
              "help": {
                "text": "A role, resource or permission that is not declared anywhere in the policy. The hint names the closest declared name when there is one: correct the name, or declare what it names.\n\nExample:\nrole reader for users { }\nuser ann { roles raeder; }\n"
              },
              "defaultConfiguration": {
                "level": "error"
              }
            },
            {
              "id": "W001",
              "name": "permission-never-granted",
              "shortDescription": {
                "text": "No role grants this permission, so no token will ever carry it."
              },
              "fullDescription": {
                "text": "No role grants this permission, so no token will ever carry it. Grant it, or remove it."
              },
              "help": {
                "text": "No role grants this permission, so no token will ever carry it. Grant it, or remove it.\n\nExample:\nresource \"https://api.example.com\" {\n    permission read:item;\n    permission delete:item;\n}\nrole reader for users {\n    grant read:item on \"https://api.example.com\";\n}\nuser ann { roles reader; }\n"
              },
              "defaultConfiguration": {
                "level": "warning"
              }
            }
          ]
        }
      },
      "columnKind": "unicodeCodePoints",
      "results": [
        {
          "ruleId": "W001",
          "ruleIndex": 2,
          "level": "warning",
          "message": {
            "text": "no role grants permission \"delete:item\""
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "policy.writ",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 3,
                  "startColumn": 16,
                  "endLine": 3,
                  "endColumn": 27
                }
              }
            }
          ],
          "partialFingerprints": {
            "writ/v1": "3025e216c29bcfda:1"
          }
        },
        {
          "ruleId": "E009",
          "ruleIndex": 0,
          "level": "error",
          "message": {
            "text": "role \"reader\" is defined twice"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "policy.writ",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 10,
                  "startColumn": 6,
                  "endLine": 10,
                  "endColumn": 12
                }
              }
            }
          ],
          "relatedLocations": [
            {
              "id": 1,
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "policy.writ",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 6,
                  "startColumn": 6,
                  "endLine": 6,
                  "endColumn": 12
                }
              },
              "message": {
                "text": "first defined here"
              }
            }
          ],
          "partialFingerprints": {
            "writ/v1": "4c66e3feaef7d115:1"
          }
        },
        {
          "ruleId": "E010",
          "ruleIndex": 1,
          "level": "error",
          "message": {
            "text": "unknown role \"raeder\"\nhint: did you mean \"reader\"?"
          },
          "locations": [
            {
              "physicalLocation": {
                "artifactLocation": {
                  "uri": "policy.writ",
                  "uriBaseId": "%SRCROOT%"
                },
                "region": {
                  "startLine": 12,
                  "startColumn": 26,
                  "endLine": 12,
                  "endColumn": 32
                }
              }
            }
          ],
          "partialFingerprints": {
            "writ/v1": "4420341769644c76:1"
          }
        }
      ]
    }
  ]
}
SARIF
if expect_exit 1 "$WRIT" lint --format sarif policy.writ; then
	expect_same_output stdout policy.sarif
	expect_output stderr ''
fi
# Paths become URIs: relative ones percent-encoded against %SRCROOT%,
# absolute ones file: URIs.
cp policy.writ 'my policy:1.writ'
if expect_exit 1 "$WRIT" lint --format sarif 'my policy:1.writ'; then
	save_output stdout spaced.sarif
	checks=$((checks + 1))
	uris=$(jq -c '[.runs[0].results[].locations[0].physicalLocation.artifactLocation] | unique' spaced.sarif)
	[ "$uris" = '[{"uri":"my%20policy%3A1.writ","uriBaseId":"%SRCROOT%"}]' ] ||
		fail "relative artifact locations: $uris"
fi
if expect_exit 1 "$WRIT" lint --format sarif "$tmp/policy.writ"; then
	save_output stdout absolute.sarif
	checks=$((checks + 1))
	uris=$(jq -c '[.runs[0].results[].locations[0].physicalLocation.artifactLocation] | unique' absolute.sarif)
	case $uris in
	'[{"uri":"file:///'*'/policy.writ"}]') ;;
	*) fail "absolute artifact locations: $uris" ;;
	esac
fi
# A clean policy is a log with no result.
cat >clean.writ <<'POLICY'
resource "https://api.example.com" { permission read:item; }
role reader for users { grant read:item on "https://api.example.com"; }
user ann { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint --format sarif clean.writ; then
	checks=$((checks + 1))
	[ "$(jq -c '.runs[0] | [.tool.driver.rules, .results]' "$run_stdout")" = '[[],[]]' ] ||
		fail "a clean policy's SARIF log is not empty"
fi
if expect_exit 0 "$WRIT" lint --format json clean.writ; then
	expect_output stdout ''
fi

# --werror: a warning is enough for exit 1, in every format.
cat >warn.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;
}
role reader for users { grant read:item on "https://api.example.com"; }
user ann { roles reader; }
POLICY
for format in human json sarif github; do
	expect_exit 0 "$WRIT" lint --format $format warn.writ
	expect_exit 1 "$WRIT" lint --format $format --werror warn.writ
done

# --disable: the code is not reported, counted, or failed on with --werror.
if expect_exit 0 "$WRIT" lint --disable W001 --werror warn.writ; then
	expect_output stdout 'warn.writ: ok, 0 warnings (1 resource, 1 role, 0 apps, 1 user)'
fi
if expect_exit 1 "$WRIT" lint -d W001 policy.writ; then
	expect_output stdout "$(printf '%s\n' "$human" | sed '1,3d; $d')${nl}policy.writ: 2 errors, 0 warnings"
fi
if expect_exit 1 "$WRIT" lint --format json --disable W002,W001 policy.writ; then
	expect_output stdout "$json_errors"
fi
if expect_exit 1 "$WRIT" lint --format json --disable 'w002, w001' policy.writ; then
	expect_output stdout "$json_errors"
fi
if expect_exit 1 "$WRIT" lint --format json --disable W002 --disable W001 policy.writ; then
	expect_output stdout "$json_errors"
fi
# Errors cannot be disabled; unknown codes and formats are usage errors.
if expect_exit 2 "$WRIT" lint --disable E010 policy.writ; then
	expect_output stdout ''
	expect_output stderr "writ lint: --disable: E010 is an error; errors cannot be disabled
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --disable W001,W999 policy.writ; then
	expect_output stdout ''
	expect_output stderr "writ lint: --disable: unknown diagnostic code 'W999'
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --disable '' policy.writ; then
	expect_output stderr "writ lint: --disable: unknown diagnostic code ''
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --format xml policy.writ; then
	expect_output stdout ''
	expect_output stderr "writ lint: unknown format 'xml': human, json, sarif or github
Try 'writ lint --help'."
fi
if expect_exit 2 "$WRIT" lint --format; then
	expect_output stderr "writ lint: option '--format' needs a value
Try 'writ lint --help'."
fi

# Inline suppressions: on the warning's line, or alone on the line above;
# one code or several; blanks around the codes and a reason after them.
cat >sup.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;  # writ: ignore[W001]
    # writ: ignore[W001]
    permission purge:item;
    permission audit:item;   # writ:ignore[ W001 ,W005 ] kept for the auditors
}

role reader for users {
    grant read:item on "https://api.example.com";
}

role writer for users { }    # writ: ignore[W002, W001]
user ann { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint sup.writ; then
	expect_output stdout 'sup.writ:6:51: warning: this suppression of W005 is unused: no W005 on line 6 [W014]
    6 |     permission audit:item;   # writ:ignore[ W001 ,W005 ] kept for the auditors
      |                                                   ^~~~
sup.writ:13:51: warning: this suppression of W001 is unused: no W001 on line 13 [W014]
   13 | role writer for users { }    # writ: ignore[W002, W001]
      |                                                   ^~~~
sup.writ: ok, 2 warnings (1 resource, 2 roles, 0 apps, 1 user)'
fi
# W014 is a warning like others: --disable hides it, --werror fails on it.
expect_exit 1 "$WRIT" lint --werror sup.writ
if expect_exit 0 "$WRIT" lint --werror --disable W014 sup.writ; then
	expect_output stdout 'sup.writ: ok, 0 warnings (1 resource, 2 roles, 0 apps, 1 user)'
fi
# A comment alone on its line covers the next line only, not the one after.
cat >far.writ <<'POLICY'
resource "https://api.example.com" {
    # writ: ignore[W001]

    permission read:item;
}
POLICY
if expect_exit 0 "$WRIT" lint far.writ; then
	expect_output stdout 'far.writ:2:20: warning: this suppression of W001 is unused: no W001 on line 3 [W014]
    2 |     # writ: ignore[W001]
      |                    ^~~~
far.writ:4:16: warning: no role grants permission "read:item" [W001]
    4 |     permission read:item;
      |                ^~~~~~~~~
far.writ: ok, 2 warnings (1 resource, 0 roles, 0 apps, 0 users)'
fi
# Errors cannot be suppressed, and saying so is warned about. With errors,
# unused codes are not reported (W005 here): the check may have stopped
# short of the warning.
cat >err.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    permission delete:item;  # writ: ignore[W001, W005]
}
role reader for users {
    grant read:item on "https://api.example.com";
}
user ann { roles reader; }
user bob { roles nosuch; }  # writ: ignore[E010]
POLICY
if expect_exit 1 "$WRIT" lint err.writ; then
	expect_output stdout 'err.writ:9:18: error: unknown role "nosuch" [E010]
    9 | user bob { roles nosuch; }  # writ: ignore[E010]
      |                  ^~~~~~
err.writ:9:44: warning: E010 is an error: errors cannot be suppressed, only warnings [W014]
    9 | user bob { roles nosuch; }  # writ: ignore[E010]
      |                                            ^~~~
err.writ: 1 error, 1 warning'
fi
# Malformed directives, unknown codes, W014 itself; a '#' in a string is
# no comment, and other comments are left alone.
cat >odd.writ <<'POLICY'
# A comment that mentions writ: ignore[W001] is only a comment.
resource "https://api.example.com" {
    name "# writ: ignore[W001]";
    permission read:item;  # writ: ignore W001
    permission write:item;  # writ: ignore[W1, W999, W014]
    permission delete:item; # writ: ignore[]
}
role reader for users {
    grant read:item, write:item, delete:item on "https://api.example.com";
}
user ann { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint -f json odd.writ; then
	checks=$((checks + 1))
	got=$(jq -r '"\(.line):\(.column)-\(.end_column) \(.code) \(.message)"' "$run_stdout")
	want='4:28-47 W014 malformed writ directive: expected # writ: ignore[CODE, ...]
5:44-46 W014 unknown diagnostic code "W1" in a suppression
5:48-52 W014 unknown diagnostic code "W999" in a suppression
5:54-58 W014 W014 is about suppressions and cannot itself be suppressed
6:29-45 W014 malformed writ directive: expected # writ: ignore[CODE, ...]'
	[ "$got" = "$want" ] || fail "odd.writ's diagnostics:$nl$got${nl}expected:$nl$want"
fi
# Every file of a policy, included ones too.
mkdir inc
cat >inc/main.writ <<'POLICY'
include "part.writ";
resource "https://api.example.com" {
    permission read:item;
}
POLICY
cat >inc/part.writ <<'POLICY'
role reader for users {  # writ: ignore[W002]
    grant read:item on "https://api.example.com";
}
role writer for users { }
POLICY
if expect_exit 0 "$WRIT" lint inc/main.writ; then
	expect_output stdout 'inc/part.writ:4:6: warning: role "writer" is given to no user [W002]
    4 | role writer for users { }
      |      ^~~~~~
inc/main.writ: ok, 1 warning (1 resource, 2 roles, 0 apps, 0 users)'
fi
# A suppressed warning is dropped with its notes.
cat >notes.writ <<'POLICY'
resource "https://api.example.com" {
    permission read:item;
    route GET "/{kind}/new" public;
    route GET "/items/{id}" requires read:item;  # writ: ignore[W012]
}
role reader for users { grant read:item on "https://api.example.com"; }
user ann { roles reader; }
POLICY
if expect_exit 0 "$WRIT" lint --format json notes.writ; then
	expect_output stdout ''
fi

# Every documented code has an example, and the example draws it. An
# example of several files starts each with "# NAME.writ"; the first is
# linted, from a directory that also holds an empty policy.d/.
mkdir examples
codes=$(grep -o '"[EW][0-9][0-9][0-9]"' "$top_srcdir/src/lib/codes.h" | tr -d '"')
for code in $codes; do
	dir=examples/$code
	mkdir "$dir" "$dir/policy.d"
	checks=$((checks + 1))
	if ! "$top_builddir/doc/gen-man-codes" --example "$code" >"$dir/example" ||
	   [ ! -s "$dir/example" ]; then
		fail "$code has no example"
		continue
	fi
	case $code in
	# What these need cannot be written as text: bytes that are not UTF-8,
	# 17 nested files, more than 256 MiB, a file's mode (W017 is checked
	# by tests/cli/lint.sh), a damaged snapshot (E038: tests/cli/compile.sh
	# and tests/unit/test_snapshot.c).
	E005 | E008 | E024 | W017 | E038) continue ;;
	esac
	first=$(cd "$dir" && awk '
		BEGIN { file = "policy.writ" }
		/^# [A-Za-z0-9_.-]+\.writ$/ { file = $2; if (!first) first = file; next }
		{ if (!first) first = file; print >file }
		END { print first }' example)
	checks=$((checks + 1))
	if ! (cd "$dir" && "$WRIT" lint --format json "$first") |
	     jq -s -e --arg code "$code" 'any(.[]; .code == $code)' >/dev/null; then
		fail "the example of $code does not draw it:"
		sed 's/^/    /' "$dir/example"
	fi
done

finish
