#!/usr/bin/env bash
# Builds the real control plane from Go modules (through the Go module proxy) into a cache
# keyed by version, outside the work tree so fresh clones (CI) reuse it:
#   ${PROCOS_CACHE_DIR:-$HOME/.cache/procos}/cluster/<component>-<version>/
# Prints the bin directory on the last line. Each component builds once; delete its folder to rebuild.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PROCOS_CACHE_DIR:-$HOME/.cache/procos}/cluster

if ! command -v go >/dev/null; then
  echo "build.sh: the Go toolchain is missing. Install Go >= 1.26 (https://go.dev/doc/install, or Debian's golang-go if new enough) and retry." >&2
  exit 1
fi

version_of() { # module path in tools/<dir>/go.mod → its required version
  awk -v m="$2" '$1 == "require" && $2 == m { print $3 } $1 == m && $2 ~ /^v/ { print $2 }' "$here/tools/$1/go.mod" | head -1
}

K8S=$(version_of k8s k8s.io/kubernetes)
ETCD=$(version_of etcd go.etcd.io/etcd/server/v3)
KWOK=$(version_of kwok sigs.k8s.io/kwok)
HELM=$(version_of helm helm.sh/helm/v4)
bin="$cache/bin-k8s-$K8S-etcd-$ETCD-kwok-$KWOK-helm-$HELM"
mkdir -p "$bin"

build() { # tools dir, output name, package, ldflags
  local dir=$1 out=$2 pkg=$3 ldflags=${4:-}
  [ -x "$bin/$out" ] && return 0
  echo "building $out from $pkg ($(date +%T))" >&2
  (cd "$here/tools/$dir" && CGO_ENABLED=0 go build -trimpath -p 2 -ldflags "-s -w $ldflags" -o "$bin/$out.tmp" "$pkg")
  mv "$bin/$out.tmp" "$bin/$out"
}

minor=${K8S#v1.}; minor=${minor%%.*}
stamp=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
# Stamped, or the server reports v0.0.0-master and Helm's kubeVersion checks fail.
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build k8s "$c" "k8s.io/kubernetes/cmd/$c" "$stamp"
done
build etcd etcd go.etcd.io/etcd/server/v3
build kwok kwok sigs.k8s.io/kwok/cmd/kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK"
build helm helm helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$HELM"
# KWOK needs its stage files; copy them beside the binaries.
if [ ! -d "$bin/kwok-stages" ]; then
  src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK/kustomize/stage"
  (cd "$here/tools/kwok" && go mod download sigs.k8s.io/kwok)
  cp -r "$src" "$bin/kwok-stages.tmp" && chmod -R u+w "$bin/kwok-stages.tmp" && mv "$bin/kwok-stages.tmp" "$bin/kwok-stages"
fi
echo "$bin"
