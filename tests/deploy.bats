#!/usr/bin/env bats
# deploy/: the systemd unit verified by systemd-analyze, and the DaemonSet's and the unit's
# commands run here as written (paths mapped to build/), writing files promtool accepts.
# There is no cluster or container runtime here: docs/fleet.md says what that leaves untested.

load lib

setup_file() {
	if ! python3 -c 'import yaml' 2>/dev/null; then
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			python3-yaml >/dev/null
	fi
}

setup() {
	MANDIR=$BATS_TEST_TMPDIR/man
	mkdir -p "$MANDIR/man8"
	cp "$KSCOPE_ROOT"/man/*.8 "$MANDIR/man8/"
}

@test "systemd-analyze verify accepts the unit, instantiated for every tool" {
	for t in tcpwait mcewatch fadvtop forklat netcheck; do
		u=$BATS_TEST_TMPDIR/kscope@$t.service
		sed "s#/usr/sbin/#$BUILD/#" "$KSCOPE_ROOT/deploy/kscope@.service" >"$u"
		MANPATH=$MANDIR run systemd-analyze verify "$u"
		echo "$output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

@test "the unit's command line, run here, writes a file promtool accepts" {
	u=$KSCOPE_ROOT/deploy/kscope@.service
	cmd=$(sed -n 's/^ExecStart=//p' "$u")
	args=$(sed -n 's/^Environment=KSCOPE_ARGS=//p' "$u")
	[ "$args" = 15 ]
	for t in tcpwait mcewatch fadvtop forklat netcheck; do
		dir=$BATS_TEST_TMPDIR/textfile
		mkdir -p "$dir"
		# %i -> the tool, the textfile directory -> ours, the interval -> short, one report
		c=${cmd//%i/$t}
		c=${c//\/var\/lib\/prometheus\/node-exporter/$dir}
		c=${c//\/usr\/sbin\//$BUILD/}
		c=${c//\$KSCOPE_ARGS/0.2 1}
		echo "$c"
		run $c
		echo "$output"
		[ "$status" -eq 0 ]
		promtool check metrics <"$dir/kscope-$t.prom"
	done
}

@test "the DaemonSet: privileged, host PID and network, BTF/tracefs/cgroup/textfile mounts; its commands run" {
	y=$KSCOPE_ROOT/deploy/kscope-daemonset.yaml
	dir=$BATS_TEST_TMPDIR/textfile
	mkdir -p "$dir"
	run python3 - "$y" <<-'EOF'
		import sys, yaml
		d = yaml.safe_load(open(sys.argv[1]))
		assert d["kind"] == "DaemonSet" and d["apiVersion"] == "apps/v1"
		spec = d["spec"]["template"]["spec"]
		assert spec["hostPID"] is True and spec["hostNetwork"] is True
		vols = {v["name"]: v["hostPath"]["path"] for v in spec["volumes"]}
		assert vols == {"btf": "/sys/kernel/btf", "tracefs": "/sys/kernel/tracing",
				"cgroup": "/sys/fs/cgroup", "textfile": "/var/lib/prometheus/node-exporter"}
		for c in spec["containers"]:
		    assert c["securityContext"]["privileged"] is True
		    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
		    assert mounts["textfile"] == "/textfile"
		    cmd = c["command"]
		    assert cmd[0] == "/usr/sbin/" + c["name"]
		    i = cmd.index("--prom-file")
		    assert cmd[i + 1] == "/textfile/kscope-%s.prom" % c["name"]
		    # the file goes with the pod: preStop removes it
		    assert c["lifecycle"]["preStop"]["exec"]["command"] == \
		        ["/bin/rm", "-f", cmd[i + 1]]
		    print(" ".join(cmd))
		assert sorted(c["name"] for c in spec["containers"]) == \
		    ["fadvtop", "forklat", "mcewatch", "netcheck", "tcpwait"]
	EOF
	echo "$output"
	[ "$status" -eq 0 ]
	# every command, as written, with the image's paths mapped to here and a short interval
	while read -r line; do
		read -ra argv <<<"$line"
		tool=${argv[0]##*/}
		grep -q "build/static/$tool" "$KSCOPE_ROOT/deploy/Dockerfile"
		argv[0]=$BUILD/$tool
		argv=("${argv[@]//\/textfile/$dir}")
		unset 'argv[${#argv[@]}-1]' # the interval
		"${argv[@]}" 0.2 1
		promtool check metrics <"$dir/kscope-$tool.prom"
	done <<<"$output"
	# the Dockerfile copies what exists
	for f in $(sed -n 's/^COPY //p; s/^ \+\(build[^ ]*\).*/\1/p' "$KSCOPE_ROOT/deploy/Dockerfile" |
		tr ' ' '\n' | grep -E '^(build|man|docs|README)' ); do
		[ -e "$KSCOPE_ROOT/$f" ] || { echo "Dockerfile copies missing $f"; return 1; }
	done
}

@test "the DaemonSet is valid against Kubernetes' own schema (kubernetes-models, offline)" {
	command -v npm >/dev/null && command -v node >/dev/null ||
		skip "no npm here (nodejs): nothing validates Kubernetes manifests without it"
	# npm's registry, once: the package bundles the API's OpenAPI schema, so no cluster is asked
	dir=$BUILD/npm-k8s
	if [ ! -d "$dir/node_modules/kubernetes-models" ]; then
		mkdir -p "$dir"
		(cd "$dir" && npm install --no-audit --no-fund --silent kubernetes-models@5.1.0) ||
			skip "npm install kubernetes-models failed (no registry?)"
	fi
	cp "$KSCOPE_ROOT/tests/k8s/check.mjs" "$dir/check.mjs"
	json=$BATS_TEST_TMPDIR/ds.json
	python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))' \
		"$KSCOPE_ROOT/deploy/kscope-daemonset.yaml" >"$json"
	run node "$dir/check.mjs" <"$json"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "valid: DaemonSet kscope" ]
	# the control: a string where the schema wants an array, and one where it wants a bool
	python3 - "$json" >"$BATS_TEST_TMPDIR/bad.json" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1]))
		spec = d["spec"]["template"]["spec"]
		spec["containers"][0]["lifecycle"]["preStop"]["exec"]["command"] = "rm"
		spec["hostPID"] = "yes"
		print(json.dumps(d))
	PY
	run node "$dir/check.mjs" <"$BATS_TEST_TMPDIR/bad.json"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"preStop/exec/command must be array"*"hostPID must be boolean"* ]]
}
