# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by the tree scripts (prepare.sh, export.sh,
# check-series.sh) and the libvirt ones (scripts/libvirt/); sourced.
#
# The work tree build/qemu is a git repository: tag 'upstream' is the
# pristine tarball, then one commit per local build fix (patches/local/),
# tag 'base', then one commit per patch of the series (patches/).

. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"

tgit() { git -C "$QEMU_TREE" "$@"; }

# The commits that prepare.sh makes itself (the tarball, then git am of
# patches that carry their own author) need a committer; it is never a
# sign-off and never reaches a patch, so it is marked as what it is.
tree_commit_env() {
    export GIT_COMMITTER_NAME="qemu-pvlock work tree (not a sign-off)"
    export GIT_COMMITTER_EMAIL="work-tree@qemu-pvlock.invalid"
    export GIT_AUTHOR_NAME=$GIT_COMMITTER_NAME GIT_AUTHOR_EMAIL=$GIT_COMMITTER_EMAIL
}

# Patch files named by a series file, one path per line.
series_files() {
    local dir=$1 p
    [ -f "$dir/series" ] || return 0
    while read -r p; do
        case "$p" in ''|'#'*) continue;; esac
        echo "$dir/$p"
    done < "$dir/series"
}

# The work trees, QEMU's (here) and libvirt's (scripts/libvirt/), are
# made and written back the same way: the helpers below take the tree
# (TREE) and the directory of this repo that it is made from (DIR:
# $SERIES_DIR, whose patches/local/ it includes, or $LIBVIRT_SERIES_DIR).

# repo_hash DIR: a hash of what prepare.sh reads from the repo.
repo_hash() {
    (cd "$TOP" && find "${1#"$TOP"/}" -type f | LC_ALL=C sort | xargs -d '\n' sha256sum) |
        sha256sum | cut -d' ' -f1
}

# pvlock-synced in TREE's git directory (.git, or a worktree's own
# directory: the kernel trees are worktrees) records the commit the tree
# was at when it last matched this repo, and repo_hash then.
synced_file() { echo "$(git -C "$1" rev-parse --absolute-git-dir)/pvlock-synced"; }

# tree_has_edits [TREE]: does TREE (default: QEMU's) hold something that
# the repo does not: commits made since it last matched, or changes not
# committed?
tree_has_edits() {
    local tree=${1:-$QEMU_TREE} head recorded
    head=$(git -C "$tree" rev-parse HEAD)
    recorded=$(cut -d' ' -f1 "$(synced_file "$tree")" 2>/dev/null || true)
    [ "$head" != "$recorded" ] || [ -n "$(git -C "$tree" status --porcelain)" ]
}

# record_synced TREE DIR: TREE now holds what DIR holds; remember it.
record_synced() {
    echo "$(git -C "$1" rev-parse HEAD) $(repo_hash "$2")" > "$(synced_file "$1")"
}

# tree_up_to_date TREE DIR FORCE HINT: does TREE already hold what DIR
# holds, so that prepare.sh has nothing to do? Edits made in TREE are
# never thrown away unasked: unless FORCE is 1, dies when it has some,
# with HINT, how to write them back or discard them.
tree_up_to_date() {
    local tree=$1 dir=$2 force=$3 hint=$4
    [ -d "$tree/.git" ] || return 1
    if tree_has_edits "$tree"; then
        [ "$force" = 1 ] || die "$tree has edits that are not in this repo.
  $hint"
        return 1
    fi
    [ "$(cut -d' ' -f2 "$(synced_file "$tree")")" = "$(repo_hash "$dir")" ]
}

# tree_reset TREE FETCH SUBJECT: bring TREE to tag 'upstream', the
# pristine tarball, on branch pvlock, ready for the patches. An existing
# tree is checked out there, so that the files the patches do not change
# keep their timestamps; a new one is a git repository made from the
# tarball whose path the script FETCH prints, committed as SUBJECT.
tree_reset() {
    local tree=$1 fetch=$2 subject=$3 tarball
    if [ -d "$tree/.git" ]; then
        msg "updating $tree from the repo"
        git -C "$tree" checkout -q -f -B pvlock upstream
        git -C "$tree" clean -q -fdx
        return
    fi
    tarball=$("$fetch")
    msg "unpacking $(basename "$tarball") into $tree"
    rm -rf "$tree"
    mkdir -p "$tree"
    tar -C "$tree" --strip-components=1 -xf "$tarball"
    git -C "$tree" init -q -b pvlock
    git -C "$tree" config core.autocrlf false
    git -C "$tree" add -A -f
    git -C "$tree" commit -q -m "$subject"
    git -C "$tree" tag -f upstream >/dev/null
}

