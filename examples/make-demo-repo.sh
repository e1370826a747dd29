#!/usr/bin/env bash
# Turn examples/sample-project into a git repository with one uncommitted change to review.
#   bash examples/make-demo-repo.sh [DIR]     (default: a new temp folder; prints its path)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-$(mktemp -d "${TMPDIR:-/tmp}/codepilot-demo.XXXXXX")}
mkdir -p "$dir"
cp -R "$here/sample-project/invoices" "$dir/"
cp "$here/codepilot.toml" "$dir/.codepilot.toml"
cd "$dir"
git init -q
git add -A
git -c user.name=demo -c user.email=demo@example.com commit -q -m "billing: first version"
git apply "$here/sample-project/change.patch"   # adds average_price (divides by zero) and discount (wrong /10)
echo "$dir"
