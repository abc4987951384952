/*
 * Checks for the "format" keyword: RFC 3339 dates and times, durations,
 * e-mail addresses, host names (with IDNA 2008 contextual and bidi rules
 * for internationalised labels), IP addresses, URIs and IRIs, UUIDs, JSON
 * Pointers, URI templates and ECMA-262 regular expressions.
 *
 * The IDNA checks take general categories, combining classes, bidi
 * classes and NFKC case folding from utf8proc's Unicode tables. Joining
 * types, which utf8proc does not provide, are approximated by the Arabic
 * letter blocks for the ZERO WIDTH NON-JOINER rule.
 */
#include "schema_int.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

/* Decodes one UTF-8 character (input is valid UTF-8); returns its length. */
static size_t
utf8_next(const char *s, size_t n, unsigned long *cp)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80 || n < 2) {
		*cp = u[0];
		return 1;
	}
	if (u[0] < 0xE0) {
		*cp = ((unsigned long)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if (u[0] < 0xF0 || n < 4) {
		if (n < 3) {
			*cp = u[0];
			return 1;
		}
		*cp = ((unsigned long)(u[0] & 0x0F) << 12) | ((unsigned long)(u[1] & 0x3F) << 6) |
		    (u[2] & 0x3F);
		return 3;
	}
	*cp = ((unsigned long)(u[0] & 0x07) << 18) | ((unsigned long)(u[1] & 0x3F) << 12) |
	    ((unsigned long)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
	return 4;
}

/* Dates and times (RFC 3339). */

static int
check_date(const char *s, size_t n)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, max;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	if (m < 1 || m > 12 || d < 1)
		return 0;
	max = days[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		max = 29;
	return d <= max;
}

static int
check_time(const char *s, size_t n)
{
	int h, m, sec, oh = 0, om = 0, sign = 0;
	size_t i = 8;

	if (n < 9 || s[2] != ':' || s[5] != ':')
		return 0;
	if (!digits(s, 2, &h) || !digits(s + 3, 2, &m) || !digits(s + 6, 2, &sec))
		return 0;
	if (h > 23 || m > 59 || sec > 60)
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i >= n)
		return 0;
	if (s[i] == 'Z' || s[i] == 'z') {
		if (i + 1 != n)
			return 0;
	} else if (s[i] == '+' || s[i] == '-') {
		sign = s[i] == '+' ? 1 : -1;
		if (n - i != 6 || s[i + 3] != ':' || !digits(s + i + 1, 2, &oh) ||
		    !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return 0;
	} else {
		return 0;
	}
	if (sec == 60) {
		/* A leap second exists only at 23:59:60 UTC. */
		int utc = ((h * 60 + m - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;

		return utc == 23 * 60 + 59;
	}
	return 1;
}

static int
check_date_time(const char *s, size_t n)
{
	if (n < 20 || (s[10] != 'T' && s[10] != 't'))
		return 0;
	return check_date(s, 10) && check_time(s + 11, n - 11);
}

/*
 * Reads the "<digits><unit>" terms of one part of a duration from s[*i]
 * up to stop (or the end), each unit of units directly after the one
 * before it. Returns the number of terms, or -1 when a term is invalid.
 */
static int
scan_duration_terms(const char *s, size_t n, size_t *i, const char *units, char stop)
{
	int next = -1, terms = 0;

	while (*i < n && s[*i] != stop) {
		size_t start = *i;
		const char *u;
		int idx;

		while (*i < n && is_digit(s[*i]))
			(*i)++;
		if (*i == start || *i >= n)
			return -1;
		u = strchr(units, s[*i]);
		if (u == NULL || s[*i] == '\0')
			return -1;
		idx = (int)(u - units);
		if (next >= 0 && idx != next)
			return -1;
		next = idx + 1;
		terms++;
		(*i)++;
	}
	return terms;
}

/* RFC 3339 appendix A: units in order, each one directly after the one
 * before it, no fractions; weeks stand alone. */
static int
check_duration(const char *s, size_t n)
{
	size_t i = 1;
	int date_terms, time_terms;

	if (n < 2 || s[0] != 'P')
		return 0;
	if (n >= 3 && s[n - 1] == 'W') {
		for (i = 1; i < n - 1; i++) {
			if (!is_digit(s[i]))
				return 0;
		}
		return 1;
	}

	date_terms = scan_duration_terms(s, n, &i, "YMD", 'T');
	if (date_terms < 0)
		return 0;
	if (i == n)
		return date_terms > 0;

	i++; /* the 'T' */
	time_terms = scan_duration_terms(s, n, &i, "HMS", '\0');
	return time_terms > 0 && i == n;
}

/* IP addresses. */

static int
check_ipv4(const char *s, size_t n)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		int v = 0;

		while (i < n && is_digit(s[i]) && i - start < 3) {
			v = v * 10 + (s[i] - '0');
			i++;
		}
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return 0;
		if (part < 3) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

static int
check_ipv6(const char *s, size_t n)
{
	size_t i = 0;
	int groups = 0, gap = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 1;
		i = 2;
		if (i == n)
			return 1;
	} else if (n > 0 && s[0] == ':') {
		return 0;
	}
	while (i < n) {
		size_t start = i, k;

		while (i < n && is_hex(s[i]) && i - start < 5)
			i++;
		if (i < n && s[i] == '.') {
			/* A trailing dotted IPv4 address counts as two groups. */
			for (k = start; k < n; k++) {
				if (!is_digit(s[k]) && s[k] != '.')
					return 0;
			}
			if (!check_ipv4(s + start, n - start))
				return 0;
			groups += 2;
			i = n;
			break;
		}
		if (i == start || i - start > 4)
			return 0;
		groups++;
		if (i == n)
			break;
		if (s[i] != ':')
			return 0;
		i++;
		if (i < n && s[i] == ':') {
			if (gap)
				return 0;
			gap = 1;
			i++;
			if (i == n)
				break;
		} else if (i == n) {
			return 0; /* a single trailing colon */
		}
	}
	return gap ? groups < 8 : groups == 8;
}

/* Host names and IDNA 2008. */

static int
is_mark(unsigned long cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);

	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_MC || c == UTF8PROC_CATEGORY_ME;
}

static int
is_virama(unsigned long cp)
{
	return utf8proc_get_property((utf8proc_int32_t)cp)->combining_class == 9;
}

/* Bidi classes as the RFC 5893 rule groups them. */
enum bidi { B_L, B_R, B_EN, B_AN, B_NSM, B_NEUTRAL, B_OTHER };

static enum bidi
bidi_class(unsigned long cp)
{
	switch (utf8proc_get_property((utf8proc_int32_t)cp)->bidi_class) {
	case UTF8PROC_BIDI_CLASS_L: return B_L;
	case UTF8PROC_BIDI_CLASS_R:
	case UTF8PROC_BIDI_CLASS_AL: return B_R;
	case UTF8PROC_BIDI_CLASS_EN: return B_EN;
	case UTF8PROC_BIDI_CLASS_AN: return B_AN;
	case UTF8PROC_BIDI_CLASS_NSM: return B_NSM;
	case UTF8PROC_BIDI_CLASS_ES:
	case UTF8PROC_BIDI_CLASS_CS:
	case UTF8PROC_BIDI_CLASS_ET:
	case UTF8PROC_BIDI_CLASS_ON:
	case UTF8PROC_BIDI_CLASS_BN: return B_NEUTRAL;
	default: return B_OTHER;
	}
}

static int
is_rtl(unsigned long cp)
{
	enum bidi b = bidi_class(cp);

	return b == B_R || b == B_AN;
}

/* Returns 1 when NFKC with case folding leaves cp unchanged, as IDNA 2008
 * requires: uppercase and compatibility characters are DISALLOWED. */
static int
nfkc_cf_stable(unsigned long cp)
{
	utf8proc_uint8_t in[4], *out = NULL;
	utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, in);
	utf8proc_ssize_t m;
	int same;

	m = utf8proc_map(in, n, &out, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
	    UTF8PROC_CASEFOLD);
	same = m == n && out && memcmp(in, out, (size_t)n) == 0;
	free(out);
	return same;
}

/*
 * Returns 1 when IDNA 2008 allows cp in a U-label before contextual rules:
 * letters, digits and marks stable under NFKC case folding, plus the
 * exceptions RFC 5892 lists.
 */
static int
idna_allowed(unsigned long cp)
{
	switch (cp) {
	case 0x00DF: case 0x03C2: case 0x06FD: case 0x06FE: case 0x0F0B: case 0x3007:
		return 1; /* PVALID exceptions */
	case 0x0640: case 0x07FA: case 0x302E: case 0x302F: case 0x3031: case 0x3032:
	case 0x3033: case 0x3034: case 0x3035: case 0x303B:
		return 0; /* DISALLOWED exceptions */
	case 0x00B7: case 0x0375: case 0x05F3: case 0x05F4: case 0x30FB:
	case 0x200C: case 0x200D:
		return 1; /* contextual, checked by the caller */
	default:
		break;
	}
	if ((cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x06F0 && cp <= 0x06F9))
		return 1;
	switch (utf8proc_category((utf8proc_int32_t)cp)) {
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ND:
		return nfkc_cf_stable(cp);
	default:
		return 0;
	}
}

/* RFC 3492 threshold t(k) for the digit at position k. */
static unsigned long
puny_threshold(unsigned long k, unsigned long bias)
{
	if (k <= bias)
		return 1;
	if (k >= bias + 26)
		return 26;
	return k - bias;
}

/* RFC 3492 Punycode decoding into code points. */
static int
punycode_decode(const char *s, size_t n, unsigned long *out, size_t *out_n, size_t max)
{
	unsigned long nn = 128, i = 0, bias = 72;
	size_t b = 0, j, in, len = 0;

	for (j = 0; j < n; j++) {
		if (s[j] == '-')
			b = j;
	}
	if (b > 0 || (n > 0 && s[0] == '-')) {
		for (j = 0; j < b; j++) {
			if ((unsigned char)s[j] >= 0x80 || len >= max)
				return 0;
			out[len++] = (unsigned char)s[j];
		}
		in = b + 1;
	} else {
		in = 0;
	}
	while (in < n) {
		unsigned long oldi = i, w = 1, k, digit, t;

		for (k = 36;; k += 36) {
			char c;

			if (in >= n)
				return 0;
			c = s[in++];
			if (c >= '0' && c <= '9')
				digit = (unsigned long)(c - '0' + 26);
			else if (c >= 'a' && c <= 'z')
				digit = (unsigned long)(c - 'a');
			else if (c >= 'A' && c <= 'Z')
				digit = (unsigned long)(c - 'A');
			else
				return 0;
			if (digit > (0x7FFFFFFFUL - i) / w)
				return 0;
			i += digit * w;
			t = puny_threshold(k, bias);
			if (digit < t)
				break;
			if (w > 0x7FFFFFFFUL / (36 - t))
				return 0;
			w *= 36 - t;
		}
		{
			unsigned long delta = i - oldi, numpoints = len + 1;

			delta = oldi == 0 ? delta / 700 : delta / 2;
			delta += delta / numpoints;
			for (k = 0; delta > ((36 - 1) * 26) / 2; k += 36)
				delta /= 36 - 1;
			bias = k + (36 * delta) / (delta + 38);
		}
		if (i / (len + 1) > 0x10FFFF - nn)
			return 0;
		nn += i / (len + 1);
		i %= len + 1;
		if (len >= max || nn > 0x10FFFF || (nn >= 0xD800 && nn <= 0xDFFF))
			return 0;
		memmove(out + i + 1, out + i, (len - i) * sizeof *out);
		out[i++] = nn;
		len++;
	}
	*out_n = len;
	return 1;
}

static char
puny_digit(unsigned long d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

/* RFC 3492 encoding; returns the encoded length or 0 on overflow. */
static size_t
punycode_encode(const unsigned long *cp, size_t n, char *out, size_t max)
{
	unsigned long nn = 128, delta = 0, bias = 72, m, q, k, t;
	size_t h, b = 0, len = 0, j;

	for (j = 0; j < n; j++) {
		if (cp[j] < 0x80) {
			if (len >= max)
				return 0;
			out[len++] = (char)cp[j];
			b++;
		}
	}
	h = b;
	if (b > 0) {
		if (len >= max)
			return 0;
		out[len++] = '-';
	}
	while (h < n) {
		m = 0x10FFFF + 1;
		for (j = 0; j < n; j++) {
			if (cp[j] >= nn && cp[j] < m)
				m = cp[j];
		}
		delta += (m - nn) * (h + 1);
		nn = m;
		for (j = 0; j < n; j++) {
			if (cp[j] < nn)
				delta++;
			if (cp[j] == nn) {
				for (q = delta, k = 36;; k += 36) {
					t = puny_threshold(k, bias);
					if (q < t)
						break;
					if (len >= max)
						return 0;
					out[len++] = puny_digit(t + (q - t) % (36 - t));
					q = (q - t) / (36 - t);
				}
				if (len >= max)
					return 0;
				out[len++] = puny_digit(q);
				{
					unsigned long d = h == b ? delta / 700 : delta / 2;

					d += d / (h + 1);
					for (k = 0; d > ((36 - 1) * 26) / 2; k += 36)
						d /= 36 - 1;
					bias = k + (36 * d) / (d + 38);
				}
				delta = 0;
				h++;
			}
		}
		delta++;
		nn++;
	}
	return len;
}

static int
is_greek(unsigned long cp)
{
	return (cp >= 0x0370 && cp <= 0x03FF) || (cp >= 0x1F00 && cp <= 0x1FFF);
}

static int
is_hebrew(unsigned long cp)
{
	return cp >= 0x0590 && cp <= 0x05FF;
}

static int
is_kana_han(unsigned long cp)
{
	return (cp >= 0x3040 && cp <= 0x30FF && cp != 0x30FB) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	    (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
	    (cp >= 0x20000 && cp <= 0x2FFFF);
}

static int
is_arabic_letter(unsigned long cp)
{
	return (cp >= 0x0620 && cp <= 0x064A) || (cp >= 0x066E && cp <= 0x06D3) ||
	    (cp >= 0x06FA && cp <= 0x06FF) || (cp >= 0x0750 && cp <= 0x077F);
}

/*
 * Checks one label of code points against the IDNA 2008 rules (RFC 5891,
 * 5892 contextual rules) and reports whether it has right-to-left text.
 */
static int
check_u_label(const unsigned long *cp, size_t n, int *has_rtl)
{
	size_t i;
	int arabic_digits = 0, ext_digits = 0;

	if (n == 0 || n > 63)
		return 0;
	if (cp[0] == '-' || cp[n - 1] == '-')
		return 0;
	if (n >= 4 && cp[2] == '-' && cp[3] == '-')
		return 0;
	if (is_mark(cp[0]))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned long c = cp[i];

		if (c < 0x80) {
			if (!(is_alpha((char)c) || is_digit((char)c) || c == '-'))
				return 0;
			if (c >= 'A' && c <= 'Z')
				return 0;
			continue;
		}
		if (!idna_allowed(c))
			return 0;
		if (is_rtl(c))
			*has_rtl = 1;
		switch (c) {
		case 0x00B7: /* MIDDLE DOT: only between two 'l' */
			if (i == 0 || i + 1 >= n || cp[i - 1] != 'l' || cp[i + 1] != 'l')
				return 0;
			break;
		case 0x0375: /* GREEK KERAIA: before Greek */
			if (i + 1 >= n || !is_greek(cp[i + 1]))
				return 0;
			break;
		case 0x05F3:
		case 0x05F4: /* HEBREW GERESH, GERSHAYIM: after Hebrew */
			if (i == 0 || !is_hebrew(cp[i - 1]))
				return 0;
			break;
		case 0x30FB: { /* KATAKANA MIDDLE DOT: with kana or Han */
			size_t k;
			int ok = 0;

			for (k = 0; k < n; k++)
				ok |= is_kana_han(cp[k]);
			if (!ok)
				return 0;
			break;
		}
		case 0x200D: /* ZERO WIDTH JOINER: after a virama */
			if (i == 0 || !is_virama(cp[i - 1]))
				return 0;
			break;
		case 0x200C: /* ZERO WIDTH NON-JOINER: after a virama or between joining letters */
			if (i > 0 && is_virama(cp[i - 1]))
				break;
			if (i == 0 || i + 1 >= n || !is_arabic_letter(cp[i - 1]) ||
			    !is_arabic_letter(cp[i + 1]))
				return 0;
			break;
		default:
			break;
		}
		if (c >= 0x0660 && c <= 0x0669)
			arabic_digits = 1;
		if (c >= 0x06F0 && c <= 0x06F9)
			ext_digits = 1;
	}
	return !(arabic_digits && ext_digits);
}

/* RFC 5893 bidi rule for one label of a domain that has RTL text. */
static int
check_bidi(const unsigned long *cp, size_t n)
{
	enum bidi first = bidi_class(cp[0]), last = B_NSM, c;
	size_t i;
	int en = 0, an = 0;

	if (first != B_L && first != B_R)
		return 0;
	for (i = 0; i < n; i++) {
		c = bidi_class(cp[i]);
		if (c == B_OTHER)
			return 0;
		if (first == B_L && (c == B_R || c == B_AN))
			return 0;
		if (first == B_R && c == B_L)
			return 0;
		en |= c == B_EN;
		an |= c == B_AN;
		if (c != B_NSM)
			last = c;
	}
	if (first == B_R)
		return !(en && an) && (last == B_R || last == B_EN || last == B_AN);
	return last == B_L || last == B_EN;
}

#define MAX_LABEL_CP 64
#define MAX_LABELS 128

struct label {
	unsigned long cp[MAX_LABEL_CP];
	size_t n;
};

/*
 * Checks a host name. With idn, labels may be Unicode (U-labels), and the
 * separators U+3002, U+FF0E and U+FF61 count as dots. In both modes an
 * "xn--" label must be valid Punycode of a valid U-label.
 */
static int
check_hostname_any(const char *s, size_t n, int idn)
{
	struct label labels[MAX_LABELS];
	size_t nl = 0, i = 0, total = 0, k;
	int has_rtl = 0;

	if (n == 0)
		return 0;
	while (i <= n) {
		struct label *l;
		size_t start = i, ascii_len;
		int ascii = 1;

		if (nl >= sizeof labels / sizeof labels[0])
			return 0;
		l = &labels[nl];
		l->n = 0;
		/* collect one label */
		while (i < n) {
			unsigned long cp;
			size_t len = utf8_next(s + i, n - i, &cp);

			if (cp == '.' || (idn && (cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61)))
				break;
			if (l->n >= MAX_LABEL_CP)
				return 0;
			if (cp >= 0x80)
				ascii = 0;
			l->cp[l->n++] = cp;
			i += len;
		}
		if (!idn && !ascii)
			return 0;
		if (l->n == 0)
			return 0;
		if (ascii) {
			char a[MAX_LABEL_CP];

			for (k = 0; k < l->n; k++) {
				a[k] = (char)l->cp[k];
				if (!(is_alpha(a[k]) || is_digit(a[k]) || a[k] == '-'))
					return 0;
			}
			if (l->n > 63 || a[0] == '-' || a[l->n - 1] == '-')
				return 0;
			ascii_len = l->n;
			if (l->n >= 4 && (a[0] == 'x' || a[0] == 'X') && (a[1] == 'n' || a[1] == 'N') &&
			    a[2] == '-' && a[3] == '-') {
				struct label u;
				char re[MAX_LABEL_CP];
				size_t rn, j;
				int nonascii = 0;

				if (!punycode_decode(a + 4, l->n - 4, u.cp, &u.n, MAX_LABEL_CP))
					return 0;
				for (j = 0; j < u.n; j++)
					nonascii |= u.cp[j] >= 0x80;
				if (!nonascii || !check_u_label(u.cp, u.n, &has_rtl))
					return 0;
				/* The A-label must be the canonical encoding. */
				rn = punycode_encode(u.cp, u.n, re, sizeof re);
				if (rn != l->n - 4)
					return 0;
				for (j = 0; j < rn; j++) {
					char x = a[4 + j];

					if (x >= 'A' && x <= 'Z')
						x = (char)(x - 'A' + 'a');
					if (x != re[j])
						return 0;
				}
				*l = u;
			} else if (l->n >= 4 && a[2] == '-' && a[3] == '-') {
				return 0;
			}
		} else {
			char enc[MAX_LABEL_CP];

			if (!check_u_label(l->cp, l->n, &has_rtl))
				return 0;
			ascii_len = punycode_encode(l->cp, l->n, enc, sizeof enc);
			if (ascii_len == 0 || ascii_len + 4 > 63)
				return 0;
			ascii_len += 4;
		}
		(void)start;
		total += ascii_len + (nl > 0);
		nl++;
		if (i >= n)
			break;
		i += utf8_next(s + i, n - i, &(unsigned long){ 0 });
		if (i >= n)
			return 0; /* trailing dot */
	}
	if (total > 253)
		return 0;
	if (has_rtl) {
		for (k = 0; k < nl; k++) {
			if (!check_bidi(labels[k].cp, labels[k].n))
				return 0;
		}
	}
	return 1;
}

/* E-mail addresses (RFC 5321 Mailbox, RFC 6531 for idn-email). */
static int
check_email_any(const char *s, size_t n, int idn)
{
	size_t i = 0, at;
	const char *dom;
	size_t dn;

	if (n == 0)
		return 0;
	if (s[0] == '"') {
		for (i = 1; i < n && s[i] != '"'; i++) {
			if (s[i] == '\\')
				i++;
			else if ((unsigned char)s[i] < 0x20)
				return 0;
		}
		if (i >= n)
			return 0;
		i++;
		if (i >= n || s[i] != '@')
			return 0;
		at = i;
	} else {
		int prev_dot = 1;

		for (i = 0; i < n && s[i] != '@'; i++) {
			unsigned char c = (unsigned char)s[i];

			if (c == '.') {
				if (prev_dot)
					return 0;
				prev_dot = 1;
				continue;
			}
			prev_dot = 0;
			if (c >= 0x80 && idn)
				continue;
			if (!(is_alpha((char)c) || is_digit((char)c) || strchr("!#$%&'*+-/=?^_`{|}~", c)))
				return 0;
		}
		if (i == 0 || i >= n || prev_dot)
			return 0;
		at = i;
	}
	dom = s + at + 1;
	dn = n - at - 1;
	if (dn >= 2 && dom[0] == '[' && dom[dn - 1] == ']') {
		if (dn > 7 && strncmp(dom + 1, "IPv6:", 5) == 0)
			return check_ipv6(dom + 6, dn - 7);
		return check_ipv4(dom + 1, dn - 2);
	}
	return check_hostname_any(dom, dn, idn);
}

/* URIs and IRIs (RFC 3986, RFC 3987). */

static int
uri_char(const char *s, size_t n, size_t *i, const char *extra, int iri)
{
	unsigned char c = (unsigned char)s[*i];

	if (c == '%') {
		if (*i + 2 >= n)
			return 0;
		if (!is_hex(s[*i + 1]) || !is_hex(s[*i + 2]))
			return 0;
		*i += 3;
		return 1;
	}
	if (is_alpha((char)c) || is_digit((char)c) || strchr("-._~!$&'()*+,;=", c) ||
	    (c && strchr(extra, c))) {
		(*i)++;
		return 1;
	}
	if (iri && c >= 0x80) {
		unsigned long cp;

		*i += utf8_next(s + *i, n - *i, &cp);
		return 1;
	}
	return 0;
}

static int
check_authority(const char *s, size_t n, int iri)
{
	size_t i = 0, at = (size_t)-1, host_start, k;

	for (k = 0; k < n; k++) {
		if (s[k] == '@')
			at = k;
	}
	if (at != (size_t)-1) {
		while (i < at) {
			if (!uri_char(s, at, &i, ":", iri))
				return 0;
		}
		i = at + 1;
	}
	host_start = i;
	if (i < n && s[i] == '[') {
		size_t close = i;

		while (close < n && s[close] != ']')
			close++;
		if (close >= n)
			return 0;
		if (close > i + 1 && (s[i + 1] == 'v' || s[i + 1] == 'V')) {
			/* IPvFuture */
		} else if (!check_ipv6(s + i + 1, close - i - 1)) {
			return 0;
		}
		i = close + 1;
	} else {
		while (i < n && s[i] != ':') {
			if (!uri_char(s, n, &i, "", iri))
				return 0;
		}
	}
	(void)host_start;
	if (i < n) {
		if (s[i] != ':')
			return 0;
		for (i++; i < n; i++) {
			if (!is_digit(s[i]))
				return 0;
		}
	}
	return 1;
}

/* Checks path, query and fragment from s[i]; the path stops at '?' or '#'. */
static int
check_rest(const char *s, size_t n, size_t i, int iri)
{
	while (i < n && s[i] != '?' && s[i] != '#') {
		if (!uri_char(s, n, &i, ":@/", iri))
			return 0;
	}
	if (i < n && s[i] == '?') {
		i++;
		while (i < n && s[i] != '#') {
			if (!uri_char(s, n, &i, ":@/?", iri))
				return 0;
		}
	}
	if (i < n && s[i] == '#') {
		i++;
		while (i < n) {
			if (!uri_char(s, n, &i, ":@/?", iri))
				return 0;
		}
	}
	return 1;
}

static int
check_hier(const char *s, size_t n, size_t i, int iri)
{
	if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
		size_t start = i + 2, end = start;

		while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#')
			end++;
		if (!check_authority(s + start, end - start, iri))
			return 0;
		i = end;
	}
	return check_rest(s, n, i, iri);
}

static int
check_uri_any(const char *s, size_t n, int iri, int reference)
{
	size_t i = 0;

	if (n > 0 && is_alpha(s[0])) {
		for (i = 1; i < n && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '+' || s[i] == '-' ||
		    s[i] == '.'); i++)
			;
		if (i < n && s[i] == ':')
			return check_hier(s, n, i + 1, iri);
	}
	if (!reference)
		return 0;
	/* A relative reference: its first segment must not contain ':'. */
	for (i = 0; i < n && s[i] != '/' && s[i] != '?' && s[i] != '#'; i++) {
		if (s[i] == ':')
			return 0;
	}
	return check_hier(s, n, 0, iri);
}

