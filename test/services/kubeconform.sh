#!/usr/bin/env bash
# kubeconform, built from the Go module proxy (github.com/yannh/kubeconform at $KUBECONFORM_VERSION),
# and the strict standalone JSON schemas of Kubernetes $KUBERNETES_SCHEMA_VERSION. Those come from
# the PyPI wheel of kubernetes-validate $KUBERNETES_VALIDATE_VERSION (a zip, fetched with pip and
# unpacked; no Python code of it runs). Its schemas carry an https://kubernetes.io/api/... $id and
# point at their shared definitions as `/api/_definitions.json`, which only its own resolver maps;
# both are rewritten here so that kubeconform resolves the sibling file `_definitions.json` on disk.
# `kubeconform.sh path` installs both and prints "<executable> <schema dir>".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
EXE="$BIN/kubeconform-$KUBECONFORM_VERSION"
SCHEMAS="$CACHE/kubernetes-json-schema/v$KUBERNETES_SCHEMA_VERSION-standalone-strict"

install_exe() {
  [ -x "$EXE" ] && return 0
  require go golang-go
  log "building kubeconform $KUBECONFORM_VERSION with go (cached under $CACHE)"
  local tmp; tmp=$(mktemp -d)
  GOBIN="$tmp" go install -trimpath "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" \
    || die "go install kubeconform@$KUBECONFORM_VERSION failed"
  mv "$tmp/kubeconform" "$EXE" && rmdir "$tmp"
}

install_schemas() {
  [ -f "$SCHEMAS/_definitions.json" ] && return 0
  require python3 python3-pip
  log "fetching the Kubernetes $KUBERNETES_SCHEMA_VERSION JSON schemas (kubernetes-validate $KUBERNETES_VALIDATE_VERSION from PyPI)"
  local tmp; tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$tmp" "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" \
    || die "pip download kubernetes-validate==$KUBERNETES_VALIDATE_VERSION failed"
  local inner="kubernetes_validate/kubernetes-json-schema/v$KUBERNETES_SCHEMA_VERSION-local-strict"
  python3 - "$tmp" "$inner" <<'PY' || die "the wheel has no $inner"
import glob, sys, zipfile
tmp, inner = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(glob.glob(tmp + "/kubernetes_validate-*.whl")[0])
names = [n for n in z.namelist() if n.startswith(inner + "/")]
if not names:
    sys.exit(1)
z.extractall(tmp + "/x", names)
# Kubeconform resolves a $ref against the schema's $id: drop the $id (https://kubernetes.io/api/...)
# so that "_definitions.json" is the sibling file on disk, not a URL.
import json, os
for n in names:
    if not n.endswith(".json"):
        continue
    p = os.path.join(tmp, "x", n)
    with open(p) as f:
        doc = json.load(f)
    doc.pop("$id", None)
    text = json.dumps(doc).replace('"/api/_definitions.json#', '"_definitions.json#')
    with open(p, "w") as f:
        f.write(text)
PY
  mkdir -p "$(dirname "$SCHEMAS")" && rm -rf "$SCHEMAS" && mv "$tmp/x/$inner" "$SCHEMAS" && rm -rf "$tmp"
}

install() { install_exe; install_schemas; }
path() { install; echo "$EXE $SCHEMAS"; }
start() { install; }
stop() { :; }
status() { printf '%-14s %-10s %-6s %-5s %s\n' kubeconform "$KUBECONFORM_VERSION" - "$([ -x "$EXE" ] && echo built || echo absent)" -; }
disk() { echo "kubeconform $(du_of "$EXE" "$SCHEMAS")"; }
"${1:-status}"
