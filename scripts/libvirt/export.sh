#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the libvirt work tree's commits (upstream..HEAD) back into
# libvirt/patches/ as the series, with its series file. Every patch is
# signed off by the git identity of whoever runs this.

. "$(dirname "$0")/lib.sh"

[ -d "$LIBVIRT_TREE/.git" ] ||
    die "no work tree at $LIBVIRT_TREE: run 'make libvirt-tree' first"

# Developer's Certificate of Origin: a real person signs off. CI, which
# never publishes a patch, uses a test identity that says so.
name=$(git -C "$TOP" config user.name || true)
email=$(git -C "$TOP" config user.email || true)
if [ -z "$name" ] || [ -z "$email" ]; then
    if [ "${CI:-}" = true ]; then
        name="qemu-pvlock CI (test identity, not a sign-off)"
        email="ci@qemu-pvlock.invalid"
    else
        die "no git identity: the export signs off every patch with yours.
  Set it with: git config --global user.name 'Your Name'
               git config --global user.email you@example.org"
    fi
fi

dirty=$(lgit status --porcelain)
[ -z "$dirty" ] || die "changes in $LIBVIRT_TREE that are not committed:
$dirty
  Commit them there first: a new commit becomes a new patch, while
  'git commit --fixup=X' and 'git rebase -i --autosquash upstream' amend one."
lgit merge-base --is-ancestor upstream HEAD ||
    die "$LIBVIRT_TREE: HEAD does not descend from tag 'upstream'"

exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
lgit -c user.name="$name" -c user.email="$email" format-patch -q \
    --signoff --zero-commit --no-signature \
    --subject-prefix="$LIBVIRT_SUBJECT_PREFIX" -o "$exp" upstream..HEAD

mkdir -p "$LIBVIRT_SERIES_DIR"
find "$LIBVIRT_SERIES_DIR" -maxdepth 1 -name '*.patch' -delete
cp "$exp"/*.patch "$LIBVIRT_SERIES_DIR/" 2>/dev/null || true
(cd "$LIBVIRT_SERIES_DIR" && ls -1 -- *.patch 2>/dev/null || true) > "$LIBVIRT_SERIES_DIR/series"
libvirt_record_synced
git -C "$TOP" status --short -- libvirt/patches