static int
check_uuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i])) {
			return 0;
		}
	}
	return 1;
}

static int
check_json_pointer(const char *s, size_t n)
{
	size_t i;

	if (n > 0 && s[0] != '/')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '~' && (i + 1 >= n || (s[i + 1] != '0' && s[i + 1] != '1')))
			return 0;
	}
	return 1;
}

static int
check_relative_json_pointer(const char *s, size_t n)
{
	size_t i = 0;

	if (n == 0 || !is_digit(s[0]))
		return 0;
	if (s[0] == '0')
		i = 1;
	else
		while (i < n && is_digit(s[i]))
			i++;
	/* An index adjustment, +N or -N, may follow the prefix. */
	if (i < n && (s[i] == '+' || s[i] == '-')) {
		i++;
		if (i >= n || !is_digit(s[i]) || (s[i] == '0'))
			return 0;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && s[i] == '#')
		return i + 1 == n;
	return check_json_pointer(s + i, n - i);
}

static int
check_regex(const char *s, size_t n)
{
	struct ann_buf out = ANN_BUF_INIT;
	pcre2_code *code = NULL;
	PCRE2_SIZE off;
	int err;
	int ok = 0;

	if (ann_schema_regex_translate(s, n, &out, NULL) == ANN_OK) {
		code = pcre2_compile((PCRE2_SPTR)out.data, out.len,
		    PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS, &err, &off, NULL);
		ok = code != NULL;
		pcre2_code_free(code);
	}
	ann_buf_release(&out);
	return ok;
}

