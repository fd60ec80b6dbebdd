#!/bin/sh
# The progress line on a real terminal (a pty made by script(1)) at 80 and 40 columns: never
# wider than the terminal, with the file name; --progress on a non-terminal sized by COLUMNS;
# HF_HUB_DISABLE_PROGRESS_BARS read as a boolean, as huggingface_hub reads it.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model

start_hub hub
export HF_ENDPOINT=$hub_URL
unset COLUMNS
mkdir -p "$WORK/clones"
cd "$WORK/clones"
# Slow enough for several refreshes.
slow() { set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":2500000}]"; }

# on_tty COLS LOG COMMAND...: run hfgit with stdin, stdout and stderr on a pty of COLS columns.
on_tty() {
	cols=$1
	log=$2
	shift 2
	cmd="stty cols $cols rows 24;"
	for a in "$@"; do cmd="$cmd '$a'"; done
	script -qec "$cmd" "$log" >/dev/null 2>&1 </dev/null
}

# Every '\r' starts a rewrite of the progress line, which ends in ESC [ K: the widest of
# them, and the lines of the LFS stage.
widest() {
	tr '\r' '\n' <"$1" | grep "$(printf '\033')\\[K" | sed 's/\x1b\[K//g' |
		awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }'
}
lfs_lines() { tr '\r' '\n' <"$1" | sed 's/\x1b\[K//g' | grep -E '^(LFS|Downloading LFS objects):' || true; }

for cols in 80 40; do
	rm -rf "$HFGIT_HOME"
	slow
	on_tty "$cols" "$WORK/tty$cols.log" "$HFGIT" clone "$MODEL" "c$cols"
	check_eq "clone on a $cols-column terminal" "$(git -C "c$cols" rev-parse HEAD 2>/dev/null)" "$MAIN_COMMIT"
	w=$(widest "$WORK/tty$cols.log")
	if [ "$w" -lt "$cols" ]; then pass; else fail "$cols columns: a line of $w columns: $(cat -v "$WORK/tty$cols.log")"; fi
	n=$(lfs_lines "$WORK/tty$cols.log" | wc -l | tr -d ' ')
	if [ "$n" -ge 3 ]; then pass; else fail "$cols columns: $n LFS progress refreshes: $(cat -v "$WORK/tty$cols.log")"; fi
	# each LFS line ends with an LFS file of the commit, or the end of one after "..."
	git -C "c$cols" lfs ls-files -n >"$WORK/lfs-files"
	named=0
	unnamed=0
	while IFS= read -r l; do
		last=${l##* }
		last=${last#...}
		if [ -n "$last" ] && grep -q -F -e "$last" "$WORK/lfs-files" && \
		   grep -q -E -- "$(printf '%s' "$last" | sed 's/[.[\*^$/]/\\&/g')\$" "$WORK/lfs-files"; then
			named=$((named + 1))
		else
			unnamed=$((unnamed + 1))
		fi
	done <<EOT
$(lfs_lines "$WORK/tty$cols.log")
EOT
	if [ "$named" -ge 1 ] && [ "$unnamed" -eq 0 ]; then pass; else
		fail "$cols columns: $named lines end with a file name, $unnamed do not: $(lfs_lines "$WORK/tty$cols.log")"; fi
done
check_contains "80 columns: full labels" "$(lfs_lines "$WORK/tty80.log")" "Downloading LFS objects:"
check_contains "80 columns: the rate" "$(lfs_lines "$WORK/tty80.log")" "/s"

# Not a terminal: nothing; --progress: the line, as wide as COLUMNS says.
rm -rf "$HFGIT_HOME"
run_hfgit clone "$MODEL" plain
check_eq "no terminal, no progress" "$(printf '%s' "$ERR" | tr -cd '\r' | wc -c | tr -d ' ')" 0
rm -rf "$HFGIT_HOME"
slow
COLUMNS=50 run_hfgit clone --progress -q "$MODEL" forced
check_eq "--progress: clone" "$RC" 0
printf '%s' "$ERR" >"$WORK/forced.log"
check_contains "--progress on a non-terminal shows progress" "$(lfs_lines "$WORK/forced.log")" "LFS:"
w=$(widest "$WORK/forced.log")
if [ "$w" -lt 50 ]; then pass; else fail "COLUMNS=50: a line of $w columns"; fi

for cols in 12 3; do
	rm -rf "$HFGIT_HOME"
	COLUMNS=$cols run_hfgit clone --progress "$MODEL" "narrow$cols"
	check_eq "COLUMNS=$cols: clone ($ERR)" "$RC" 0
	printf '%s' "$ERR" >"$WORK/narrow.log"
	w=$(widest "$WORK/narrow.log")
	if [ "$w" -lt "$cols" ]; then pass; else fail "COLUMNS=$cols: a line of $w columns: $ERR"; fi
done

# HF_HUB_DISABLE_PROGRESS_BARS: true values hide it, false ones do not (any value used to).
for v in 1 TRUE yes on; do
	rm -rf "$HFGIT_HOME"
	on_tty 80 "$WORK/off.log" env HF_HUB_DISABLE_PROGRESS_BARS=$v "$HFGIT" clone "$MODEL" "off-$v"
	check_eq "HF_HUB_DISABLE_PROGRESS_BARS=$v hides progress" "$(lfs_lines "$WORK/off.log")" ""
done
for v in 0 false no; do
	rm -rf "$HFGIT_HOME"
	on_tty 80 "$WORK/on.log" env HF_HUB_DISABLE_PROGRESS_BARS=$v "$HFGIT" clone "$MODEL" "on-$v"
	check_contains "HF_HUB_DISABLE_PROGRESS_BARS=$v keeps progress" "$(lfs_lines "$WORK/on.log")" "Downloading LFS objects:"
done
rm -rf "$HFGIT_HOME"
HF_HUB_DISABLE_PROGRESS_BARS=1 run_hfgit clone --progress "$MODEL" forced2
check_contains "--progress wins over HF_HUB_DISABLE_PROGRESS_BARS=1" "$ERR" "LFS"

finish
