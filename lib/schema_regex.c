/*
 * ECMA-262 regular expressions on PCRE2.
 *
 * JSON Schema patterns use the ECMA-262 dialect. PCRE2 in UTF mode without
 * PCRE2_UCP already gives ECMA's ASCII-only \d, \w and \b, so those stay
 * as written. What differs is rewritten before compiling:
 *   - \s and \S: ECMA's white space includes U+00A0, U+3000 (ideographic
 *     space), U+FEFF and the other Zs characters, which PCRE2 without UCP
 *     leaves out, so both expand to an explicit class;
 *   - ".": ECMA excludes all four line terminators (LF, CR, U+2028,
 *     U+2029), PCRE2 only LF;
 *   - \uXXXX, \u{X...} and surrogate pairs become \x{...}; \v is U+000B
 *     (PCRE2 reads it as vertical space);
 *   - "$" matches only at the very end (PCRE2_DOLLAR_ENDONLY), "[]" and
 *     "[^]" are the empty and the any class (PCRE2_ALLOW_EMPTY_CLASS).
 * Syntax that ECMA-262 (Unicode mode) rejects but PCRE2 accepts is
 * rejected here: unknown escapes such as \a or \Z, possessive quantifiers
 * and "(?" groups other than (?: (?= (?! (?<= (?<! and (?<name>.
 */
#include "schema_int.h"

#include <string.h>

/* ECMA-262 WhiteSpace and LineTerminator code points, as class members. */
#define ECMA_SPACE "\\t\\n\\x{0b}\\f\\r\\x{20}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}" \
	"\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}\\x{feff}"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads \uXXXX at p[i] (p[i] == '\\', p[i+1] == 'u'); returns bytes used. */
static size_t
read_u_escape(const char *p, size_t n, size_t i, unsigned long *cp)
{
	size_t j;
	unsigned long v = 0;

	if (i + 2 < n && p[i + 2] == '{') {
		for (j = i + 3; j < n && p[j] != '}'; j++) {
			if (hexval(p[j]) < 0 || v > 0x10FFFF)
				return 0;
			v = v * 16 + (unsigned long)hexval(p[j]);
		}
		if (j >= n || j == i + 3 || v > 0x10FFFF)
			return 0;
		*cp = v;
		return j + 1 - i;
	}
	if (i + 6 > n)
		return 0;
	for (j = i + 2; j < i + 6; j++) {
		if (hexval(p[j]) < 0)
			return 0;
		v = v * 16 + (unsigned long)hexval(p[j]);
	}
	*cp = v;
	return 6;
}

/* ECMA-262 long General_Category names and the short forms PCRE2 takes. */
static const char *const category_names[][2] = {
	{ "Letter", "L" }, { "Cased_Letter", "L&" }, { "Uppercase_Letter", "Lu" },
	{ "Lowercase_Letter", "Ll" }, { "Titlecase_Letter", "Lt" }, { "Modifier_Letter", "Lm" },
	{ "Other_Letter", "Lo" }, { "Mark", "M" }, { "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn" }, { "Spacing_Mark", "Mc" }, { "Enclosing_Mark", "Me" },
	{ "Number", "N" }, { "Decimal_Number", "Nd" }, { "digit", "Nd" },
	{ "Letter_Number", "Nl" }, { "Other_Number", "No" }, { "Punctuation", "P" },
	{ "punct", "P" }, { "Connector_Punctuation", "Pc" }, { "Dash_Punctuation", "Pd" },
	{ "Open_Punctuation", "Ps" }, { "Close_Punctuation", "Pe" },
	{ "Initial_Punctuation", "Pi" }, { "Final_Punctuation", "Pf" },
	{ "Other_Punctuation", "Po" }, { "Symbol", "S" }, { "Math_Symbol", "Sm" },
	{ "Currency_Symbol", "Sc" }, { "Modifier_Symbol", "Sk" }, { "Other_Symbol", "So" },
	{ "Separator", "Z" }, { "Space_Separator", "Zs" }, { "Line_Separator", "Zl" },
	{ "Paragraph_Separator", "Zp" }, { "Other", "C" }, { "Control", "Cc" },
	{ "cntrl", "Cc" }, { "Format", "Cf" }, { "Surrogate", "Cs" },
	{ "Private_Use", "Co" }, { "Unassigned", "Cn" },
};

static int
is_syntax_char(char c)
{
	return c != '\0' && strchr("^$\\.*+?()[]{}|/", c) != NULL;
}

