/*
 * domain.c: lookup-key normalisation and host name validation.  See
 * domain.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <idn2.h>

#include "buf.h"
#include "domain.h"

/* Room for the longest IPv6 text form inet_pton(3) accepts, plus NUL. */
#define DOMAIN_MAX_IP6_TEXT	64

static void
name_empty(struct domain_name *out)
{
	out->name[0] = '\0';
	out->len = 0;
}

static bool
is_ldh(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || ascii_is_digit(c) || c == '-';
}

/*
 * Check an already lower-cased name without a trailing dot:
 *
 *	name  = label *("." label)		; at most 253 octets
 *	label = let-dig [*61ldh let-dig]	; 1..63 octets
 *	ldh   = let-dig / "-"
 *
 * (RFC 1035 §2.3.1 as relaxed by RFC 1123 §2.1: a label may start with a
 * digit.)  A last label made of digits only would make the name look like
 * an IPv4 address (RFC 3696 §2); it is refused unless numeric_tld_ok,
 * which lets domain_key_parse() classify such keys as IP literals.  A
 * single-label name such as "localhost" is accepted.
 */
static int
name_check(struct span s, bool numeric_tld_ok, const char **why)
{
	size_t	i, start = 0;
	bool	digits = true;

	if (s.len == 0) {
		*why = "empty name";
		return -1;
	}
	if (s.len > DOMAIN_MAX_NAME) {
		*why = "name longer than 253 characters";
		return -1;
	}
	for (i = 0; i <= s.len; i++) {
		if (i == s.len || s.p[i] == '.') {
			if (i == start) {
				*why = "empty label";
				return -1;
			}
			if (i - start > DOMAIN_MAX_LABEL) {
				*why = "label longer than 63 characters";
				return -1;
			}
			if (s.p[start] == '-' || s.p[i - 1] == '-') {
				*why = "label starts or ends with a hyphen";
				return -1;
			}
			if (i == s.len && digits && !numeric_tld_ok) {
				*why = "all-numeric top-level label";
				return -1;
			}
			start = i + 1;
			digits = true;
			continue;
		}
		if (!is_ldh(s.p[i])) {
			*why = "invalid character in name";
			return -1;
		}
		if (!ascii_is_digit(s.p[i]))
			digits = false;
	}
	return 0;
}

/* Whether the last label of a checked name is all digits. */
static bool
last_label_numeric(const struct domain_name *n)
{
	size_t	i = n->len;

	while (i > 0 && n->name[i - 1] != '.') {
		if (!ascii_is_digit((uint8_t)n->name[i - 1]))
			return false;
		i--;
	}
	return i < n->len;
}

static bool
has_control(struct span s)
{
	size_t	i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] < 0x20 || s.p[i] == 0x7f)
			return true;
	return false;
}

static bool
has_8bit(struct span s)
{
	size_t	i;

	for (i = 0; i < s.len; i++)
		if (s.p[i] >= 0x80)
			return true;
	return false;
}

/*
 * Copy an ASCII name into out, lower-cased, then check it.  The caller
 * has already removed the trailing dot, if any.
 */
static int
name_copy(struct span s, bool numeric_tld_ok, struct domain_name *out,
    const char **why)
{
	size_t	i;

	name_empty(out);
	if (s.len == 0) {
		*why = "empty name";
		return -1;
	}
	if (s.len > DOMAIN_MAX_NAME) {
		*why = "name longer than 253 characters";
		return -1;
	}
	for (i = 0; i < s.len; i++)
		out->name[i] = (char)ascii_lower(s.p[i]);
	out->name[s.len] = '\0';
	out->len = s.len;
	if (name_check(span_make(out->name, out->len), numeric_tld_ok,
	    why) == -1) {
		name_empty(out);
		return -1;
	}
	return 0;
}

/* Drop one trailing dot: the absolute form of a name means the same. */
static struct span
drop_dot(struct span s)
{
	if (s.len > 0 && s.p[s.len - 1] == '.')
		s.len--;
	return s;
}

/*
 * Normalise in into out.  With idn, a name holding bytes >= 0x80 is
 * converted to A-labels first; libidn2 wants a NUL-terminated string, so
 * the name is copied into a bounded local buffer (it cannot hold a NUL:
 * control bytes were refused before).
 */
static int
normalize(struct span in, bool idn, bool numeric_tld_ok,
    struct domain_name *out, const char **why)
{
	char		 tmp[DOMAIN_MAX_KEY + 1];
	uint8_t		*res = NULL;
	int		 rc;

	name_empty(out);
	if (has_control(in)) {
		*why = "control character in name";
		return -1;
	}
	in = drop_dot(in);
	if (!has_8bit(in))
		return name_copy(in, numeric_tld_ok, out, why);
	if (!idn) {
		*why = "non-ASCII character in name";
		return -1;
	}
	if (in.len > DOMAIN_MAX_KEY) {
		*why = "name longer than 1024 bytes";
		return -1;
	}
	memcpy(tmp, in.p, in.len);
	tmp[in.len] = '\0';
	rc = idn2_lookup_u8((const uint8_t *)tmp, &res,
	    IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK || res == NULL) {
		idn2_free(res);
		*why = "IDN conversion failed";
		return -1;
	}
	/* libidn2's output is its own NUL-terminated ASCII string. */
	rc = name_copy(span_make(res, strlen((const char *)res)),
	    numeric_tld_ok, out, why);
	idn2_free(res);
	return rc;
}

int
domain_normalize(struct span in, struct domain_name *out, const char **why)
{
	return normalize(in, false, false, out, why);
}

