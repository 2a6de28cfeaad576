#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Write a kernel work tree's commits back into this repo:
#   export.sh host|guest
#   upstream..HEAD, but the "[TEST ONLY]" commits
#                   -> kernel/DIR/patches/NNNN-*.patch, its series file and
#                      the cover letter 0000-cover-letter.patch, whose
#                      text is kernel/DIR/patches/cover-letter.txt
#                      (subject, blank line, body);
#   the "[TEST ONLY]" commits, which must come last
#                   -> kernel/DIR/patches/test/.
# Every patch is signed off by the git identity of whoever runs this;
# without one it refuses (scripts/tree/lib.sh, signoff_identity).

. "$(dirname "$0")/lib.sh"

kernel_kind "${1:-}"
[ -e "$KTREE/.git" ] || die "no work tree at $KTREE: run scripts/kernel/prepare.sh $KIND first"
signoff_identity
tree_exportable "$KTREE" upstream "pristine Linux $LINUX_VERSION"
[ -f "$KSERIES/cover-letter.txt" ] || die "${KSERIES#"$TOP"/}/cover-letter.txt is missing"

# The posted series ends where the test patches start; a posted patch
# above a test one could not be posted without it.
posted=$(ktgit rev-parse upstream)
seen_test=
while read -r c subject; do
    if [[ "$subject" == "$TEST_PREFIX"* ]]; then
        seen_test=1
    elif [ -n "$seen_test" ]; then
        die "'$subject' comes after a $TEST_PREFIX patch: move the test patches to the top"
    else
        posted=$c
    fi
done < <(ktgit log --reverse --format='%H %s' upstream..HEAD)
[ "$posted" != "$(ktgit rev-parse upstream)" ] || die "$KTREE has no commits to post above upstream"

exp=$(mktemp -d)
trap 'rm -rf "$exp"' EXIT
PATCH_ABBREV=12 tree_format_patch "$KTREE" --cover-letter --subject-prefix="$SUBJECT_PREFIX" -o "$exp/series" "upstream..$posted"
PATCH_ABBREV=12 tree_format_patch "$KTREE" -o "$exp/test" "$posted..HEAD"
fill_cover_letter "$exp/series/0000-cover-letter.patch" "$KSERIES/cover-letter.txt" \
    "$(ktgit log -1 --format=%aD "$posted")"

find "$KSERIES" -maxdepth 1 -name '*.patch' -delete
rm -rf "$KTEST"
mkdir -p "$KTEST"
cp "$exp"/series/*.patch "$KSERIES/"
cp "$exp"/test/*.patch "$KTEST/" 2>/dev/null || true
(cd "$KSERIES" && ls -1 -- 0*.patch | grep -v '^0000-cover-letter') > "$KSERIES/series"
write_series "$KTEST"
record_synced "$KTREE" "$KSERIES"
git -C "$TOP" status --short -- "${KSERIES#"$TOP"/}"
