/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 ids, paths and the containers behind them.  BPF reports
 * bpf_get_current_cgroup_id(); this turns it into the cgroup path and from the path into a
 * container id (docker, containerd/CRI, CRI-O, podman) and a Kubernetes pod uid.
 */
#ifndef KSCOPE_CGROUP_H
#define KSCOPE_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct container {
	char id[65];	     /* full container id, "" when the path names none */
	char runtime[12];    /* "docker", "containerd", "crio", "podman", "" */
	char pod_uid[40];    /* Kubernetes pod uid with dashes, "" when not in a pod */
	size_t pod_path_len; /* the path's length up to the pod's own cgroup; 0: not in a pod */
};

/* Mount point of the cgroup v2 hierarchy (/sys/fs/cgroup or /sys/fs/cgroup/unified), or NULL. */
const char *cgroup_root(void);

/*
 * Resolve a -c argument: the path as the tools print it and /proc/PID/cgroup shows it
 * ("/docker/<id>"), the same without its leading slash, the full path under the cgroup v2
 * mount, a container id or a unique prefix of at least 12 hex digits, or a pod uid.  Fills
 * id and level (depth below the root).  Returns 0, or -1 with a reason in why that names
 * what was looked for and where.
 */
int cgroup_resolve(const char *arg, __u64 *id, int *level, char *why, size_t why_len);

/* The kernel's cgroup id for a cgroup v2 directory (its file handle), 0 on failure. */
__u64 cgroup_id_of_path(const char *path);

/*
 * Path below the cgroup v2 root ("/system.slice/docker-ab12.scope") for an id.  The tree is
 * walked once and again when an unknown id shows up (at most once a second).  A cgroup that
 * was seen and is gone keeps its last path; NULL for one never seen.  The string stays valid
 * at least until the next rescan after this one (a second or more): copy it to keep it.
 */
const char *cgroup_path_of_id(__u64 id);
void cgroup_cache_free(void);

/* The process's cgroup v2 path as /proc/PID/cgroup's "0::" line gives it; NULL when none. */
const char *cgroup_path_of_pid(int pid, char *buf, size_t len);

/* Pure: read a container id and pod uid out of a cgroup path.  False when there is none. */
bool cgroup_parse_container(const char *path, struct container *c);

/*
 * What a table or JSON shows for a cgroup: the 12-character container id, else the pod uid,
 * else the path, else "cgroup:<id>".  buf of at least 64 bytes; the result is untrusted text.
 */
const char *cgroup_label(__u64 id, char *buf, size_t len);

/* The 12-character container id (or "pod:<uid>") for JSON's "container"; NULL when none. */
const char *cgroup_container_name(__u64 id, char *buf, size_t len);

/*
 * -C: one note on stderr when no cgroup v2 hierarchy is visible (containers go unnamed); and
 * from then on cgroup_json_fields(), like cgroup_label(), says once when an id names no cgroup.
 */
void cgroup_containers_check(void);

struct json;
/* JSON's "container" key: cgroup_container_name(id), or null when the cgroup names none. */
void cgroup_json_container(struct json *j, __u64 id);
/*
 * The three keys every row or event that belongs to a cgroup carries (docs/json.md):
 * "container" as above, "cgroup" (the path below the cgroup v2 root, or null when the cgroup
 * is gone) and "cgroup_id".
 */
void cgroup_json_fields(struct json *j, __u64 id);

#endif /* KSCOPE_CGROUP_H */
