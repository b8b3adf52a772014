#!/usr/bin/env bash
# Builds the real control plane, and the binaries of a real node, from Go modules (through the
# Go module proxy) into caches keyed by version, outside the work tree so fresh clones (CI) reuse them:
#   ${PROCOS_CACHE_DIR:-$HOME/.cache/procos}/cluster/bin-k8s-…-etcd-…-kwok-…-helm-…/   control plane
#   ${PROCOS_CACHE_DIR:-$HOME/.cache/procos}/cluster/bin-node-k8s-…-containerd-…/       kubelet, containerd, ctr,
#                                                          containerd-shim-runc-v2, pause (static, from pause.c)
# stdout, nothing else: `PROCOS_NODE_BIN=<node bin directory>`, then the control-plane bin
# directory alone on the last line (control-plane.ts reads the last line). Progress goes to stderr.
# Each binary builds once (to .tmp, then renamed); delete a folder, or a binary in it, to rebuild.
# runc and the CNI plugins come from Debian (make host-tools), not from here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PROCOS_CACHE_DIR:-$HOME/.cache/procos}/cluster

if ! command -v go >/dev/null; then
  echo "build.sh: the Go toolchain is missing. Install Go >= 1.26.6 (https://go.dev/doc/install, or Debian's golang-go if new enough) and retry." >&2
  exit 1
fi

version_of() { # module path in tools/<dir>/go.mod → its required version
  awk -v m="$2" '$1 == "require" && $2 == m { print $3 } $1 == m && $2 ~ /^v/ { print $2 }' "$here/tools/$1/go.mod" | head -1
}

K8S=$(version_of k8s k8s.io/kubernetes)
ETCD=$(version_of etcd go.etcd.io/etcd/server/v3)
KWOK=$(version_of kwok sigs.k8s.io/kwok)
HELM=$(version_of helm helm.sh/helm/v4)
CONTAINERD=$(version_of containerd github.com/containerd/containerd/v2)
bin="$cache/bin-k8s-$K8S-etcd-$ETCD-kwok-$KWOK-helm-$HELM"
node="$cache/bin-node-k8s-$K8S-containerd-$CONTAINERD"
mkdir -p "$bin" "$node"

build() { # bin dir, tools dir, output name, package, ldflags, build tags
  local into=$1 dir=$2 out=$3 pkg=$4 ldflags=${5:-} tags=${6:-} start=$SECONDS
  [ -x "$into/$out" ] && return 0
  echo "building $out from $pkg ($(date +%T))" >&2
  # A temp name per run: two builds at once (two checkouts) must not move each other's file.
  (cd "$here/tools/$dir" && CGO_ENABLED=0 go build -trimpath -p 2 -tags "$tags" -ldflags "-s -w $ldflags" -o "$into/$out.tmp.$$" "$pkg")
  mv "$into/$out.tmp.$$" "$into/$out"
  echo "built $out in $((SECONDS - start)) s" >&2
}