/*
 * Translates the escape at p[*ip] (a backslash) and advances *ip past it.
 * \S inside a class cannot be written as a PCRE2 class member, so it only
 * sets *class_has_S for the caller to rewrite the whole class.
 */
static int
translate_escape(const char *p, size_t n, size_t *ip, int in_class, int *class_has_S,
    struct ann_buf *out, struct ann_error *e)
{
	size_t i = *ip;
	int rc = ANN_OK;
	char x;

	if (i + 1 >= n)
		return ann_error_set(e, ANN_ERR_INVALID, "pattern ends with a backslash");
	x = p[i + 1];
	switch (x) {
	case 'd': case 'D': case 'w': case 'W':
	case 'f': case 'n': case 'r': case 't':
		rc = ann_buf_add(out, p + i, 2);
		i += 2;
		break;
	case 'b': case 'B':
		if (in_class) {
			if (x == 'B')
				return ann_error_set(e, ANN_ERR_INVALID,
				    "invalid escape \\B in a character class");
			rc = ann_buf_adds(out, "\\x{08}");
		} else {
			rc = ann_buf_add(out, p + i, 2);
		}
		i += 2;
		break;
	case 'v':
		rc = ann_buf_adds(out, "\\x{0b}");
		i += 2;
		break;
	case 's':
		rc = ann_buf_adds(out, in_class ? ECMA_SPACE : "[" ECMA_SPACE "]");
		i += 2;
		break;
	case 'S':
		if (in_class)
			*class_has_S = 1;
		else
			rc = ann_buf_adds(out, "[^" ECMA_SPACE "]");
		i += 2;
		break;
	case 'u': {
		unsigned long cp, lo;
		size_t used = read_u_escape(p, n, i, &cp);

		if (used == 0)
			return ann_error_set(e, ANN_ERR_INVALID, "invalid \\u escape");
		i += used;
		if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n && p[i] == '\\' &&
		    p[i + 1] == 'u') {
			size_t used2 = read_u_escape(p, n, i, &lo);

			if (used2 && lo >= 0xDC00 && lo <= 0xDFFF) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				i += used2;
			}
		}
		if (cp >= 0xD800 && cp <= 0xDFFF)
			return ann_error_set(e, ANN_ERR_INVALID,
			    "lone surrogate \\u%04lx in pattern", cp);
		rc = ann_buf_addf(out, "\\x{%lx}", cp);
		break;
	}
	case 'x':
		if (i + 3 >= n || hexval(p[i + 2]) < 0 || hexval(p[i + 3]) < 0)
			return ann_error_set(e, ANN_ERR_INVALID, "invalid \\x escape");
		rc = ann_buf_addf(out, "\\x{%c%c}", p[i + 2], p[i + 3]);
		i += 4;
		break;
	case 'c':
		if (i + 2 >= n || !((p[i + 2] >= 'a' && p[i + 2] <= 'z') ||
		    (p[i + 2] >= 'A' && p[i + 2] <= 'Z')))
			return ann_error_set(e, ANN_ERR_INVALID, "invalid \\c escape");
		rc = ann_buf_addf(out, "\\x{%02x}", p[i + 2] % 32);
		i += 3;
		break;
	case '0':
		if (i + 2 < n && p[i + 2] >= '0' && p[i + 2] <= '9')
			return ann_error_set(e, ANN_ERR_INVALID, "invalid octal escape");
		rc = ann_buf_adds(out, "\\x{0}");
		i += 2;
		break;
	case '1': case '2': case '3': case '4': case '5':
	case '6': case '7': case '8': case '9':
		if (in_class)
			return ann_error_set(e, ANN_ERR_INVALID,
			    "invalid escape \\%c in a character class", x);
		rc = ann_buf_addc(out, '\\');
		for (i++; rc == ANN_OK && i < n && p[i] >= '0' && p[i] <= '9'; i++)
			rc = ann_buf_addc(out, p[i]);
		break;
	case 'k':
		rc = ann_buf_add(out, p + i, 2);
		i += 2;
		break;
	case 'p': case 'P': {
		size_t j = i + 2;
		const char *name;
		size_t name_len;

		if (j >= n || p[j] != '{')
			return ann_error_set(e, ANN_ERR_INVALID, "invalid \\%c escape", x);
		while (j < n && p[j] != '}')
			j++;
		if (j >= n)
			return ann_error_set(e, ANN_ERR_INVALID, "unterminated \\%c{", x);
		name = p + i + 3;
		name_len = (size_t)(p + j - name);
		/* ECMA spells "General_Category=L" and "Script=Greek";
		 * PCRE2 takes the value alone, or "scx:" for extensions. */
		if (name_len > 17 && memcmp(name, "General_Category=", 17) == 0) {
			name += 17;
			name_len -= 17;
		} else if (name_len > 3 && memcmp(name, "gc=", 3) == 0) {
			name += 3;
			name_len -= 3;
		} else if (name_len > 7 && memcmp(name, "Script=", 7) == 0) {
			name += 7;
			name_len -= 7;
		} else if (name_len > 3 && memcmp(name, "sc=", 3) == 0) {
			name += 3;
			name_len -= 3;
		} else if (name_len > 18 && memcmp(name, "Script_Extensions=", 18) == 0) {
			rc = ann_buf_addf(out, "\\%c{scx:%.*s}", x, (int)(name_len - 18),
			    name + 18);
			i = j + 1;
			break;
		} else if (name_len > 4 && memcmp(name, "scx=", 4) == 0) {
			rc = ann_buf_addf(out, "\\%c{scx:%.*s}", x, (int)(name_len - 4),
			    name + 4);
			i = j + 1;
			break;
		}
		{
			size_t k;

			for (k = 0; k < sizeof category_names / sizeof category_names[0]; k++) {
				if (strlen(category_names[k][0]) == name_len &&
				    memcmp(category_names[k][0], name, name_len) == 0) {
					name = category_names[k][1];
					name_len = strlen(name);
					break;
				}
			}
		}
		rc = ann_buf_addf(out, "\\%c{%.*s}", x, (int)name_len, name);
		i = j + 1;
		break;
	}
	case '-':
		if (!in_class)
			return ann_error_set(e, ANN_ERR_INVALID, "invalid escape \\-");
		rc = ann_buf_add(out, "\\-", 2);
		i += 2;
		break;
	default:
		if (!is_syntax_char(x))
			return ann_error_set(e, ANN_ERR_INVALID, "invalid escape \\%c", x);
		rc = ann_buf_add(out, p + i, 2);
		i += 2;
		break;
	}
	*ip = i;
	return rc;
}

