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

dirty=$(tgit status --porcelain)
[ -z "$dirty" ] || die "changes in $QEMU_TREE that are not committed:
$dirty
  Commit them there first: a new commit becomes a new patch, while
  'git commit --fixup=X' and 'git rebase -i --autosquash base' amend one."
tgit merge-base --is-ancestor base HEAD ||
    die "$QEMU_TREE: HEAD does not descend from tag 'base' (the local fixes)"
[ -f "$SERIES_DIR/cover-letter.txt" ] || die "patches/cover-letter.txt is missing"

exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
fp() {      # format-patch, signed off by $name, stable output
    tgit -c user.name="$name" -c user.email="$email" format-patch -q \
        --signoff --zero-commit --no-signature "$@"
}
fp --cover-letter --subject-prefix="$SUBJECT_PREFIX" -o "$exp/series" base..HEAD
fp -N -o "$exp/local" upstream..base
# The cover letter: our text, and the date of the newest patch, so that
# exporting the same commits again writes the same file.
python3 - "$exp/series/0000-cover-letter.patch" "$SERIES_DIR/cover-letter.txt" \
    "$(tgit log -1 --format=%aD HEAD)" <<'PY'
import re, sys
path, text, date = sys.argv[1:]
subject, _, body = open(text).read().partition("\n\n")
s = open(path).read()
s = s.replace("*** SUBJECT HERE ***", subject.strip())
s = s.replace("*** BLURB HERE ***", body.strip())
s = re.sub(r"^Date: .*$", "Date: " + date, s, count=1, flags=re.M)
open(path, "w").write(s)
PY

# Replace the repo's series, local fixes and new files.
find "$SERIES_DIR" -maxdepth 1 -name '*.patch' -delete
rm -rf "$LOCAL_DIR" "$MIRROR_DIR"
mkdir -p "$LOCAL_DIR"
cp "$exp"/series/*.patch "$SERIES_DIR/"
cp "$exp"/local/*.patch "$LOCAL_DIR/" 2>/dev/null || true
(cd "$SERIES_DIR" && ls -1 -- 0*.patch | grep -v '^0000-cover-letter') > "$SERIES_DIR/series"
(cd "$LOCAL_DIR" && ls -1 -- *.patch 2>/dev/null || true) > "$LOCAL_DIR/series"
series_new_files | while read -r f; do
    mkdir -p "$MIRROR_DIR/$(dirname "$f")"
    tgit show "HEAD:$f" > "$MIRROR_DIR/$f"
done
record_synced
git -C "$TOP" status --short -- patches qemu
