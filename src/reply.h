/*
 * reply.h: the one mapping from an MTA-STS decision to the socketmap
 * reply Postfix gets.
 *
 * Pure module.  Only an enforce policy yields a policy string: Postfix
 * has no level that tests without enforcing, so testing and none leave
 * Postfix's own default (NOTFOUND), as does every way of not having a
 * usable policy.  The daemon (lookup.c) and the diagnostic tool both
 * call this, so `mta-stsctl check` shows exactly what Postfix would get.
 */
#ifndef MTASTSD_REPLY_H
#define MTASTSD_REPLY_H

#include "buf.h"
#include "socketmap.h"
#include "sts_policy.h"

enum reply_outcome {
	REPLY_NOT_APPLICABLE,	/* not a domain: probe, IP literal, bad key */
	REPLY_NO_POLICY,	/* no valid STSv1 TXT record */
	REPLY_FAILED,		/* could not tell: DNS, HTTPS, bad policy */
	REPLY_POLICY,		/* a valid policy; its mode decides */
	REPLY_BUSY,		/* a limit was reached */
	REPLY_WAIT_TIMEOUT	/* the query's wait ran out */
};

/*
 * Fill data (reset first) and return the status for outcome; pol is
 * used only for REPLY_POLICY and must then be non-NULL.  An enforce
 * policy whose string cannot be built gives SOCKETMAP_TEMP with a reason
 * in data and *why set: never a silent downgrade to NOTFOUND.
 */
enum socketmap_status reply_build(enum reply_outcome,
	    const struct sts_policy *, struct buf *, const char **);

const char *reply_outcome_name(enum reply_outcome);

#endif
