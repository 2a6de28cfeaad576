#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write the work tree's commits back into this repo as the series:
#   base..HEAD      -> patches/NNNN-*.patch, patches/series, and the
#                      cover letter 0000-cover-letter.patch, whose text
#                      is patches/cover-letter.txt (subject, blank line,
#                      body);
#   upstream..base  -> patches/local/ (local build fixes);
#   files the series adds -> qemu/, at their QEMU paths.
# Every patch is signed off by the git identity of whoever runs this.

. "$(dirname "$0")/lib.sh"

[ -d "$QEMU_TREE/.git" ] || die "no work tree at $QEMU_TREE: run 'make tree' first"

signoff_identity
tree_exportable "$QEMU_TREE" base "the local fixes"
[ -f "$SERIES_DIR/cover-letter.txt" ] || die "patches/cover-letter.txt is missing"

exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
tree_format_patch "$QEMU_TREE" --cover-letter --subject-prefix="$SUBJECT_PREFIX" \
    -o "$exp/series" base..HEAD
tree_format_patch "$QEMU_TREE" -N -o "$exp/local" upstream..base
# The cover letter: our text, and the date of the newest patch, so that
# exporting the same commits again writes the same file.
fill_cover_letter "$exp/series/0000-cover-letter.patch" "$SERIES_DIR/cover-letter.txt" \
    "$(tgit log -1 --format=%aD HEAD)"

# Replace the repo's series, local fixes and new files.
find "$SERIES_DIR" -maxdepth 1 -name '*.patch' -delete
rm -rf "$LOCAL_DIR" "$MIRROR_DIR"
mkdir -p "$LOCAL_DIR"
cp "$exp"/series/*.patch "$SERIES_DIR/"
cp "$exp"/local/*.patch "$LOCAL_DIR/" 2>/dev/null || true
(cd "$SERIES_DIR" && ls -1 -- 0*.patch | grep -v '^0000-cover-letter') > "$SERIES_DIR/series"
write_series "$LOCAL_DIR"
series_new_files | while read -r f; do
    mkdir -p "$MIRROR_DIR/$(dirname "$f")"
    tgit show "HEAD:$f" > "$MIRROR_DIR/$f"
done
record_synced "$QEMU_TREE" "$SERIES_DIR"
git -C "$TOP" status --short -- patches qemu
