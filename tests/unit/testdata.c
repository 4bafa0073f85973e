/*
 * testdata.c: corpus helpers for tests and fuzz targets.  See testdata.h.
 */
#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "testdata.h"

const char *
testdata_dir(void)
{
	const char	*d = getenv("TEST_DATA_DIR");

	return d != NULL && *d != '\0' ? d : "tests/unit/data";
}

int
testdata_read(const char *rel, struct buf *b)
{
	char	 path[4096], tmp[8192];
	FILE	*fp;
	size_t	 n;
	int	 rc = 0, len;

	buf_reset(b);
	len = snprintf(path, sizeof(path), "%s/%s", testdata_dir(), rel);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -1;
	if ((fp = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		if (buf_add(b, tmp, n) == -1) {
			rc = -1;
			break;
		}
	if (ferror(fp))
		rc = -1;
	fclose(fp);
	return rc;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
testdata_list(const char *sub, const char *suffix, size_t *n)
{
	char		 path[4096];
	char		**names = NULL;
	size_t		 cap = 0, slen = strlen(suffix), len;
	DIR		*d;
	struct dirent	*de;
	int		 plen;

	*n = 0;
	plen = snprintf(path, sizeof(path), "%s/%s", testdata_dir(), sub);
	if (plen < 0 || (size_t)plen >= sizeof(path))
		return NULL;
	if ((d = opendir(path)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= slen || de->d_name[0] == '.' ||
		    strcmp(de->d_name + len - slen, suffix) != 0)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrndup(de->d_name, len - slen);
	}
	closedir(d);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

void
testdata_list_free(char **names, size_t n)
{
	size_t	i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Decode one line of quoted strings into dst (which has room for at
 * least line.len bytes) and t->strings.  Returns -1 on a syntax error
 * or when t is full.
 */
static int
txt_line(struct span line, uint8_t *dst, size_t *used,
    struct testdata_txt *t, size_t *nstr)
{
	size_t		i = 0, start, v;
	unsigned	k;

	*nstr = 0;
	for (;;) {
		while (i < line.len && ascii_is_wsp(line.p[i]))
			i++;
		if (i == line.len)
			break;
		if (line.p[i++] != '"')
			return -1;
		start = *used;
		for (;;) {
			if (i == line.len)
				return -1;
			if (line.p[i] == '"') {
				i++;
				break;
			}
			if (line.p[i] != '\\') {
				dst[(*used)++] = line.p[i++];
				continue;
			}
			if (++i == line.len)
				return -1;
			if (!ascii_is_digit(line.p[i])) {
				dst[(*used)++] = line.p[i++];
				continue;
			}
			for (v = 0, k = 0; k < 3; k++, i++) {
				if (i == line.len || !ascii_is_digit(line.p[i]))
					return -1;
				v = v * 10 + (size_t)(line.p[i] - '0');
			}
			if (v > 255)
				return -1;
			dst[(*used)++] = (uint8_t)v;
		}
		if (t->nstrings + *nstr == TESTDATA_MAX_STRINGS)
			return -1;
		t->strings[t->nstrings + (*nstr)++] = span_make(dst + start,
		    *used - start);
	}
	return *nstr == 0 ? -1 : 0;
}

int
testdata_txt_parse(struct span in, struct testdata_txt *t, bool raw_fallback)
{
	struct span	line;
	size_t		off, end, used = 0, mark, nstr;
	long		nl;

	memset(t, 0, sizeof(*t));
	t->bytes = xmalloc(in.len + 1);
	for (off = 0; off < in.len; off = end) {
		line = span_tail(in, off);
		if ((nl = span_find(line, '\n')) >= 0) {
			line.len = (size_t)nl;
			end = off + (size_t)nl + 1;
		} else
			end = in.len;
		if (line.len == 0 || line.p[0] == '#')
			continue;
		if (t->nrecs == TESTDATA_MAX_RECORDS) {
			if (raw_fallback)
				break;
			return -1;
		}
		mark = used;
		if (txt_line(line, t->bytes, &used, t, &nstr) == -1) {
			if (!raw_fallback)
				return -1;
			if (t->nstrings == TESTDATA_MAX_STRINGS)
				break;
			used = mark;
			memcpy(t->bytes + used, line.p, line.len);
			t->strings[t->nstrings] = span_make(t->bytes + used,
			    line.len);
			used += line.len;
			nstr = 1;
		}
		t->recs[t->nrecs].strings = &t->strings[t->nstrings];
		t->recs[t->nrecs].nstrings = nstr;
		t->nrecs++;
		t->nstrings += nstr;
	}
	return 0;
}

void
testdata_txt_clear(struct testdata_txt *t)
{
	free(t->bytes);
	t->bytes = NULL;
	t->nstrings = 0;
	t->nrecs = 0;
}
