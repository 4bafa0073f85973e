/*
 * mta-stsctl.h: what the files of the command-line tool share: exit
 * statuses, global options and the commands that live outside
 * mta-stsctl.c.  Private to the tool (mta-stsctl.c, ctl_query.c).
 */
#ifndef MTASTSD_MTA_STSCTL_H
#define MTASTSD_MTA_STSCTL_H

#define CTL_EXIT_OK		0	/* done; OK reply */
#define CTL_EXIT_FINDINGS	1	/* findings, not found, NOTFOUND */
#define CTL_EXIT_ERROR		2	/* usage or runtime error */

/* -c FILE before the command; NULL: the default file if present. */
extern const char	*opt_config;

/* query [-a ADDRESS] [-p PORT] [-m MAP] KEY (ctl_query.c) */
int	cmd_query(int, char **);

#endif
