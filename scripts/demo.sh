#!/usr/bin/env bash
# Installs Baozhang into .venv and starts the demo on SQLite: http://127.0.0.1:8000
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
# Chinese fonts (the reports' 宋, 黑 and 楷 faces) and Pango for the PDF documents (QR label sheets,
# reports).
apt_install fonts-noto-cjk fonts-arphic-ukai libpango-1.0-0 libpangoft2-1.0-0
ensure_venv ""
exec "$VENV/bin/baozhang" demo "$@"
