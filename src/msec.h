/*
 * msec.h: milliseconds as the struct timeval libevent wants.  Our
 * timeouts are configured in milliseconds; this is the one conversion.
 */
#ifndef MTASTSD_MSEC_H
#define MTASTSD_MSEC_H

#include <sys/time.h>

static inline struct timeval
msec_tv(unsigned ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return tv;
}

#endif
