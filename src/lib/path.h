/*
 * path.h: the path of an HTTP request, made fit for matching against the
 * routes of a policy (POST /payments, GET /payments/{id}, everything under
 * /static).
 *
 * The rule: paths are matched after RFC 3986 dot-segment removal; a
 * percent-encoded '/', '\', '.', NUL or a malformed escape is refused,
 * never decoded into a different route; the query is not part of the match.
 *
 * A gateway and the server behind it each read the path. Where two readers
 * could disagree (is %2F a separator? is "..;" a dot-segment? is "//" one
 * slash?) the gateway would check one route and the server serve another,
 * so path_normalize() refuses the request instead of picking a reading.
 * Everything it accepts has one meaning under RFC 3986 and every common
 * server's reading of it: a legitimate client never needs what is refused.
 *
 * path_normalize(), in order (bytes are counted from 1 in the reasons):
 *
 *  1. Form. The request-target must be in origin-form, absolute-path
 *     ["?" query] (RFC 9112 §3.2.1): its first byte is '/'. "*" (the
 *     asterisk-form, §3.2.4), "http://h/a" (absolute-form, §3.2.2) and
 *     "h:443" (authority-form, §3.2.3) are refused: a server that accepts
 *     the absolute-form passes its path here. An empty target is refused.
 *
 *  2. Query and fragment. The path ends at the first '?'; the query after
 *     it is not matched, not decoded and not returned, but may hold no
 *     space or control byte (RFC 9112 §3.2: no whitespace in a
 *     request-target). A '#' anywhere is refused: origin-form has no
 *     fragment (RFC 9112 §3.2.1), and a server that cut the target at one
 *     would see another path.
 *
 *  3. Sizes. At most PATH_MAX_TARGET bytes in all (RFC 9112 §3 asks for at
 *     least 8000 octets of request-line), at most PATH_MAX_LEN bytes of
 *     path before the '?', and at most PATH_MAX_SEGMENTS segments.
 *
 *  4. Raw bytes. The path may hold, as themselves, what RFC 3986 §3.3 lets
 *     a segment hold (pchar: ALPHA DIGIT - . _ ~ ! $ & ' ( ) * + , = : @),
 *     '/', '%' opening an escape, and non-ASCII bytes that form UTF-8 (step
 *     6). Refused: C0 controls (NUL included) and DEL; the space (HTTP has
 *     none in a request-target: send %20); '\' (IIS and others read it as
 *     '/'); ';' (see below); and the rest of ASCII that RFC 3986 never lets
 *     a path hold unencoded (" < > [ ] ^ ` { | }).
 *
 *     ';' opens a path parameter (RFC 3986 §3.3): servlet containers such
 *     as Tomcat strip "/admin;x=1" to "/admin" before routing, so
 *     "/public/..;/admin" is a plain segment to one reader and "/admin" to
 *     another (the Spring Security advisories CVE-2016-9879 and
 *     CVE-2018-1199 are this kind of disagreement). Keeping ';' as an
 *     ordinary character would be correct for some servers and a bypass for
 *     others, and "jsessionid" in a URL is long obsolete: refused, raw or
 *     encoded.
 *
 *  5. Percent-escapes (RFC 3986 §2.1): '%' and two hex digits, in either
 *     case (%2f and %2F are the same octet), decoded to that octet. A '%'
 *     without two hex digits after it is refused, not kept as it is. Refused
 *     once decoded, because decoding them changes where the path splits or
 *     what it says to a server that decodes differently:
 *       %2F '/' and %5C '\'  a separator hidden from one reader;
 *       %2E '.'              a dot-segment hidden from one reader (RFC 3986
 *                            §2.3 says producers should never encode an
 *                            unreserved character, so no client needs to);
 *       %25 '%'              decoded twice, %252e becomes '.' (§2.4: a
 *                            string must not be decoded more than once);
 *       %3B ';'              as ';' above;
 *       %3F '?' and %23 '#'  a query or fragment to a server that re-parses;
 *       %00-%1F and %7F      NUL and controls.
 *     Every other octet is decoded (§6.2.2.2), %20 included: a space is
 *     data once decoded (but see step 7).
 *
 *  6. UTF-8. Non-ASCII bytes, raw or decoded, must form UTF-8 (RFC 3629):
 *     no stray continuation byte, no overlong form (%C0%AE is not '.'), no
 *     surrogate (%ED%A0%80), nothing above U+10FFFF, no truncated sequence.
 *     Raw UTF-8 is what the percent-encoded UTF-8 of an IRI stands for
 *     (RFC 3987 §3.1), so "/café" and "/caf%C3%A9" give the same path.
 *     Refused as well, because some server behind the gateway may turn them
 *     into something else before routing: C1 controls (U+0080-U+009F);
 *     every code point whose compatibility normalization (NFKC, Unicode 14)
 *     holds an ASCII character (U+FF0F FULLWIDTH SOLIDUS is '/', U+2025 TWO
 *     DOT LEADER "..", U+FF41 'a', U+00A0 NO-BREAK SPACE ' '), so that no
 *     server applying NFKC reaches an ASCII route this function did not
 *     see; U+0130 and U+0131, whose simple case mappings are 'i' and 'I'
 *     (a case-insensitive comparison in Java finds "admın" equal to
 *     "admin"); and the whitespace NFKC keeps (U+1680, U+2028, U+2029).
 *     Nothing else is mapped or refused: letters outside ASCII are data,
 *     and a server that maps U+2215 DIVISION SLASH to '/' through a "best
 *     fit" code page is beyond what a gateway can know.
 *
 *  7. Segments. An empty segment ("//") is refused, except the last one
 *     (a trailing slash): nginx (merge_slashes) and Apache httpd
 *     (MergeSlashes, added for CVE-2019-0220) merge slashes by default,
 *     many application routers and proxies keep them, so "/a//b" is "/a/b"
 *     to one reader and a path with an empty segment to the next; refusing
 *     is the only reading all agree on. It also refuses "//host/x", which a
 *     careless server takes for a network-path reference (RFC 3986 §4.2).
 *     A segment that starts or ends with a space is refused (Spring once
 *     trimmed them before routing: CVE-2016-5007), and so is a segment
 *     other than "." and ".." that ends with '.' (Windows drops a trailing
 *     dot from a name, so "/admin." can reach "/admin" on IIS).
 *
 *  8. Dot-segments. "." and ".." segments (only raw dots form them: an
 *     encoded one was refused) are removed as RFC 3986 §5.2.4 says, so
 *     "/payments/../admin" is matched as "/admin" and "/a/b/.." as "/a/".
 *     A ".." with nothing left to remove ("/..", "/a/../..") is refused
 *     rather than dropped as §5.2.4 would: some servers clamp it at the
 *     root, some answer 400, a file server might go above its root; the
 *     gateway cannot know which.
 *
 * What comes out: a path that starts with '/', with no empty segment but
 * perhaps the last (the trailing slash is kept: "/payments/" is not
 * "/payments"), no "." or ".." segment, no escape, no '%', '\', ';', '?',
 * '#', NUL or control, valid UTF-8, case kept as it came (RFC 3986 §6.2.2.1:
 * the path is case-sensitive). It may hold characters that were only
 * allowed encoded (a space, '"', '<' ...): it is for matching, not for
 * sending on. Never longer than the path it came from.
 */
