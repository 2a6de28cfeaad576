#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The trusted benchmarks for the arm64 Linux guest, as Debian 13
# (trixie) builds them: hackbench (rt-tests), stress-ng, sysbench and
# perf (linux-perf), with the shared libraries they load and the dynamic
# loader, unpacked into a tree to copy on top of an initramfs root
# (harness/benchtools.py). Prints the tree's path, last.
#
# trixie is not this machine's release: the downloads go through an apt
# configuration of their own (APT_CONFIG=$CACHE_DIR/trixie-apt/apt.conf:
# its own sources, lists, empty dpkg status, no /etc/apt/apt.conf.d), so
# the machine's apt never sees trixie. Signatures are checked against
# debian-archive-keyring. The .debs are cached in $CACHE_DIR/trixie-debs;
# the tree is rebuilt only when this script or the package lists change.
#
# The libraries: apt resolves the Depends of the four packages into the
# set of packages an installation would take; from that set only the
# packages that ship a library some binary in the tree has as NEEDED
# (aarch64-linux-gnu-readelf -d, recursively) are downloaded, looked for
# first among the Depends of the package that needs the library.

. "$(dirname "$0")/../common.sh"

# The pins: NAME=VERSION, as trixie's main archive serves them.
BENCH_PKGS=(
    rt-tests=2.6-1.1
    stress-ng=0.19.02-1
    sysbench=1.0.20+ds-7+b1
    linux-perf=6.12.117-1
)
# PACKAGE:PATH of each benchmark, installed at /PATH in the guest.
BENCH_BINS=(
    rt-tests:usr/bin/hackbench
    stress-ng:usr/bin/stress-ng
    sysbench:usr/bin/sysbench
    linux-perf:usr/bin/perf
)
# Loaded with dlopen(), not NEEDED: glibc's unwinder for pthread_exit()
# and pthread_cancel().
EXTRA_SONAMES=(libgcc_s.so.1)
# The machine's own mirror (/etc/apt/sources.list.d/debian.sources).
MIRROR=http://deb.debian.org/debian
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
MULTIARCH=aarch64-linux-gnu

"$TOP/scripts/setup/install-deps.sh" linux guests >&2
command -v $MULTIARCH-readelf >/dev/null || die "$MULTIARCH-readelf missing (binutils-aarch64-linux-gnu)"
[ -r "$KEYRING" ] || die "$KEYRING missing (debian-archive-keyring)"

APTDIR=$CACHE_DIR/trixie-apt
DEBS=$CACHE_DIR/trixie-debs
B=$OUT/bench-tools
mkdir -p "$APTDIR"/{lists/partial,cache/archives/partial,empty,log} "$DEBS"
: >> "$APTDIR/status"
printf 'deb [arch=arm64 signed-by=%s] %s trixie main\n' "$KEYRING" "$MIRROR" \
    > "$APTDIR/sources.list"
# A configuration read through APT_CONFIG, not -o: apt reads
# Dir::Etc::Parts before the command line, so only this way does it skip
# /etc/apt/apt.conf.d (and its update hooks).
cat > "$APTDIR/apt.conf" <<EOF
Dir::Etc::Main "/dev/null";
Dir::Etc::Parts "$APTDIR/empty";
Dir::Etc::SourceList "$APTDIR/sources.list";
Dir::Etc::SourceParts "$APTDIR/empty";
Dir::Etc::Preferences "$APTDIR/empty/preferences";
Dir::Etc::PreferencesParts "$APTDIR/empty";
Dir::State::Lists "$APTDIR/lists";
Dir::State::status "$APTDIR/status";
Dir::State::extended_states "$APTDIR/extended_states";
Dir::Cache "$APTDIR/cache";
Dir::Cache::srcpkgcache "";
Acquire::GzipIndexes "true";
Dir::Log "$APTDIR/log";
APT::Architecture "arm64";
APT::Architectures { "arm64"; };
Acquire::Languages "none";
EOF
# The _apt user cannot reach a cache under root's home (mode 0700): say
# so, rather than have apt warn on every download.
if [ "$(id -u)" -eq 0 ] && ! runuser -u _apt -- test -w "$APTDIR/lists/partial" 2>/dev/null; then
    echo 'APT::Sandbox::User "root";' >> "$APTDIR/apt.conf"
fi
export APT_CONFIG=$APTDIR/apt.conf

