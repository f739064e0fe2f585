// SPDX-License-Identifier: GPL-2.0
/* Container ids and pod uids out of the cgroup paths the runtimes really create. */
#include "cgroup.h"
#include "check.h"

#define ID64 "3f4c1e2d5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778"

struct vector {
	const char *path;
	const char *id; /* "" when none */
	const char *runtime;
	const char *pod; /* "" when none */
	const char *what;
};

static const struct vector vectors[] = {
	{"/system.slice/docker-" ID64 ".scope", ID64, "docker", "", "docker, systemd driver"},
	{"/docker/" ID64, ID64, "docker", "", "docker, cgroupfs driver"},
	{"/system.slice/containerd.service/cri-containerd-" ID64 ".scope", ID64, "containerd", "",
	 "containerd outside kubernetes"},
	{"/kubepods.slice/kubepods-burstable.slice/"
	 "kubepods-burstable-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-" ID64
	 ".scope",
	 ID64, "containerd", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	 "kubernetes burstable pod, containerd, systemd driver (uid with underscores)"},
	{"/kubepods.slice/kubepods-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/crio-" ID64
	 ".scope",
	 ID64, "crio", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "guaranteed pod, CRI-O"},
	{"/kubepods/besteffort/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" ID64, ID64, "",
	 "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "kubernetes, cgroupfs driver (uid with dashes)"},
	{"/kubepods.slice/kubepods-besteffort.slice/"
	 "kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice",
	 "", "", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
	 "the pod's own cgroup: pod but no container"},
	{"/machine.slice/libpod-" ID64 ".scope", ID64, "podman", "", "podman, systemd driver"},
	{"/machine.slice/libpod-" ID64 ".scope/container", ID64, "podman", "",
	 "podman with a nested container cgroup"},
	{"/libpod_parent/" ID64, ID64, "podman", "", "podman, cgroupfs driver"},
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/docker-" ID64 ".scope", ID64,
	 "docker", "", "rootless docker"},
	{"/system.slice/sshd.service", "", "", "", "a plain service"},
	{"/", "", "", "", "the root"},
	{"/system.slice/docker-abc.scope", "", "", "", "too short to be an id"},
	{"/system.slice/docker-" ID64 "0.scope", "", "", "", "too long to be an id"},
	{"/kubepods.slice/kubepods-podxyz.slice", "", "", "", "pod without a uid"},
};

int main(void)
{
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];
		struct container c;
		bool found = cgroup_parse_container(v->path, &c);
		bool want = v->id[0] || v->pod[0];
		bool ok = found == want && !strcmp(c.id, v->id) && !strcmp(c.runtime, v->runtime) &&
			  !strcmp(c.pod_uid, v->pod);

		if (!check(ok, "%s", v->what))
			printf("#   path %s\n#   got found=%d id='%s' runtime='%s' pod='%s'\n",
			       v->path, found, c.id, c.runtime, c.pod_uid);
		if (!v->pod[0])
			continue;
		/* the path cut at pod_path_len is the pod's own cgroup: the pod, no container */
		char pod[512];
		struct container p;

		snprintf(pod, sizeof(pod), "%.*s", (int)c.pod_path_len, v->path);
		check(cgroup_parse_container(pod, &p) && !p.id[0] && !strcmp(p.pod_uid, v->pod) &&
			      (v->path[c.pod_path_len] == '/' || !v->path[c.pod_path_len]),
		      "%s: the pod's own cgroup is %s", v->what, pod);
	}
	return check_done();
}
