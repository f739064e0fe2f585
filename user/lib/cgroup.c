// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include "cgroup.h"
#include "json.h"
#include "out.h"
#include "table.h"

struct cgroup_entry {
	__u64 id;
	char *path; /* below the root, starting with '/' */
	bool gone;  /* no longer in the tree: the path it last had */
};

/*
 * Deleted cgroups keep the path they had, so a row of a container that stopped keeps its name
 * (and a Prometheus series its labels).  Past this many, the oldest knowledge is dropped.
 */
#define CGROUP_GONE_MAX 16384

static struct {
	char root[256];
	bool root_known;
	struct cgroup_entry *entries;
	size_t n, cap;
	time_t scanned_at;
	/*
	 * Paths a rescan dropped: freed at the next rescan, not at once, because callers hold
	 * the pointer cgroup_path_of_id() gave them while they resolve other ids.
	 */
	char **graveyard;
	size_t ngrave, cap_grave;
} cache;

static void cache_rescan(void);

const char *cgroup_root(void)
{
	char line[4096];
	FILE *f;

	if (cache.root_known)
		return cache.root[0] ? cache.root : NULL;
	cache.root_known = true;
	f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return NULL;
	/* "36 35 0:30 / /sys/fs/cgroup/unified rw,... - cgroup2 cgroup2 rw" */
	while (fgets(line, sizeof(line), f)) {
		char mnt[256], fstype[64];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep, " - %63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %255s", mnt) == 1) {
			snprintf(cache.root, sizeof(cache.root), "%s", mnt);
			break;
		}
	}
	fclose(f);
	return cache.root[0] ? cache.root : NULL;
}

__u64 cgroup_id_of_path(const char *path)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = {.fh.handle_bytes = sizeof(__u64)};
	struct stat st;
	int mount_id;

	/* the kernel's cgroup id is the kernfs node id, which is what the file handle holds */
	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0))
		return h.id;
	if (!stat(path, &st))
		return st.st_ino;
	return 0;
}

