/*
 * ASCII helpers shared by the parsers in lib/, locale-free by design:
 * <ctype.h> follows the locale, and protocol text must not.
 */
#ifndef ANN_ASCII_H
#define ANN_ASCII_H

/* Returns the value of hex digit c, or -1. */
static inline int
ann_ascii_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns the value of the n decimal digits at s (n <= 9), or -1 when one is not a digit. */
static inline int
ann_ascii_digits(const char *s, int n)
{
	int v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

#endif