int
ann_schema_regex_translate(const char *p, size_t n, struct ann_buf *out, struct ann_error *e)
{
	size_t i = 0;
	int in_class = 0;
	int class_negated = 0;
	int class_has_S = 0;
	size_t class_start = 0;
	int after_quantifier = 0;
	int rc = ANN_OK;

	while (i < n && rc == ANN_OK) {
		char c = p[i];
		int quantifier = 0;

		if (c == '\\') {
			rc = translate_escape(p, n, &i, in_class, &class_has_S, out, e);
			if (rc)
				return rc;
			after_quantifier = 0;
			continue;
		}

		if (in_class) {
			if (c == ']') {
				in_class = 0;
				if (class_has_S) {
					/* [X\S] is X or non-space; [^X\S] is space but not X. */
					struct ann_buf members = ANN_BUF_INIT;
					size_t from = class_start + 1 + (size_t)class_negated;

					rc = ann_buf_add(&members, out->data + from, out->len - from);
					ann_buf_truncate(out, class_start);
					if (rc == ANN_OK)
						rc = class_negated
						    ? ann_buf_addf(out, "(?![%s])[" ECMA_SPACE "]", members.data)
						    : ann_buf_addf(out, "(?:[%s]|[^" ECMA_SPACE "])", members.data);
					ann_buf_release(&members);
				} else {
					rc = ann_buf_addc(out, ']');
				}
			} else if (c == '[') {
				/* Literal in ECMA; PCRE2 would start a POSIX class. */
				rc = ann_buf_add(out, "\\[", 2);
			} else {
				rc = ann_buf_addc(out, c);
			}
			i++;
			continue;
		}

		switch (c) {
		case '[':
			in_class = 1;
			class_has_S = 0;
			class_start = out->len;
			class_negated = i + 1 < n && p[i + 1] == '^';
			rc = ann_buf_adds(out, class_negated ? "[^" : "[");
			i += class_negated ? 2 : 1;
			/* In ECMA a ']' right after '[' closes the class: "[]"
			 * matches nothing and "[^]" anything, as PCRE2 reads them
			 * with PCRE2_ALLOW_EMPTY_CLASS. */
			if (rc == ANN_OK && i < n && p[i] == ']') {
				in_class = 0;
				rc = ann_buf_addc(out, ']');
				i++;
			}
			break;
		case '.':
			rc = ann_buf_adds(out, "[^\\n\\r\\x{2028}\\x{2029}]");
			i++;
			break;
		case '(':
			if (i + 1 < n && p[i + 1] == '?') {
				if (!(i + 2 < n && (p[i + 2] == ':' || p[i + 2] == '=' || p[i + 2] == '!' ||
				    (p[i + 2] == '<' && i + 3 < n))))
					return ann_error_set(e, ANN_ERR_INVALID,
					    "unsupported group syntax \"(?%c\"", i + 2 < n ? p[i + 2] : ' ');
			}
			rc = ann_buf_addc(out, c);
			i++;
			break;
		case '*': case '+': case '?':
			if (after_quantifier && c != '?')
				return ann_error_set(e, ANN_ERR_INVALID, "nothing to repeat before '%c'", c);
			if (after_quantifier && c == '?' && after_quantifier == 2)
				return ann_error_set(e, ANN_ERR_INVALID, "nothing to repeat before '?'");
			quantifier = 1;
			rc = ann_buf_addc(out, c);
			i++;
			break;
		case '{': {
			size_t j = i + 1;
			int digits = 0;

			while (j < n && ((p[j] >= '0' && p[j] <= '9') || p[j] == ',')) {
				digits += p[j] != ',';
				j++;
			}
			if (j < n && p[j] == '}' && digits > 0 && p[i + 1] != ',') {
				if (after_quantifier)
					return ann_error_set(e, ANN_ERR_INVALID, "nothing to repeat before '{'");
				rc = ann_buf_add(out, p + i, j + 1 - i);
				i = j + 1;
				quantifier = 1;
			} else {
				return ann_error_set(e, ANN_ERR_INVALID, "lone '{' in pattern");
			}
			break;
		}
		case '}':
			return ann_error_set(e, ANN_ERR_INVALID, "lone '}' in pattern");
		case ']':
			return ann_error_set(e, ANN_ERR_INVALID, "lone ']' in pattern");
		default:
			rc = ann_buf_addc(out, c);
			i++;
			break;
		}
		/* A '?' right after a quantifier makes it lazy; a second
		 * quantifier after that has nothing to repeat. */
		if (quantifier)
			after_quantifier = after_quantifier ? 2 : 1;
		else
			after_quantifier = 0;
	}
	if (rc == ANN_OK && in_class)
		return ann_error_set(e, ANN_ERR_INVALID, "unterminated character class");
	return rc;
}

