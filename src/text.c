/* text.c - making a server's text safe to show (see text.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>

#include "text.h"

/* Length of the valid UTF-8 sequence at s (at most n bytes available), or
 * 0 when the bytes there are not one. C1 controls (U+0080..U+009F) count
 * as invalid: some terminals act on them like ESC sequences. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xBF;     /* range of the second byte */

	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		if (c == 0xC2)
			lo = 0xA0;              /* C2 80..C2 9F are the C1 controls */
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;              /* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F;              /* no UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;              /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return len;
}

void ftps_text_clean(char *buf, size_t len)
{
	unsigned char *s = (unsigned char *)buf;
	size_t i = 0;

	while (i < len) {
		if (s[i] < 0x80) {
			if (s[i] == '\t')
				s[i] = ' ';
			else if (s[i] < 0x20 || s[i] == 0x7F)
				s[i] = '?';
			i++;
			continue;
		}
		size_t n = utf8_seq_len(s + i, len - i);
		if (n == 0) {
			s[i++] = '?';
			continue;
		}
		i += n;
	}
}

void ftps_text_shown(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; s && *s && i + 1 < len; s++)
		dst[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	dst[i] = '\0';
}

void ftps_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