# tree_apply TREE ONTO WHAT PATCH...: git am each PATCH in TREE, as a
# maintainer would; the error names the PATCH, WHAT it is (if not
# empty) and ONTO, what it failed to apply to.
tree_apply() {
    local tree=$1 onto=$2 what=$3 p
    shift 3
    for p in "$@"; do
        # --keep-non-patch: only [PATCH ...] leaves the subject; a
        # kernel test patch keeps its "[TEST ONLY]" (scripts/kernel/).
        git -C "$tree" am -q --keep-non-patch --committer-date-is-author-date "$p" || {
            git -C "$tree" am --abort 2>/dev/null || true
            die "${p#"$TOP"/}${what:+ ($what)} does not apply to $onto"
        }
    done
}

# signoff_identity: set SIGNOFF_NAME and SIGNOFF_EMAIL, whom export.sh
# signs every patch off by. Developer's Certificate of Origin: a real
# person signs off. CI, which never publishes a patch, uses a test
# identity that says so.
signoff_identity() {
    SIGNOFF_NAME=$(git -C "$TOP" config user.name || true)
    SIGNOFF_EMAIL=$(git -C "$TOP" config user.email || true)
    if [ -z "$SIGNOFF_NAME" ] || [ -z "$SIGNOFF_EMAIL" ]; then
        if [ "${CI:-}" = true ]; then
            SIGNOFF_NAME="qemu-pvlock CI (test identity, not a sign-off)"
            SIGNOFF_EMAIL="ci@qemu-pvlock.invalid"
        else
            die "no git identity: the export signs off every patch with yours.
  Set it with: git config --global user.name 'Your Name'
               git config --global user.email you@example.org"
        fi
    fi
}

# tree_exportable TREE TAG [WHAT]: die unless every change in TREE is
# committed and its HEAD descends from TAG (WHAT: what the tag holds),
# so that the export writes all of it, and only our commits.
tree_exportable() {
    local tree=$1 tag=$2 what=${3:-} dirty
    dirty=$(git -C "$tree" status --porcelain)
    [ -z "$dirty" ] || die "changes in $tree that are not committed:
$dirty
  Commit them there first: a new commit becomes a new patch, while
  'git commit --fixup=X' and 'git rebase -i --autosquash $tag' amend one."
    git -C "$tree" merge-base --is-ancestor "$tag" HEAD ||
        die "$tree: HEAD does not descend from tag '$tag'${what:+ ($what)}"
}

# tree_format_patch TREE ARG...: git format-patch in TREE, signed off by
# the signoff_identity, with stable output (no commit ids, no version).
# The blob ids of the index lines get PATCH_ABBREV digits (default 8, as
# QEMU's patches have): left to itself git picks the length from how many
# objects the repository holds, which differs between work trees.
tree_format_patch() {
    local tree=$1
    shift
    git -C "$tree" -c user.name="$SIGNOFF_NAME" -c user.email="$SIGNOFF_EMAIL" \
        -c core.abbrev="${PATCH_ABBREV:-8}" \
        format-patch -q --signoff --zero-commit --no-signature "$@"
}

# fill_cover_letter PATCH TEXT DATE: put TEXT (subject, blank line, body)
# into format-patch's cover letter PATCH, dated DATE (the newest patch's,
# so that exporting the same commits again writes the same file).
fill_cover_letter() {
    python3 - "$@" <<'PY'
import re, sys
path, text, date = sys.argv[1:]
subject, _, body = open(text).read().partition("\n\n")
s = open(path).read()
s = s.replace("*** SUBJECT HERE ***", subject.strip())
s = s.replace("*** BLURB HERE ***", body.strip())
s = re.sub(r"^Date: .*$", "Date: " + date, s, count=1, flags=re.M)
open(path, "w").write(s)
PY
}

# write_series DIR: DIR/series lists DIR's patches, in order.
write_series() {
    (cd "$1" && ls -1 -- *.patch 2>/dev/null || true) > "$1/series"
}

# The files the series adds, relative to the QEMU tree.
series_new_files() {
    tgit diff --name-only --diff-filter=A base HEAD
}

# Print, one per line, how qemu/ differs from what the series adds.
mirror_differences() {
    local f
    series_new_files | while read -r f; do
        if [ ! -f "$MIRROR_DIR/$f" ]; then
            echo "  qemu/$f: missing (the series adds it)"
        elif ! tgit show "HEAD:$f" | cmp -s - "$MIRROR_DIR/$f"; then
            echo "  qemu/$f: differs from what the series adds"
        fi
    done
    [ -d "$MIRROR_DIR" ] || return 0
    (cd "$MIRROR_DIR" && find . -type f | sed 's|^\./||') | while read -r f; do
        tgit cat-file -e "HEAD:$f" 2>/dev/null &&
            ! tgit cat-file -e "base:$f" 2>/dev/null ||
            echo "  qemu/$f: not added by the series"
    done
}
