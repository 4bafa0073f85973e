/*
 * reply.c: decision -> socketmap reply.  See reply.h.
 */
#include <stddef.h>

#include "buf.h"
#include "reply.h"
#include "socketmap.h"
#include "sts_policy.h"

enum socketmap_status
reply_build(enum reply_outcome out, const struct sts_policy *pol,
    struct buf *data, const char **why)
{
	*why = NULL;
	buf_reset(data);
	switch (out) {
	case REPLY_POLICY:
		switch (pol->mode) {
		case STS_MODE_ENFORCE:
			if (sts_policy_postfix(pol, data, why) == 0)
				return SOCKETMAP_OK;
			buf_reset(data);
			buf_add_str(data, "policy reply could not be built");
			return SOCKETMAP_TEMP;
		case STS_MODE_TESTING:
		case STS_MODE_NONE:
			return SOCKETMAP_NOTFOUND;
		}
		return SOCKETMAP_NOTFOUND;
	case REPLY_NOT_APPLICABLE:
	case REPLY_NO_POLICY:
	case REPLY_FAILED:
	case REPLY_BUSY:
	case REPLY_WAIT_TIMEOUT:
		return SOCKETMAP_NOTFOUND;
	}
	return SOCKETMAP_NOTFOUND;
}

const char *
reply_outcome_name(enum reply_outcome out)
{
	switch (out) {
	case REPLY_NOT_APPLICABLE:
		return "not-applicable";
	case REPLY_NO_POLICY:
		return "no-policy";
	case REPLY_FAILED:
		return "failed";
	case REPLY_POLICY:
		return "policy";
	case REPLY_BUSY:
		return "busy";
	case REPLY_WAIT_TIMEOUT:
		return "wait-timeout";
	}
	return "?";
}