apt_update() {
    msg "updating trixie's arm64 package lists ($APTDIR)"
    apt-get -q update > "$APTDIR/update.log" 2>&1 || {
        sed 's/^/  apt: /' "$APTDIR/update.log" >&2
        die "apt-get update failed for trixie (signatures are checked with $KEYRING)"
    }
    REFRESHED=1
}
lists_id() { cat "$APTDIR"/lists/*InRelease 2>/dev/null | sha256sum | cut -d' ' -f1; }
stamp() {
    echo "$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1) $(lists_id)"
}

tree_ok() {
    local b
    [ "$(cat "$B/stamp" 2>/dev/null)" = "$(stamp)" ] || return 1
    for b in "${BENCH_BINS[@]}"; do [ -x "$B/root/${b#*:}" ] || return 1; done
}
if tree_ok; then
    echo "$B/root"
    exit 0
fi

# The pins, served? (A refresh at most once.)
REFRESHED=${BENCH_REFRESHED:-}
ls "$APTDIR"/lists/*_Packages* >/dev/null 2>&1 || apt_update
served() { apt-cache show "$1" 2>/dev/null | grep "^Package: " >/dev/null; }
for p in "${BENCH_PKGS[@]}"; do
    served "$p" && continue
    [ -n "$REFRESHED" ] || apt_update
    served "$p" || die "trixie does not serve ${p%%=*} ${p#*=} (it has: $(apt-cache madison "${p%%=*}" |
        awk '{printf "%s ", $3}')). Move the pin in BENCH_PKGS of $0, then check the tree."
done

# The closure, as apt would install it (an empty status: nothing is
# installed): NAME -> VERSION.
declare -A VER SHA SIZE DEPS
sim=$(apt-get -s -q install --no-install-recommends "${BENCH_PKGS[@]}" 2>&1) ||
    { echo "$sim" | sed 's/^/  apt: /' >&2; die "apt cannot resolve ${BENCH_PKGS[*]}"; }
while read -r name ver; do
    VER[$name]=$ver
done < <(echo "$sim" | sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1 \2/p')
for p in "${BENCH_PKGS[@]}"; do
    [ "${VER[${p%%=*}]:-}" = "${p#*=}" ] || die "apt resolved ${p%%=*} to '${VER[${p%%=*}]:-}', not ${p#*=}"
done
# Their records: checksum, size, and the names of their Depends.
args=()
for n in "${!VER[@]}"; do args+=("$n=${VER[$n]}"); done
while IFS=$'\t' read -r name sha size deps; do
    SHA[$name]=$sha SIZE[$name]=$size DEPS[$name]=" $deps "
done < <(apt-cache show "${args[@]}" 2>/dev/null | awk '
    function flush() { if (p != "") print p "\t" s "\t" z "\t" d; p = s = z = d = "" }
    /^Package: / { flush(); p = $2 }
    /^SHA256: / { s = $2 }
    /^Size: / { z = $2 }
    /^(Pre-)?Depends: / {
        sub(/^[^:]*: /, ""); n = split($0, a, /[,|]/)
        for (i = 1; i <= n; i++) { x = a[i]; sub(/^ +/, "", x); sub(/[ :(].*/, "", x); d = d " " x }
    }
    END { flush() }')

# fetch NAME: set FETCHED to the path of its .deb in the cache,
# downloaded if need be, checked against the SHA-256 of trixie's
# (signed) package list. Not in a subshell: it may refresh the lists and
# start the script over.
DOWNLOADED=0
fetch() {
    local n=$1 v=${VER[$1]} f
    f=$(ls "$DEBS/${n}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1) || true
    if [ -n "$f" ] && [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${SHA[$n]}" ]; then
        FETCHED=$f
        return
    fi
    rm -f "$DEBS/${n}_${v//:/%3a}_"*.deb
    if ! (cd "$DEBS" && apt-get -q download "$n=$v" > "$APTDIR/download.log" 2>&1); then
        if [ -z "$REFRESHED" ]; then
            # The lists are older than the archive: refresh, start over.
            msg "apt-get download $n=$v failed: refreshing the lists"
            apt_update
            BENCH_REFRESHED=1 exec "$0"
        fi
        sed 's/^/  apt: /' "$APTDIR/download.log" >&2
        die "apt-get download $n=$v failed"
    fi
    f=$(ls "$DEBS/${n}_${v//:/%3a}_"*.deb | head -n 1)
    [ "$(sha256sum "$f" | cut -d' ' -f1)" = "${SHA[$n]}" ] || die "$f: SHA-256 differs from trixie's Packages"
    DOWNLOADED=$((DOWNLOADED + SIZE[$n]))
    FETCHED=$f
}

rm -rf "$B.new"
X=$B.new/x R=$B.new/root
mkdir -p "$X" "$R/usr/lib"
ln -s usr/lib "$R/lib"

# unpack NAME: extract its .deb under $X/NAME and index the libraries
# it ships in the loader's directories: SONAME[file name] = NAME/PATH.
declare -A SONAME UNPACKED
LIBDIRS="lib/$MULTIARCH usr/lib/$MULTIARCH lib usr/lib"
unpack() {
    local n=$1 d f
    [ -z "${UNPACKED[$n]:-}" ] || return 0
    fetch "$n"
    mkdir -p "$X/$n"
    dpkg-deb -x "$FETCHED" "$X/$n"
    UNPACKED[$n]=$FETCHED
    for d in $LIBDIRS; do
        for f in "$X/$n/$d"/*.so*; do
            [ -f "$f" ] || [ -L "$f" ] || continue
            [ -n "${SONAME[${f##*/}]:-}" ] || SONAME[${f##*/}]=$n/$d/${f##*/}
        done
    done
}

