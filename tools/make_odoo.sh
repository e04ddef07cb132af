#!/usr/bin/env bash
# `make odoo ODOO_SRC=...`: a .venv with Odoo 18.0 (editable), its requirements and
# this repository's test tools, for a machine whose system Python has no Odoo.
#
# Usage: tools/make_odoo.sh ODOO_SRC VENV BASE_PYTHON
#   ODOO_SRC    a folder holding Odoo 18.0's source (odoo-bin, odoo/release.py),
#               a .tar.gz/.tgz/.zip archive of it, or an http(s) URL of such an archive.
#   VENV        the virtual environment to create (kept if it already exists).
#   BASE_PYTHON the Python 3.10-3.12 that creates it (never the venv's own).
# Needs on the machine: the Debian/Ubuntu packages of the README's apt-get line
# (python3-venv, python3-dev, build-essential, libpq-dev, libldap2-dev, libsasl2-dev, ...).
set -euo pipefail
die() { echo "make odoo: $*" >&2; exit 1; }

SRC="${1:-}"; VENV="${2:-}"; BASE_PYTHON="${3:-python3}"
[ -n "$SRC" ] || die "ODOO_SRC is empty: give a folder, an archive or a URL of Odoo 18.0's source."
[ -n "$VENV" ] || die "VENV is empty."
REPO="$(cd "$(dirname "$0")/.." && pwd)"
# Where an archive or a download is unpacked (the venv's editable Odoo points into it).
UNPACK="${ODOO_UNPACK:-$REPO/.odoo-src}"

"$BASE_PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' \
    || die "$BASE_PYTHON is not Python 3.10-3.12 (Odoo 18.0 supports those); set BASE_PYTHON=..."

# Nothing of a working installation is touched before the new source has been checked: a download
# and an archive go to a fresh folder beside $UNPACK, which replaces $UNPACK/tree only once verified.
staging=""
cleanup() { [ -z "$staging" ] || rm -rf "$staging"; }
trap cleanup EXIT
new_staging() {
    mkdir -p "$(dirname "$UNPACK")"
    staging="$(mktemp -d "$(dirname "$UNPACK")/.odoo-src-new.XXXXXX")"
}
case "$SRC" in
    http://*|https://*)
        new_staging
        archive="$staging/odoo-18.0.tar.gz"
        echo "make odoo: downloading $SRC"
        curl -fL --retry 3 -o "$archive" "$SRC" || die "cannot download $SRC"
        SRC="$archive" ;;
esac
if [ -f "$SRC" ]; then
    SRC="$(cd "$(dirname "$SRC")" && pwd)/$(basename "$SRC")"
    [ -n "$staging" ] || new_staging
    mkdir -p "$staging/tree"
    case "$SRC" in
        *.tar.gz|*.tgz|*.tar) tar -xf "$SRC" -C "$staging/tree" || die "cannot unpack $SRC." ;;
        *.zip) (cd "$staging/tree" && "$BASE_PYTHON" -m zipfile -e "$SRC" .) || die "cannot unpack $SRC." ;;
        *) die "$SRC is a file but not a .tar.gz/.tgz/.tar/.zip archive." ;;
    esac
    release="$(find "$staging/tree" -maxdepth 3 -path '*/odoo/release.py' | head -1)"
    [ -n "$release" ] || die "$SRC holds no odoo/release.py: not Odoo's source."
    top="$(dirname "$(dirname "$release")")"
    [ -f "$top/requirements.txt" ] || die "$SRC has no requirements.txt beside odoo/: not Odoo's source."
    grep -Eq '^version_info = \(18, 0' "$top/odoo/release.py" \
        || die "$SRC is not Odoo 18.0 ($(grep -E '^version_info' "$top/odoo/release.py"))."
    # Verified: it takes the place of the previous tree (same path, so an existing venv stays valid).
    mkdir -p "$UNPACK"
    rm -rf "$UNPACK/tree.old"
    [ ! -e "$UNPACK/tree" ] || mv "$UNPACK/tree" "$UNPACK/tree.old"
    mv "$staging/tree" "$UNPACK/tree"
    rm -rf "$UNPACK/tree.old"
    SRC="$UNPACK/tree/${top#"$staging/tree/"}"
    [ "$top" != "$staging/tree" ] || SRC="$UNPACK/tree"
elif [ ! -d "$SRC" ]; then
    die "ODOO_SRC=$SRC is neither a folder, an archive nor a URL."
fi
SRC="$(cd "$SRC" && pwd)"
[ -f "$SRC/odoo/release.py" ] && [ -f "$SRC/requirements.txt" ] \
    || die "$SRC has no odoo/release.py and requirements.txt: not Odoo's source."
grep -Eq '^version_info = \(18, 0' "$SRC/odoo/release.py" \
    || die "$SRC is not Odoo 18.0 ($(grep -E '^version_info' "$SRC/odoo/release.py"))."

if [ ! -x "$VENV/bin/python" ]; then
    echo "make odoo: creating $VENV with $("$BASE_PYTHON" --version)"
    "$BASE_PYTHON" -m venv "$VENV" || die "cannot create $VENV (apt-get install python3-venv?)"
fi
PIP=("$VENV/bin/python" -m pip install --disable-pip-version-check)
"${PIP[@]}" --upgrade pip wheel 'setuptools<81' setuptools_scm
# cbor2 5.4.2 (Odoo's pin for Python < 3.12) builds only against setuptools<81 with
# setuptools_scm, both installed above: build it without pip's isolated environment.
cbor2="$("$VENV/bin/python" - "$SRC/requirements.txt" <<'PY'
import sys
from pip._vendor.packaging.requirements import Requirement
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.split('#')[0].strip()
    if line.startswith('cbor2'):
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            print(f'{req.name}{req.specifier}')
PY
)"
[ -z "$cbor2" ] || "${PIP[@]}" --no-build-isolation "$cbor2"
"${PIP[@]}" -r "$SRC/requirements.txt" \
    || die "Odoo's requirements failed to install: the system packages of the README's apt-get line missing?"
"${PIP[@]}" --no-build-isolation --no-deps -e "$SRC"
"${PIP[@]}" -r "$REPO/requirements-dev.txt"
"$VENV/bin/python" -c "import odoo.release as r; assert r.version_info[0] == 18; print('make odoo: Odoo', r.version, 'in $VENV')"
