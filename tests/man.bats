#!/usr/bin/env bats
# The man pages (man/<tool>.8) are linted, and held to what the binaries do: every option
# --help lists is documented and every documented option exists, the --help examples are in
# EXAMPLES, and every metric family a tool writes with --prom-file is in its OUTPUT.

load lib

setup_file() {
	if ! command -v mandoc >/dev/null; then
		apt-get update -q >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			mandoc >/dev/null
	fi
}

tools() {
	local f
	for f in "$KSCOPE_ROOT"/bpf/*.bpf.c; do
		f=${f##*/}
		echo "${f%.bpf.c}"
	done
}

# the man source with roff's \- as -, for plain greps
man_text() {
	sed 's/\\-/-/g' "$KSCOPE_ROOT/man/$1.8"
}

# --help of a tool, or of each netcheck command
help_text() {
	if [ "$1" = netcheck ]; then
		"$BUILD/netcheck" audit --help
		"$BUILD/netcheck" watch --help
	else
		"$BUILD/$1" --help
	fi
}

@test "every tool has a man page in section 8 with the sections an SRE looks for" {
	for t in $(tools); do
		f=$KSCOPE_ROOT/man/$t.8
		[ -f "$f" ] || { echo "no man/$t.8"; return 1; }
		grep -q "^\.TH ${t^^} 8 " "$f"
		for s in NAME SYNOPSIS DESCRIPTION OPTIONS OUTPUT EXAMPLES "EXIT STATUS" "SEE ALSO"; do
			grep -qx "\.SH $s" "$f" || { echo "$t.8: no section $s"; return 1; }
		done
		grep -q "^$t \\\\- " "$f" # NAME: "tool \- what it answers", for whatis/apropos
	done
}

@test "mandoc -Tlint and man --warnings find nothing" {
	for t in $(tools); do
		run mandoc -Tlint -Wwarning "$KSCOPE_ROOT/man/$t.8"
		echo "$output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		out=$(man --warnings -l "$KSCOPE_ROOT/man/$t.8" 2>&1 >/dev/null)
		echo "$out"
		[ -z "$out" ]
	done
}

@test "every option in --help is in the man page, and every option there exists" {
	for t in $(tools); do
		[ -x "$BUILD/$t" ] || { echo "build/$t is not built"; return 1; }
		help=$(help_text "$t")
		page=$(man_text "$t")
		for o in $(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$help" | sort -u); do
			grep -qF -- "$o" <<<"$page" || { echo "$t.8 lacks $o"; return 1; }
		done
		# the OPTIONS section's tags (.TP then .B/.BI/.BR line)
		opts=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' <<<"$page" | grep -oE -- '--[a-z][a-z0-9-]+' |
			sort -u)
		for o in $opts; do
			grep -qF -- "$o" <<<"$help" || { echo "$t.8 documents $o, --help has none"; return 1; }
		done
		# short options too: "-x, --long" in --help and ".BR -x ", " --long" in the page
		while read -r s l; do
			grep -qE -- "^\.B[IR]? $s \", \" $l" <<<"$page" ||
				{ echo "$t.8: $s is not documented as the short form of $l"; return 1; }
		done < <(grep -oE -- '^ +-[a-zA-Z0-9], --[a-z0-9-]+' <<<"$help" | tr -d ',')
	done
}

@test "the examples of --help are in EXAMPLES" {
	for t in $(tools); do
		page=$(man_text "$t" | sed -n '/^\.SH EXAMPLES/,/^\.SH /p')
		# example lines: two spaces, the tool's name, its arguments, then the comment
		while read -r ex; do
			grep -qF -- ".B $ex" <<<"$page" || { echo "$t.8 EXAMPLES lacks: $ex"; return 1; }
		done < <(help_text "$t" | sed -n '/^Examples:/,$p' | grep -E "^  $t( |$)" |
			sed -E 's/^  //; s/ +#.*//; s/ {2,}.*//')
	done
}

@test "every metric family a tool writes is documented in its man page" {
	local dir=$BATS_TEST_TMPDIR ns
	ns=$(netns_create man)
	for t in $(tools); do
		help_text "$t" | grep -q -- '--prom-file' || continue
		args=()
		[ "$t" = tcpwait ] && args=(--netns "$ns" -L)
		[ "$t" = netcheck ] && args=(watch)
		"$BUILD/$t" "${args[@]}" --prom-file "$dir/$t.prom" 0.2 2 >/dev/null 2>&1 ||
			{ netns_delete "$ns"; echo "$t --prom-file failed"; return 1; }
		page=$(man_text "$t")
		for fam in $(awk '$1 == "#" && $2 == "TYPE" { print $3 }' "$dir/$t.prom"); do
			# a family may be documented in a brace group: kscope_x_{a,b}_total
			grep -qE -- "$fam(\\{| |$)" <<<"$page" ||
				{ netns_delete "$ns"; echo "$t.8 lacks metric $fam"; return 1; }
		done
		checked=1
	done
	netns_delete "$ns"
	[ "${checked:-0}" -eq 1 ]
}