int
domain_normalize_idn(struct span in, struct domain_name *out,
    const char **why)
{
	return normalize(in, true, false, out, why);
}

bool
domain_is_valid(struct span s)
{
	const char	*why;

	return name_check(s, false, &why) == 0;
}

/* port = 1*5DIGIT, 1..65535, no leading zero. */
static bool
port_is_valid(struct span s)
{
	uint64_t	v;

	if (span_to_u64(s, 5, true, &v) == -1)
		return false;
	return v >= 1 && v <= 65535;
}

static bool
has_ip6_tag(struct span s)
{
	static const char	tag[] = "ipv6:";
	size_t			i;

	if (s.len < sizeof(tag) - 1)
		return false;
	for (i = 0; i < sizeof(tag) - 1; i++)
		if (ascii_lower(s.p[i]) != (uint8_t)tag[i])
			return false;
	return true;
}

static enum domain_key_kind
key_ip6(struct span s, const char **why)
{
	char		tmp[DOMAIN_MAX_IP6_TEXT];
	struct in6_addr	a;

	if (has_ip6_tag(s))
		s = span_tail(s, 5);
	if (s.len == 0 || s.len >= sizeof(tmp)) {
		*why = "invalid IPv6 literal";
		return DOMAIN_KEY_INVALID;
	}
	memcpy(tmp, s.p, s.len);
	tmp[s.len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1) {
		*why = "invalid IPv6 literal";
		return DOMAIN_KEY_INVALID;
	}
	return DOMAIN_KEY_IP_LITERAL;
}

static enum domain_key_kind
key_host(struct span s, struct domain_name *out, const char **why)
{
	if (normalize(s, true, true, out, why) == -1)
		return DOMAIN_KEY_INVALID;
	if (last_label_numeric(out)) {
		name_empty(out);
		return DOMAIN_KEY_IP_LITERAL;
	}
	return DOMAIN_KEY_NAME;
}

/*
 * Socketmap keys for smtp_tls_policy_maps (see POSTFIX-FACTS.md):
 *
 *	key        = probe / bracketed / host-port / ip6 / host
 *	probe      = "." name		; Postfix's parent-domain probe
 *	bracketed  = "[" inner "]" [":" port]
 *	inner      = ["IPv6:"] ip6-text / name
 *	host-port  = name ":" port	; exactly one ':'
 *	ip6        = ["IPv6:"] ip6-text	; two or more ':'
 *	host       = name
 *	name       = label *("." label) ["."]	; see name_check()
 *	port       = 1*5DIGIT		; 1..65535, no leading zero
 *
 * A bracketed name or a name with a port is the smart-host form of RFC
 * 8461 §3.4: the policy domain is the name, brackets and port dropped.
 * A name whose last label is all digits ("192.0.2.1", "[192.0.2.1]",
 * "192.0.2.1:25") is an IP literal, never looked up; IPv6 text is checked
 * with inet_pton(3).  "IPv6:" is matched without regard to case.
 *
 * Leniencies, all deliberate:
 * - ASCII letters are lower-cased.
 * - One trailing dot is dropped (Postfix may pass it through).
 * - Bytes >= 0x80 are taken as UTF-8 U-labels (SMTPUTF8) and converted
 *   to A-labels with libidn2; failure makes the key invalid.
 * - A single-label name ("localhost") is a name.
 * - The IPv6 tag is also accepted on an unbracketed address.
 * Refused: empty keys, keys over DOMAIN_MAX_KEY bytes, NUL and other
 * control bytes, service names as ports, anything else not above.
 */
enum domain_key_kind
domain_key_parse(struct span key, struct domain_name *out, const char **why)
{
	struct span	host, rest;
	long		close;
	size_t		i, ncolon = 0;

	name_empty(out);
	if (key.len == 0) {
		*why = "empty key";
		return DOMAIN_KEY_INVALID;
	}
	if (key.len > DOMAIN_MAX_KEY) {
		*why = "key longer than 1024 bytes";
		return DOMAIN_KEY_INVALID;
	}
	if (has_control(key)) {
		*why = "control character in key";
		return DOMAIN_KEY_INVALID;
	}

	if (key.p[0] == '[') {
		if ((close = span_find(key, ']')) < 0) {
			*why = "unterminated '['";
			return DOMAIN_KEY_INVALID;
		}
		host = span_make(key.p + 1, (size_t)close - 1);
		rest = span_tail(key, (size_t)close + 1);
		if (rest.len > 0 && rest.p[0] != ':') {
			*why = "unexpected text after ']'";
			return DOMAIN_KEY_INVALID;
		}
		if (rest.len > 0 && !port_is_valid(span_tail(rest, 1))) {
			*why = "invalid port";
			return DOMAIN_KEY_INVALID;
		}
		if (host.len == 0) {
			*why = "empty brackets";
			return DOMAIN_KEY_INVALID;
		}
		if (span_find(host, ':') >= 0)
			return key_ip6(host, why);
		return key_host(host, out, why);
	}

	if (key.p[0] == '.') {
		if (normalize(span_tail(key, 1), true, true, out, why) == -1)
			return DOMAIN_KEY_INVALID;
		return DOMAIN_KEY_PARENT_PROBE;
	}

	for (i = 0; i < key.len; i++)
		if (key.p[i] == ':')
			ncolon++;
	if (ncolon >= 2)
		return key_ip6(key, why);
	if (ncolon == 1) {
		close = span_find(key, ':');
		if (!port_is_valid(span_tail(key, (size_t)close + 1))) {
			*why = "invalid port";
			return DOMAIN_KEY_INVALID;
		}
		return key_host(span_head(key, (size_t)close), out, why);
	}
	return key_host(key, out, why);
}
