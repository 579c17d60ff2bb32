#!/usr/bin/env bash
# The Debian packages the test suite needs beyond Python, installed when missing:
#   chromium                  browser journeys (Playwright drives Debian's /usr/bin/chromium)
#   fonts-noto-cjk            Chinese glyphs in the browser
#   fonts-wqy-zenhei          the TrueType CJK font embedded in generated PDFs
#   poppler-utils             pdffonts, to prove the PDF fonts are embedded
#   libreoffice-writer-nogui  proves the generated DOCX files open and convert
#   postgresql-client         pg_dump / pg_restore for `licensedesk backup` / `restore` on PostgreSQL
#   nginx                     the production recipe's proxy, run in front of gunicorn (tests/deploy)
# Called by `.ci/run` and `make test`. Installs with apt-get when it can (root, apt-get present); when it
# cannot, it stops at once naming the missing packages and the command to install them, rather than
# letting the browser or document tests fail twenty minutes later with an unrelated-looking error.
set -euo pipefail
packages=(chromium fonts-noto-cjk fonts-wqy-zenhei poppler-utils libreoffice-writer-nogui postgresql-client nginx)
missing=()
if command -v dpkg >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    # `dpkg -s` also answers for removed packages whose configuration remains: ask for "installed".
    status=$(dpkg -s "$p" 2>/dev/null | sed -n 's/^Status: //p' || true)
    case "$status" in *" installed") ;; *) missing+=("$p") ;; esac
  done
else
  missing=("${packages[@]}")
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  {
    echo "The tests need these system packages, which are not installed: ${missing[*]}"
    echo "测试需要以下系统软件包，尚未安装：${missing[*]}"
    echo "Install them as root, then run make test again:"
    echo "  sudo apt-get install --no-install-recommends ${missing[*]}"
  } >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
for p in "${missing[@]}"; do
  # LibreOffice's recommends (Java, help, galleries…) are not needed to convert a document
  if [ "$p" = libreoffice-writer-nogui ]; then extra=(--no-install-recommends); else extra=(); fi
  apt-get install -y -qq "${extra[@]}" "$p" >/dev/null
done
