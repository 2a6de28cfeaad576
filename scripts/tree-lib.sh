# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers shared by prepare-tree.sh and export-tree.sh; sourced.
#
# The work tree is a git repository: tag 'upstream' is the pristine
# tarball, then one commit with our overlay files, then one commit per
# patch of patches/series. .git/pvlock-synced fingerprints what the tree
# held when it last matched this repo (see prepare-tree.sh).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

tgit() { git -C "$QEMU_TREE" "$@"; }

# Files this repo lays over QEMU, relative to $TOP.
repo_overlay_files() {
    # shellcheck disable=SC2086
    git -C "$TOP" ls-files --cached --others --exclude-standard -- $OVERLAY_DIRS \
        "$OVERLAY_EXCLUDE" |
        while read -r f; do [ -f "$TOP/$f" ] && echo "$f"; done
}

# Write what the work tree holds, as this repo's overlay files and
# patches, into directory $1 (files under overlay dirs, patches/).
export_to() {
    local dest=$1 f changed
    local dirty
    dirty=$(uncommitted_upstream_edits)
    [ -z "$dirty" ] || die "uncommitted changes to upstream files in $QEMU_TREE:
$dirty
  commit them there first: a new commit becomes a new patch, while
  'git commit --fixup=X' and 'git rebase -i --autosquash upstream' amend one"
    mkdir -p "$dest/patches"
    { tgit diff --name-only --diff-filter=A upstream --
      tgit ls-files --others --exclude-standard; } | sort -u |
    while read -r f; do
        case " $OVERLAY_DIRS " in
        *" ${f%%/*} "*) ;;
        *) die "new file $f is outside the overlay directories ($OVERLAY_DIRS)";;
        esac
        mkdir -p "$dest/$(dirname "$f")"
        cp -p "$QEMU_TREE/$f" "$dest/$f"
    done
    changed=$(tgit diff --name-only --diff-filter=MDRT upstream HEAD)
    if [ -n "$changed" ]; then
        # shellcheck disable=SC2086
        tgit format-patch -q -N --zero-commit --no-signature --no-stat --full-index \
            -o "$dest/patches" upstream..HEAD -- $changed
    fi
    (cd "$dest/patches" && ls -1 -- *.patch 2>/dev/null) > "$dest/patches/series" || true
}

# Upstream files edited in the work tree but not committed.
uncommitted_upstream_edits() {
    local f
    tgit diff --name-only HEAD | while read -r f; do
        if tgit cat-file -e "upstream:$f" 2>/dev/null; then echo "  $f"; fi
    done
}

# A fingerprint of an export_to directory.
export_hash() {
    (cd "$1" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum) |
        sha256sum | cut -d' ' -f1
}

# What the tree held when it last matched the repo (prepare or export).
synced_file() { echo "$QEMU_TREE/.git/pvlock-synced"; }

# Does directory $1 (from export_to) equal this repo's overlay + patches?
same_as_repo() {
    local exp=$1 a b
    a=$( (cd "$exp" && find . -type f | sed 's|^\./||' | sort) )
    b=$( (repo_overlay_files; cd "$TOP" && find patches -type f 2>/dev/null) | sort)
    [ "$a" = "$b" ] || return 1
    while read -r f; do
        cmp -s "$exp/$f" "$TOP/$f" || return 1
    done <<< "$a"
}
