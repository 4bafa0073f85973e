/*
 * fetch_text.c: the pure part of the fetch module: the names of fetch
 * statuses, the media type rule and the TLS failure text.  See fetch.h.
 *
 * Apart from fetch.c so that code without libcurl (mta-stsctl's
 * diagnostics, the lookup engine's unit tests with a fake fetcher) can
 * link them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fetch.h"

const char *
fetch_status_name(enum fetch_status st)
{
	switch (st) {
	case FETCH_OK:
		return "ok";
	case FETCH_CONNECT:
		return "connect";
	case FETCH_TLS:
		return "tls";
	case FETCH_HTTP_STATUS:
		return "http-status";
	case FETCH_REDIRECT:
		return "redirect";
	case FETCH_MEDIA_TYPE:
		return "media-type";
	case FETCH_TOO_LARGE:
		return "too-large";
	case FETCH_TIMEOUT:
		return "timeout";
	case FETCH_PROTOCOL:
		return "protocol";
	case FETCH_ERROR:
		return "error";
	}
	return "unknown";
}

/*
 * media-type = type "/" subtype *( OWS ";" OWS parameter )
 * (RFC 9110 §8.3.1); RFC 8461 §3.3 requires text/plain.  Type and subtype
 * are case-insensitive; parameters such as charset are ignored.
 */
bool
fetch_media_type_is_text_plain(struct span ct)
{
	static const char	 want[] = "text/plain";
	struct span		 t;
	long			 semi;
	size_t			 i;

	if ((semi = span_find(ct, ';')) >= 0)
		ct = span_head(ct, (size_t)semi);
	t = span_trim_wsp(ct);
	if (t.len != sizeof(want) - 1)
		return false;
	for (i = 0; i < t.len; i++)
		if (ascii_lower(t.p[i]) != (uint8_t)want[i])
			return false;
	return true;
}

struct span
fetch_tls_text(struct span text)
{
	static const char	 certprob[] = "SSL certificate problem: ";

	if (span_starts_with(text, certprob))
		text = span_tail(text, sizeof(certprob) - 1);
	return text;
}
