# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by the tree scripts (prepare.sh, export.sh,
# check-series.sh); sourced.
#
# The work tree build/qemu is a git repository: tag 'upstream' is the
# pristine tarball, then one commit per local build fix (patches/local/),
# tag 'base', then one commit per patch of the series (patches/).
# .git/pvlock-synced records the commit the tree was at when it last
# matched this repo, and a hash of the repo's patches then.

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

# A hash of what prepare.sh reads from the repo.
repo_hash() {
    (cd "$TOP" && find patches -type f | LC_ALL=C sort | xargs -d '\n' sha256sum) |
        sha256sum | cut -d' ' -f1
}

synced_file() { echo "$QEMU_TREE/.git/pvlock-synced"; }

# Does the tree hold something that the repo does not: commits made
# since it last matched, or changes not committed?
tree_has_edits() {
    local head recorded
    head=$(tgit rev-parse HEAD)
    recorded=$(cut -d' ' -f1 "$(synced_file)" 2>/dev/null || true)
    [ "$head" != "$recorded" ] || [ -n "$(tgit status --porcelain)" ]
}

record_synced() {
    echo "$(tgit rev-parse HEAD) $(repo_hash)" > "$(synced_file)"
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