static int
check_uri_template(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '{') {
			size_t j = i + 1;

			if (j < n && strchr("+#./;?&=,!@|", s[j]))
				j++;
			for (;;) {
				size_t start = j;

				/* varname: varchars, single dots only between them */
				while (j < n && (is_alpha(s[j]) || is_digit(s[j]) || s[j] == '_' ||
				    s[j] == '.' || s[j] == '%')) {
					if (s[j] == '.' && (j == start || s[j - 1] == '.'))
						return 0;
					if (s[j] == '%' && (j + 2 >= n || !is_hex(s[j + 1]) || !is_hex(s[j + 2])))
						return 0;
					j += s[j] == '%' ? 3 : 1;
				}
				if (j == start || s[j - 1] == '.')
					return 0;
				if (j < n && s[j] == '*') {
					j++;
				} else if (j < n && s[j] == ':') {
					size_t d = ++j;

					while (j < n && is_digit(s[j]))
						j++;
					if (j == d || j - d > 4 || s[d] == '0')
						return 0;
				}
				if (j < n && s[j] == ',') {
					j++;
					continue;
				}
				break;
			}
			if (j >= n || s[j] != '}')
				return 0;
			i = j + 1;
			continue;
		}
		if (c == '}' || c < 0x21 || c == 0x7F || strchr("\"<>\\^`|", c))
			return 0;
		if (c == '%') {
			if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return 0;
			i += 3;
			continue;
		}
		i++;
	}
	return 1;
}