/* Fill id and level for a path on the cgroup2 filesystem.  0, or -1 with errno-ish reason. */
static int resolve_dir(const char *root, const char *path, __u64 *id, int *level, char *why,
		       size_t why_len)
{
	char real[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	size_t rlen = strlen(root);

	if (!realpath(path, real)) {
		snprintf(why, why_len, "%s", errno == ENOENT ? "no such cgroup" : strerror(errno));
		return -1;
	}
	if (statfs(real, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC || strncmp(real, root, rlen) ||
	    (real[rlen] && real[rlen] != '/') || stat(real, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, why_len, "not a cgroup v2 directory (the v2 hierarchy is at %s)",
			 root);
		return -1;
	}
	*level = 0;
	for (const char *p = real + rlen; *p; p++)
		if (*p == '/' && p[1])
			(*level)++;
	*id = cgroup_id_of_path(real);
	if (!*id) {
		snprintf(why, why_len, "cannot read its cgroup id: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static bool all_hex(const char *s, size_t min)
{
	size_t n = strlen(s);

	if (n < min)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* a pod uid as given (dashes, or the systemd driver's underscores), lower case with dashes */
static bool pod_uid_norm(const char *s, char *uid, size_t len)
{
	size_t n = strlen(s);

	if (n != 36 || len <= n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i] == '_' ? '-' : (char)tolower((unsigned char)s[i]);
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? c != '-' : !isxdigit((unsigned char)c))
			return false;
		uid[i] = c;
	}
	uid[n] = '\0';
	return true;
}

static int path_depth(const char *path)
{
	int d = 0;

	for (; *path; path++)
		d += *path == '/' && path[1];
	return d;
}

/*
 * A container id prefix or a pod uid: the shallowest cgroup that names it (a container's
 * scope rather than the cgroup nested inside it; podman's conmon has a cgroup of its own that
 * carries the same id and is left out).  Returns the path below the root, or NULL with why.
 */
static const char *find_container(const char *arg, const char *root, char *why, size_t why_len)
{
	char uid[40], first[65] = "";
	bool is_pod = pod_uid_norm(arg, uid, sizeof(uid));
	size_t alen = strlen(arg);
	const char *best = NULL;
	int best_depth = 0;

	cache_rescan();
	for (size_t i = 0; i < cache.n; i++) {
		const char *path = cache.entries[i].path;
		struct container c;
		int depth;

		/* a deleted cgroup keeps its path in the cache, but cannot be traced */
		if (cache.entries[i].gone)
			continue;
		if (!cgroup_parse_container(path, &c) || strstr(path, "conmon"))
			continue;
		if (is_pod ? c.id[0] || strcmp(c.pod_uid, uid) : strncasecmp(c.id, arg, alen))
			continue;
		if (!is_pod && strcmp(first, c.id)) {
			/* two different containers share the prefix */
			if (first[0]) {
				snprintf(why, why_len,
					 "the prefix '%s' matches more than one container (%.12s "
					 "and %.12s) under %s; give more of the id",
					 arg, first, c.id, root);
				return NULL;
			}
			snprintf(first, sizeof(first), "%s", c.id);
		}
		depth = path_depth(path);
		if (!best || depth < best_depth)
			best = path, best_depth = depth;
	}
	if (!best)
		snprintf(why, why_len, "no cgroup below %s has that path, nor names that %s", root,
			 is_pod ? "pod uid" : "container id");
	return best;
}

int cgroup_resolve(const char *arg, __u64 *id, int *level, char *why, size_t why_len)
{
	const char *root = cgroup_root(), *found;
	char path[4096];
	struct stat st;

	if (!root) {
		snprintf(why, why_len, "no cgroup v2 hierarchy is mounted on this host");
		return -1;
	}
	/* the full path under the mount, as it is */
	if (!strncmp(arg, root, strlen(root)) && (arg[strlen(root)] == '/' || !arg[strlen(root)]))
		return resolve_dir(root, arg, id, level, why, why_len);
	/* the path as the tools print it and /proc/PID/cgroup shows it ("/docker/<id>"), or
	 * relative to the root */
	snprintf(path, sizeof(path), "%s%s%s", root, arg[0] == '/' ? "" : "/", arg);
	if (!stat(path, &st))
		return resolve_dir(root, path, id, level, why, why_len);
	/* some other filesystem path: say why it is no cgroup v2 */
	if (arg[0] == '/' && !stat(arg, &st))
		return resolve_dir(root, arg, id, level, why, why_len);
	if (all_hex(arg, 1) && !all_hex(arg, 12)) {
		snprintf(why, why_len,
			 "no such cgroup below %s, and a container id needs at least 12 hex digits",
			 root);
		return -1;
	}
	if (!all_hex(arg, 12) && !pod_uid_norm(arg, path, sizeof(path))) {
		snprintf(why, why_len, "no such cgroup below %s", root);
		return -1;
	}
	found = find_container(arg, root, why, why_len);
	if (!found)
		return -1;
	snprintf(path, sizeof(path), "%s%s", root, found);
	return resolve_dir(root, path, id, level, why, why_len);
}

static void grave_add(char *path);

static void cache_append(struct cgroup_entry e)
{
	if (cache.n == cache.cap) {
		size_t cap = cache.cap ? cache.cap * 2 : 256;
		struct cgroup_entry *ne = realloc(cache.entries, cap * sizeof(*ne));

		if (!ne) {
			grave_add(e.path);
			return;
		}
		cache.entries = ne;
		cache.cap = cap;
	}
	cache.entries[cache.n++] = e;
}

static void cache_add(__u64 id, const char *rel)
{
	char *path = strdup(rel[0] ? rel : "/");

	if (path)
		cache_append((struct cgroup_entry){id, path, false});
}

static void grave_add(char *path)
{
	if (cache.ngrave == cache.cap_grave) {
		size_t cap = cache.cap_grave ? cache.cap_grave * 2 : 64;
		char **g = realloc(cache.graveyard, cap * sizeof(*g));

		if (!g)
			return; /* leak one string rather than free it under a caller */
		cache.graveyard = g;
		cache.cap_grave = cap;
	}
	cache.graveyard[cache.ngrave++] = path;
}

static void grave_empty(void)
{
	for (size_t i = 0; i < cache.ngrave; i++)
		free(cache.graveyard[i]);
	cache.ngrave = 0;
}

/* depth-first walk; rel is the path below the root ("" for the root itself) */
static void cache_walk(const char *root, char *rel, size_t rel_len, int depth)
{
	char full[4096];
	struct dirent *d;
	DIR *dir;
	size_t len = strlen(rel);

	snprintf(full, sizeof(full), "%s%s", root, rel);
	cache_add(cgroup_id_of_path(full), rel);
	if (depth > 32)
		return;
	dir = opendir(full);
	if (!dir)
		return;
	while ((d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.')
			continue;
		if (len + 1 + strlen(d->d_name) >= rel_len)
			continue;
		snprintf(rel + len, rel_len - len, "/%s", d->d_name);
		cache_walk(root, rel, rel_len, depth + 1);
		rel[len] = '\0';
	}
	closedir(dir);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct cgroup_entry *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void cgroup_cache_free(void)
{
	for (size_t i = 0; i < cache.n; i++)
		free(cache.entries[i].path);
	free(cache.entries);
	cache.entries = NULL;
	cache.n = cache.cap = 0;
	grave_empty();
	free(cache.graveyard);
	cache.graveyard = NULL;
	cache.cap_grave = 0;
}

static struct cgroup_entry *entry_find(struct cgroup_entry *e, size_t n, __u64 id)
{
	struct cgroup_entry key = {.id = id};

	return n ? table_find(&key, e, n, sizeof(key), entry_cmp) : NULL;
}

/*
 * Walk the tree again.  A path string stays where it is while its cgroup has it (callers may
 * hold it); cgroups that went keep their last path, up to CGROUP_GONE_MAX of them.
 */
static void cache_rescan(void)
{
	const char *root = cgroup_root();
	struct cgroup_entry *old = cache.entries;
	size_t nold = cache.n, ngone = 0, nnew;
	char rel[4096] = "";

	grave_empty();
	cache.entries = NULL;
	cache.n = cache.cap = 0;
	cache.scanned_at = time(NULL);
	if (root)
		cache_walk(root, rel, sizeof(rel), 0);
	if (cache.n)
		table_sort(cache.entries, cache.n, sizeof(cache.entries[0]), entry_cmp);
	nnew = cache.n;
	/* newest knowledge first: old entries are sorted by id, and ids grow with time */
	for (size_t i = nold; i-- > 0;) {
		struct cgroup_entry *e = entry_find(cache.entries, nnew, old[i].id);

		if (e && !strcmp(e->path, old[i].path)) {
			free(e->path);
			e->path = old[i].path;
		} else if (e || ngone >= CGROUP_GONE_MAX) {
			grave_add(old[i].path);
		} else {
			old[i].gone = true;
			ngone++;
			cache_append(old[i]);
		}
	}
	free(old);
	if (cache.n)
		table_sort(cache.entries, cache.n, sizeof(cache.entries[0]), entry_cmp);
}

static const char *cache_find(__u64 id)
{
	struct cgroup_entry *e = entry_find(cache.entries, cache.n, id);

	return e ? e->path : NULL;
}

/*
 * One id, without walking the tree: the id is the cgroup's file handle, so open_by_handle_at()
 * opens the directory and /proc/self/fd names it.  A cgroup that lives for less than the
 * rescan's second gets its name this way.  Needs CAP_DAC_READ_SEARCH; NULL when it is gone.
 */
static const char *cache_open_id(__u64 id)
{
	static int root_fd = -2;
	struct {
		struct file_handle fh;
		__u64 id;
	} h = {.fh.handle_bytes = sizeof(__u64), .fh.handle_type = 0xfe /* FILEID_KERNFS */};
	const char *root = cgroup_root();
	char link[64], full[4096];
	size_t rlen;
	ssize_t len;
	int fd;

	if (!root)
		return NULL;
	if (root_fd == -2)
		root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return NULL;
	h.id = id;
	fd = open_by_handle_at(root_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, full, sizeof(full) - 1);
	close(fd);
	rlen = strlen(root);
	if (len <= 0 || (size_t)len < rlen || strncmp(full, root, rlen))
		return NULL;
	full[len] = '\0';
	if (full[rlen] && full[rlen] != '/')
		return NULL;
	cache_add(id, full + rlen);
	if (cache.n > 1)
		table_sort(cache.entries, cache.n, sizeof(cache.entries[0]), entry_cmp);
	return cache_find(id);
}

const char *cgroup_path_of_id(__u64 id)
{
	const char *path = cache_find(id);

	if (path || !id)
		return path;
	path = cache_open_id(id);
	/* new cgroups appear all the time on a container host; rescan, but not in a tight loop */
	if (!path && time(NULL) != cache.scanned_at) {
		cache_rescan();
		path = cache_find(id);
	}
	return path;
}

static bool is_hex_id(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* "kubepods-burstable-pod1234_5678....slice" or "pod1234-5678..." (cgroupfs driver) */
static bool parse_pod_uid(const char *comp, size_t len, char *uid, size_t uid_len)
{
	const char *p = NULL;
	size_t n;

	if (len > 3 && !strncmp(comp, "pod", 3))
		p = comp + 3;
	else if (!strncmp(comp, "kubepods", 8))
		p = memmem(comp, len, "-pod", 4), p = p ? p + 4 : NULL;
	if (!p)
		return false;
	n = comp + len - p;
	if (n > 6 && !strncmp(comp + len - 6, ".slice", 6))
		n -= 6;
	if (n != 36 || n >= uid_len)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i] == '_' ? '-' : p[i];

		if (!isxdigit((unsigned char)c) && c != '-')
			return false;
		uid[i] = tolower((unsigned char)c);
	}
	uid[n] = '\0';
	return true;
}

static const struct {
	const char *prefix;
	const char *runtime;
} scope_prefixes[] = {
	{"docker-", "docker"}, {"cri-containerd-", "containerd"}, {"crio-conmon-", "crio"},
	{"crio-", "crio"},     {"libpod-conmon-", "podman"},	  {"libpod-", "podman"},
};

/* one path component: "docker-<id>.scope" (systemd driver) or a bare id (cgroupfs driver) */
static bool parse_container_comp(const char *comp, size_t len, const char *parent,
				 size_t parent_len, struct container *c)
{
	if (len > 6 && !strncmp(comp + len - 6, ".scope", 6))
		len -= 6;
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		size_t plen = strlen(scope_prefixes[i].prefix);

		if (len > plen && !strncmp(comp, scope_prefixes[i].prefix, plen) &&
		    is_hex_id(comp + plen, len - plen)) {
			memcpy(c->id, comp + plen, 64);
			c->id[64] = '\0';
			snprintf(c->runtime, sizeof(c->runtime), "%s", scope_prefixes[i].runtime);
			return true;
		}
	}
	if (!is_hex_id(comp, len))
		return false;
	memcpy(c->id, comp, 64);
	c->id[64] = '\0';
	if (parent_len == 6 && !strncmp(parent, "docker", 6))
		snprintf(c->runtime, sizeof(c->runtime), "docker");
	else if (parent_len == 13 && !strncmp(parent, "libpod_parent", 13))
		snprintf(c->runtime, sizeof(c->runtime), "podman");
	else
		c->runtime[0] = '\0';
	return true;
}

bool cgroup_parse_container(const char *path, struct container *c)
{
	const char *comp = path, *parent = "";
	size_t parent_len = 0;
	bool found = false;

	memset(c, 0, sizeof(*c));
	while (*comp) {
		const char *end = strchr(comp, '/');
		size_t len = end ? (size_t)(end - comp) : strlen(comp);

		if (len) {
			char uid[40];

			if (parse_pod_uid(comp, len, uid, sizeof(uid))) {
				memcpy(c->pod_uid, uid, sizeof(uid));
				c->pod_path_len = comp + len - path;
			}
			/* the innermost container wins (a pod's container below the pod) */
			if (parse_container_comp(comp, len, parent, parent_len, c))
				found = true;
			parent = comp;
			parent_len = len;
		}
		if (!end)
			break;
		comp = end + 1;
	}
	return found || c->pod_uid[0];
}

const char *cgroup_container_name(__u64 id, char *buf, size_t len)
{
	const char *path = cgroup_path_of_id(id);
	struct container c;

	if (!path || !cgroup_parse_container(path, &c))
		return NULL;
	if (c.id[0])
		snprintf(buf, len, "%.12s", c.id);
	else
		snprintf(buf, len, "pod:%s", c.pod_uid);
	return buf;
}

void cgroup_json_container(struct json *j, __u64 id)
{
	char name[128];

	if (cgroup_container_name(id, name, sizeof(name)))
		json_kv_string(j, "container", name);
	else
		json_kv_null(j, "container");
}

/* -C was asked for: JSON rows say it too when a cgroup cannot be named (cgroup_gone_note) */
static bool containers_asked;

/*
 * Once per run, whichever output meets it first: an id that names no cgroup, because its
 * processes exited and it was removed before any read saw its path.
 */
static void cgroup_gone_note(__u64 id)
{
	static bool told;

	/* with no hierarchy at all, cgroup_containers_check() said so already */
	if (told || !id || !cgroup_root())
		return;
	told = true;
	out_note("cgroup %llu is no longer below %s (its processes exited and it was "
		 "removed): its rows show cgroup:<id>, JSON container null",
		 (unsigned long long)id, cgroup_root());
}

void cgroup_containers_check(void)
{
	containers_asked = true;
	if (!cgroup_root())
		out_note("no cgroup v2 hierarchy is mounted here (see /proc/self/mountinfo), so "
			 "containers cannot be named: rows show cgroup:<id>, JSON container null");
}

void cgroup_json_fields(struct json *j, __u64 id)
{
	const char *path = cgroup_path_of_id(id);

	cgroup_json_container(j, id);
	if (path) {
		json_kv_string(j, "cgroup", path);
	} else {
		json_kv_null(j, "cgroup");
		if (containers_asked)
			cgroup_gone_note(id);
	}
	json_kv_u64(j, "cgroup_id", id);
}

const char *cgroup_label(__u64 id, char *buf, size_t len)
{
	const char *path = cgroup_path_of_id(id);

	if (cgroup_container_name(id, buf, len))
		return buf;
	if (path) {
		snprintf(buf, len, "%s", path);
		return buf;
	}
	snprintf(buf, len, "cgroup:%llu", (unsigned long long)id);
	cgroup_gone_note(id);
	return buf;
}

const char *cgroup_path_of_pid(int pid, char *buf, size_t len)
{
	char file[64], line[4096];
	const char *found = NULL;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "r");
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, len, "%s", line + 3);
		found = buf;
	}
	fclose(f);
	return found;
}
