#!/usr/bin/env bash
# Prints a command that runs Python 3.13, or explains what to install.
# On a user's machine python3.13 is on PATH; on pyenv machines the shim needs the
# version selected, so we ask pyenv which 3.13 it has.
set -euo pipefail
if python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' >/dev/null 2>&1; then
  echo python3.13; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13(\.[0-9]+)?$' | sort -V | tail -n 1 || true)
  if [ -n "$version" ] && PYENV_VERSION="$version" python3.13 -c '' >/dev/null 2>&1; then
    echo "env PYENV_VERSION=$version python3.13"; exit 0
  fi
fi
echo "project-factory needs Python 3.13 (the Lambda runtime python3.13)." >&2
echo "Install it, e.g. 'pyenv install 3.13' or your OS package 'python3.13' (with venv), then run make again." >&2
exit 1