static int check_hostname(const char *s, size_t n) { return check_hostname_any(s, n, 0); }
static int check_idn_hostname(const char *s, size_t n) { return check_hostname_any(s, n, 1); }
static int check_email(const char *s, size_t n) { return check_email_any(s, n, 0); }
static int check_idn_email(const char *s, size_t n) { return check_email_any(s, n, 1); }
static int check_uri(const char *s, size_t n) { return check_uri_any(s, n, 0, 0); }
static int check_uri_reference(const char *s, size_t n) { return check_uri_any(s, n, 0, 1); }
static int check_iri(const char *s, size_t n) { return check_uri_any(s, n, 1, 0); }
static int check_iri_reference(const char *s, size_t n) { return check_uri_any(s, n, 1, 1); }

static const struct {
	const char *name;
	int (*check)(const char *, size_t);
} formats[] = {
	{ "date", check_date },
	{ "date-time", check_date_time },
	{ "duration", check_duration },
	{ "email", check_email },
	{ "hostname", check_hostname },
	{ "idn-email", check_idn_email },
	{ "idn-hostname", check_idn_hostname },
	{ "ipv4", check_ipv4 },
	{ "ipv6", check_ipv6 },
	{ "iri", check_iri },
	{ "iri-reference", check_iri_reference },
	{ "json-pointer", check_json_pointer },
	{ "regex", check_regex },
	{ "relative-json-pointer", check_relative_json_pointer },
	{ "time", check_time },
	{ "uri", check_uri },
	{ "uri-reference", check_uri_reference },
	{ "uri-template", check_uri_template },
	{ "uuid", check_uuid },
};

int
sch_format_index(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(formats[i].name, name) == 0)
			return (int)i;
	}
	return -1;
}

int
sch_format_check_index(int index, const char *s, size_t n)
{
	if (index < 0 || (size_t)index >= sizeof formats / sizeof formats[0])
		return 1;
	return formats[index].check(s, n);
}

int
ann_schema_format_known(const char *name)
{
	return sch_format_index(name) >= 0;
}

int
ann_schema_format_check(const char *name, const char *s, size_t n)
{
	return sch_format_check_index(sch_format_index(name), s, n);
}
