#!/usr/bin/env bash
# Real footage of people for the video demo and its tests: the sample data
# of Debian's opencv-doc package (vtest.avi, messi5.jpg, basketball1.png,
# ...), fetched through the package registry and unpacked without
# installing it. Usage: tools/data/footage/fetch_opencv_samples.sh [DIR]
# (default data/footage/opencv). It never fails the caller: where the
# package cannot be had it says so, and the tests that need it skip.
set -u
DEST=${1:-data/footage/opencv}
NEEDED="vtest.avi messi5.jpg"
have_all() {
    for f in $NEEDED; do [ -s "$1/$f" ] || return 1; done
}
if have_all "$DEST"; then
    echo "footage: $DEST is ready"
    exit 0
fi
INSTALLED=/usr/share/doc/opencv-doc/examples/data
mkdir -p "$DEST"
if have_all "$INSTALLED"; then
    cp -r "$INSTALLED/." "$DEST/"
    echo "footage: copied from the installed opencv-doc to $DEST"
    exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg >/dev/null; then
    echo "footage: no apt-get/dpkg here; the video tests will skip" \
        "(copy opencv-doc's examples/data into $DEST by hand)" >&2
    exit 0
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A fresh machine may have no package lists yet: update once and retry.
if ! (cd "$WORK" && apt-get download opencv-doc >/dev/null 2>&1); then
    apt-get update >/dev/null 2>&1 || true
    if ! (cd "$WORK" && apt-get download opencv-doc >/dev/null 2>&1); then
        echo "footage: apt-get download opencv-doc failed; the video" \
            "tests will skip" >&2
        exit 0
    fi
fi
dpkg -x "$WORK"/opencv-doc_*.deb "$WORK/root"
SRC="$WORK/root$INSTALLED"
if ! have_all "$SRC"; then
    echo "footage: the opencv-doc package has no $NEEDED; the video" \
        "tests will skip" >&2
    exit 0
fi
cp -r "$SRC/." "$DEST/"
echo "footage: unpacked opencv-doc's sample data into $DEST" \
    "($(du -sh "$DEST" | cut -f1))"