int
sch_regex_compile(struct ann_schema *s, const char *pattern, size_t n,
    struct sch_regex **out, struct ann_error *e)
{
	struct ann_buf pcre = ANN_BUF_INIT;
	struct sch_regex *re = NULL;
	pcre2_code *code = NULL;
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE offset;
	int errcode;
	char *src, *seg;
	struct ann_buf segbuf = ANN_BUF_INIT;
	int rc;

	rc = ann_schema_regex_translate(pattern, n, &pcre, e);
	if (rc)
		goto done;
	code = pcre2_compile((PCRE2_SPTR)pcre.data, pcre.len,
	    PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS | PCRE2_NO_UTF_CHECK,
	    &errcode, &offset, NULL);
	if (code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof msg);
		rc = ann_error_set(e, ANN_ERR_INVALID, "invalid regular expression: %s", (char *)msg);
		goto done;
	}
	/* JIT is an optimisation: without it, pcre2_match interprets. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);

	rc = sch_pointer_escape(&segbuf, pattern, n);
	if (rc)
		goto done;
	re = ann_jsonv_alloc(&s->arena, sizeof *re);
	src = ann_jsonv_alloc(&s->arena, n + 1);
	seg = ann_jsonv_alloc(&s->arena, segbuf.len + 1);
	if (re == NULL || src == NULL || seg == NULL) {
		rc = ann_error_set(e, ANN_ERR_NOMEM, "compile pattern: out of memory");
		goto done;
	}
	memcpy(src, pattern, n);
	src[n] = '\0';
	memcpy(seg, segbuf.data, segbuf.len + 1);
	re->code = code;
	re->source = src;
	re->segment = seg;
	re->next = s->regexes;
	s->regexes = re;
	code = NULL;
	*out = re;
	rc = ANN_OK;

done:
	pcre2_code_free(code);
	ann_buf_release(&pcre);
	ann_buf_release(&segbuf);
	return rc;
}