minor=${K8S#v1.}; minor=${minor%%.*}
stamp=""
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  stamp+=" -X $p.gitVersion=$K8S -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
# Stamped, or the server reports v0.0.0-master and Helm's kubeVersion checks fail.
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  build "$bin" k8s "$c" "k8s.io/kubernetes/cmd/$c" "$stamp"
done
build "$bin" etcd etcd go.etcd.io/etcd/server/v3
build "$bin" kwok kwok sigs.k8s.io/kwok/cmd/kwok "-X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK"
build "$bin" helm helm helm.sh/helm/v4/cmd/helm "-X helm.sh/helm/v4/internal/version.version=$HELM"
# promtool (checks and unit-tests the chart's alert rules) from the Prometheus Go module, in a
# cache folder of its own; printed as PROCOS_PROMTOOL=<path>. Module v0.3NN.P is Prometheus
# 3.NN.P: stamped with that, as its release build does, so `promtool --version` names it.
PROMETHEUS=$(version_of prometheus github.com/prometheus/prometheus)
prom=${PROMETHEUS#v0.}
prom_release="$((10#${prom%%.*} / 100)).$((10#${prom%%.*} % 100)).${prom#*.}"
promtool_bin="$cache/bin-prometheus-$PROMETHEUS"
mkdir -p "$promtool_bin"
build "$promtool_bin" prometheus promtool github.com/prometheus/prometheus/cmd/promtool \
  "-X github.com/prometheus/common/version.Version=$prom_release" netgo
echo "PROCOS_PROMTOOL=$promtool_bin/promtool"
# procos-argocd-lua (tools/argocd): our Argo CD health checks and actions run by Argo CD's own
# Lua code, from the argo-cd Go module. argo-cd's go.mod asks for Go 1.27: GOTOOLCHAIN=go1.27.3
# (the approved 1.27 release) has the go command fetch that toolchain through the module proxy,
# for this build only. Keyed by the tool's source too; printed as PROCOS_ARGOCD_LUA=<path>.
ARGOCD=$(version_of argocd github.com/argoproj/argo-cd/v3)
argocd_bin="$cache/bin-argocd-$ARGOCD"
argocd_tool="procos-argocd-lua-$(cat "$here/tools/argocd/"{go.mod,go.sum,main.go} | sha256sum | cut -c1-12)"
mkdir -p "$argocd_bin"
GOTOOLCHAIN=go1.27.3 build "$argocd_bin" argocd "$argocd_tool" .
find "$argocd_bin" -name 'procos-argocd-lua-*' ! -name "$argocd_tool" ! -name '*.tmp.*' -delete # built from older sources
echo "PROCOS_ARGOCD_LUA=$argocd_bin/$argocd_tool"
# kubectl-krew and validate-krew-manifest (tools/krew), from the sigs.k8s.io/krew module: krew's
# own manifest check and install, run on plugins/krew/procos.yaml; printed as PROCOS_KREW_BIN=<folder>.
KREW=$(version_of krew sigs.k8s.io/krew)
krew_bin="$cache/bin-krew-$KREW"
mkdir -p "$krew_bin"
build "$krew_bin" krew validate-krew-manifest sigs.k8s.io/krew/cmd/validate-krew-manifest
build "$krew_bin" krew kubectl-krew sigs.k8s.io/krew/cmd/krew "-X sigs.k8s.io/krew/internal/version.gitTag=$KREW"
echo "PROCOS_KREW_BIN=$krew_bin"
# Helm 3 (tools/helm3), from the helm.sh/helm/v3 module: the chart is for Helm 4 and also
# installable with Helm 3, and the e2e proves it with this one; printed as PROCOS_HELM3=<path>.
# Stamped as its release Makefile does: its version, and the Kubernetes version `helm template`
# and `helm lint` assume without a cluster (1.<minor of its k8s.io/client-go>; unstamped, v1.20).
HELM3=$(version_of helm3 helm.sh/helm/v3)
HELM3_K8S=$(version_of helm3 k8s.io/client-go)
helm3_k8s_minor=${HELM3_K8S#v0.}; helm3_k8s_minor=${helm3_k8s_minor%%.*}
helm3_bin="$cache/bin-helm3-$HELM3"
mkdir -p "$helm3_bin"
helm3_stamp="-X helm.sh/helm/v3/internal/version.version=$HELM3 -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for p in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  helm3_stamp+=" -X $p.k8sVersionMajor=1 -X $p.k8sVersionMinor=$helm3_k8s_minor"
done
build "$helm3_bin" helm3 helm helm.sh/helm/v3/cmd/helm "$helm3_stamp"
echo "PROCOS_HELM3=$helm3_bin/helm"
# KWOK needs its stage files; copy them beside the binaries.
if [ ! -d "$bin/kwok-stages" ]; then
  src="$(go env GOMODCACHE)/sigs.k8s.io/kwok@$KWOK/kustomize/stage"
  (cd "$here/tools/kwok" && go mod download sigs.k8s.io/kwok)
  cp -r "$src" "$bin/kwok-stages.tmp" && chmod -R u+w "$bin/kwok-stages.tmp" && mv "$bin/kwok-stages.tmp" "$bin/kwok-stages"
fi

# The node: kubelet from the same k8s.io/kubernetes module and stamp as the control plane;
# containerd with the tags of its release Makefile (urfave_cli_no_docs; the shim also no_grpc)
# plus no_btrfs (that snapshotter needs cgo), stamped with its version.
build "$node" k8s kubelet k8s.io/kubernetes/cmd/kubelet "$stamp"
# Services and names for pods, as on any cluster: kube-proxy (iptables mode, rules inside the
# test's network namespace) and CoreDNS (its kubernetes plugin; named by version, since the
# node folder is keyed by Kubernetes and containerd only).
build "$node" k8s kube-proxy k8s.io/kubernetes/cmd/kube-proxy "$stamp"
COREDNS=$(version_of coredns github.com/coredns/coredns)
build "$node" coredns "coredns-$COREDNS" github.com/coredns/coredns "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS"
ctrd="-X github.com/containerd/containerd/v2/version.Version=$CONTAINERD"
build "$node" containerd containerd github.com/containerd/containerd/v2/cmd/containerd "$ctrd" "urfave_cli_no_docs no_btrfs"
build "$node" containerd ctr github.com/containerd/containerd/v2/cmd/ctr "$ctrd" "urfave_cli_no_docs no_btrfs"
build "$node" containerd containerd-shim-runc-v2 github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2 "$ctrd" "urfave_cli_no_docs no_grpc"
# The sandbox (pause) container's binary: pause.c of the same k8s.io/kubernetes module, linked
# statically as upstream's build/pause/Makefile does, so an image of this one file runs.
if [ ! -x "$node/pause" ]; then
  if ! command -v gcc >/dev/null || [ ! -e "$(gcc -print-file-name=libc.a)" ]; then
    echo "build.sh: building pause needs gcc and a static libc: as root, apt-get install --no-install-recommends gcc libc6-dev" >&2
    exit 1
  fi
  (cd "$here/tools/k8s" && go mod download k8s.io/kubernetes)
  src="$(go env GOMODCACHE)/k8s.io/kubernetes@$K8S/build/pause"
  tag=$(awk '$1 == "TAG" && $2 == "?=" { print $3 }' "$src/Makefile")
  echo "building pause $tag from $src/linux/pause.c ($(date +%T))" >&2
  gcc -Os -Wall -Werror -static "-DVERSION=v$tag-$K8S" -o "$node/pause.tmp" "$src/linux/pause.c"
  mv "$node/pause.tmp" "$node/pause"
fi

echo "PROCOS_NODE_BIN=$node"
echo "$bin"