# candidates SONAME NAME: the packages of the closure not unpacked yet,
# those NAME depends on first, each group by how much the package's name
# looks like the library's (libfoo.so.1: libfoo1, libfoo-1, libfoo*).
candidates() {
    local s=$1 deps=${DEPS[$2]:- } stem ver n b lvl
    stem=${s%%.so*} stem=${stem#lib} stem=${stem,,} stem=${stem//_/-}
    ver=${s#*.so.}
    [ "$ver" != "$s" ] || ver=
    ver=${ver%%.*}
    for n in "${!VER[@]}"; do
        [ -z "${UNPACKED[$n]:-}" ] || continue
        b=${n#lib}
        if [ -n "$ver" ] && [[ $b == "$stem$ver"* || $b == "$stem-$ver"* ]]; then lvl=0
        elif [[ $b == "$stem"* ]]; then lvl=1
        else lvl=2
        fi
        [[ $deps == *" $n "* ]] || lvl=$((lvl + 3))
        echo "$lvl $n"
    done | sort -k1,1n -k2,2 | cut -d' ' -f2
}

# place NAME/PATH: copy it (a symbolic link and what it points to) into
# the tree, at its merged-/usr path; ELF files go on to the scan.
declare -A PLACED USED
SCAN=()
place() {
    local n=${1%%/*} p=${1#*/} dst t
    dst=$p
    case $dst in lib/*|bin/*|sbin/*) dst=usr/$dst;; esac
    [ -z "${PLACED[$dst]:-}" ] || return 0
    PLACED[$dst]=1 USED[$n]=1
    mkdir -p "$R/$(dirname "$dst")"
    if [ -L "$X/$n/$p" ]; then
        t=$(readlink "$X/$n/$p")
        ln -sfn "$t" "$R/$dst"
        case $t in
        /*) place "$n/${t#/}";;
        *) place "$n/$(realpath -ms --relative-to="$X/$n" "$X/$n/$(dirname "$p")/$t")";;
        esac
    else
        [ -e "$X/$n/$p" ] || die "$n ships no $p"
        cp -p "$X/$n/$p" "$R/$dst"
        if [ "$(head -c 4 "$R/$dst" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
            SCAN+=("$n:$dst")
        fi
    fi
}

# need SONAME NAME: place the library SONAME that a file of NAME needs.
need() {
    local s=$1 n=$2 c
    if [ -z "${SONAME[$s]:-}" ]; then
        for c in $(candidates "$s" "$n"); do
            unpack "$c"
            [ -z "${SONAME[$s]:-}" ] || break
        done
    fi
    [ -n "${SONAME[$s]:-}" ] || die "no package of the closure ships $s (needed by $n)"
    place "${SONAME[$s]}"
}

unpack libc6
for p in "${BENCH_PKGS[@]}"; do unpack "${p%%=*}"; done
for b in "${BENCH_BINS[@]}"; do place "${b%%:*}/${b#*:}"; done
for s in "${EXTRA_SONAMES[@]}"; do need "$s" libc6; done
i=0
while [ $i -lt ${#SCAN[@]} ]; do
    n=${SCAN[i]%%:*} f=$R/${SCAN[i]#*:}
    i=$((i + 1))
    interp=$($MULTIARCH-readelf -lW "$f" | sed -n 's/.*Requesting program interpreter: \(.*\)\]$/\1/p')
    if [ -n "$interp" ] && [ ! -e "$R$interp" ]; then
        # The loader, at the path the binaries name (/lib/...: a link).
        need "${interp##*/}" "$n"
        c=${SONAME[${interp##*/}]%%/*} p=${interp#/}
        [ -e "$X/$c/$p" ] || [ -L "$X/$c/$p" ] || p=usr/$p
        place "$c/$p"
        [ -e "$R$interp" ] || die "${f#"$R"/} wants the interpreter $interp, not in the tree"
    fi
    dyn=$($MULTIARCH-readelf -dW "$f")
    if [[ $dyn == *"(RUNPATH)"* || $dyn == *"(RPATH)"* ]]; then
        msg "note: ${f#"$R"/} has $(echo "$dyn" | sed -n 's/.*\(R[UN]*PATH\).*\[\(.*\)\]/\1 \2/p')"
    fi
    for s in $(echo "$dyn" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
        need "$s" "$n"
    done
done

# What went into the tree, from which package; the packages looked
# into in vain (downloaded, cached, unused).
for n in "${!USED[@]}"; do echo "${UNPACKED[$n]##*/}"; done | sort > "$B.new/debs"
for n in "${!UNPACKED[@]}"; do
    [ -n "${USED[$n]:-}" ] || echo "${UNPACKED[$n]##*/}"
done | sort > "$B.new/debs-unused"
rm -rf "$X"
stamp > "$B.new/stamp"
rm -rf "$B"
mv "$B.new" "$B"
msg "$B/root: $(du -sh "$B/root" | cut -f1), ${#SCAN[@]} ELF files from $(wc -l < "$B/debs") packages," \
    "$(wc -l < "$B/debs-unused") more looked into" \
    "(downloaded now: $((DOWNLOADED / 1024)) KiB)"
echo "$B/root"