#ifndef WRIT_PATH_H
#define WRIT_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* The longest request-target taken, query included, in bytes. */
#define PATH_MAX_TARGET 8192
/* The longest path (the request-target before any '?'), in bytes; a
 * normalized path is never longer, so PATH_MAX_LEN + 1 bytes always hold
 * one with its NUL. */
#define PATH_MAX_LEN 4096
/* The most segments in a path, counted before dot-segment removal (one per
 * '/': "/" has one, "/a/b/" three). */
#define PATH_MAX_SEGMENTS 128

/*
 * Normalize the path of the request-target target[0..len), as the HTTP
 * server received it, for route matching by the rules above.
 *
 * On WRIT_OK, out (out_size bytes, the caller's) holds the normalized
 * path, NUL-terminated, and *out_len (when out_len is not NULL) its length.
 * Room for len + 1 bytes, or PATH_MAX_LEN + 1, is always enough; with less,
 * a path that does not fit gives WRIT_ERANGE, but only once the whole
 * target has been checked (a refusal is always WRIT_EINVAL). On WRIT_EINVAL
 * why (whylen bytes; may be NULL) names the rule broken and where, by byte
 * position or segment number, quoting at most the one character or escape
 * at fault, never the path. On any error out holds "" (when out_size > 0)
 * and *out_len is 0.
 *
 * No allocation, no state: safe on any thread.
 */
int path_normalize(const char *target, size_t len, char *out, size_t out_size, size_t *out_len,
                   char *why, size_t whylen);

/*
 * Step through the segments of a normalized path, path[0..len), without
 * copying: *pos starts at 0, and each call stores the next segment (the
 * bytes after a '/' up to the next '/' or the end) in *seg and *seglen,
 * and returns true; false when there are no more (or path[*pos] is not a
 * '/'). "/" gives one empty segment; "/a/b" gives "a", "b"; "/a/" gives
 * "a", then "" (the trailing slash).
 */
bool path_next_segment(const char *path, size_t len, size_t *pos, const char **seg, size_t *seglen);

#endif
