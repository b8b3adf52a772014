# ProcOS — the two commands: `make up` (run it) and `make test` (prove it).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node.js 22 LTS. A machine whose `node` is older gets the official binary from the npm
# registry (package node-linux-<arch>, integrity checked by npm) in the git-ignored tool cache,
# first on PATH for every target; native modules build against its headers.
NODE_VERSION := 22.23.3
TOOL_CACHE := $(or $(PROCOS_CACHE_DIR),$(HOME)/.cache/procos)
# undici 8 (in @kubernetes/client-node 2) needs 22.19 or newer.
NODE_OK = const [a, b] = process.versions.node.split(".").map(Number); a > 22 || (a === 22 && b >= 19)
SYSTEM_NODE_OK := $(shell node -p '$(NODE_OK)' 2>/dev/null)
ifeq ($(SYSTEM_NODE_OK),true)
NODE_BIN :=
NODE_KEY := system-node$(shell node -p 'process.versions.node')
else
NODE_ARCH := $(subst x86_64,x64,$(subst aarch64,arm64,$(shell uname -m)))
NODE_HOME := $(TOOL_CACHE)/node-v$(NODE_VERSION)-linux-$(NODE_ARCH)
NODE_BIN := $(NODE_HOME)/bin/node
NODE_KEY := node-v$(NODE_VERSION)
export PATH := $(NODE_HOME)/bin:$(PATH)
export npm_config_nodedir := $(NODE_HOME)
endif
# Keyed by the Node.js in use: switching Node reinstalls, so native modules match its ABI.
NPM_STAMP := node_modules/.procos-installed-$(NODE_KEY)

.PHONY: help up test test-stress deps host-tools node env lint typecheck crds crds-check proto-types proto-types-check build unit e2e images cluster-build seccomp-profile cluster-up cluster-down bench clean plugin-archive

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

up: deps host-tools build ## Boot ProcOS on this machine, send one AI query through its HTTP ingress, print the answer and what ran; stays up (Ctrl-C stops)
	node bin/procos.js up processes --demo

test: deps host-tools lint typecheck crds-check proto-types-check build unit e2e ## Everything CI runs: lint, types, CRD and gRPC type freshness, unit and e2e tests

test-stress: ## `make test` N times (default 5) while two busy loops load both cores
	bash e2e/test-stress.sh $(or $(N),5)

node: $(NODE_BIN) ## Use Node.js >= 22.19: the machine's, else install the pinned 22 LTS into the tool cache
	@node --version

env: $(NODE_BIN) ## Print the PATH export for this Node.js; use: eval "$(make -s env)"
	@$(if $(NODE_BIN),echo 'export PATH="$(NODE_HOME)/bin:$$PATH"',echo '# the machine'"'"'s Node.js is new enough: nothing to change')

ifneq ($(NODE_BIN),)
$(NODE_BIN):
	@command -v npm >/dev/null || { echo "npm not found: install Node.js and npm (Debian: apt-get install nodejs npm), then retry"; exit 1; }
	@echo "Node.js $$(node --version 2>/dev/null || echo '(none)') is older than 22.19: installing Node.js $(NODE_VERSION) into $(NODE_HOME)" >&2
	rm -rf $(NODE_HOME).tmp && mkdir -p $(NODE_HOME).tmp
	cd $(NODE_HOME).tmp && npm pack --silent node-linux-$(NODE_ARCH)@$(NODE_VERSION) >/dev/null \
	  && tar xzf node-linux-$(NODE_ARCH)-$(NODE_VERSION).tgz --strip-components=1 && rm node-linux-$(NODE_ARCH)-$(NODE_VERSION).tgz
	$(NODE_HOME).tmp/bin/node --version >&2
	rm -rf $(NODE_HOME) && mv $(NODE_HOME).tmp $(NODE_HOME)
endif

deps: $(NPM_STAMP) ## Install the npm dependencies from the lockfile

host-tools: ## Install from Debian when missing: bubblewrap, scilab-cli (script sandbox, compute adapter), runc, containernetworking-plugins, iptables (a real node's runtime, CNI and kube-proxy), rabbitmq-server (a throwaway broker per test file), zsh (the plugin's completion script)
	@missing=; \
	command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	command -v scilab-cli >/dev/null || missing="$$missing scilab-cli"; \
	command -v zsh >/dev/null || missing="$$missing zsh"; \
	[ -x /usr/sbin/runc ] || missing="$$missing runc"; \
	[ -x /usr/sbin/iptables ] || missing="$$missing iptables"; \
	[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing="$$missing rabbitmq-server"; \
	for p in bridge host-local loopback; do [ -x /usr/lib/cni/$$p ] || { missing="$$missing containernetworking-plugins"; break; }; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=; elif command -v sudo >/dev/null; then sudo=sudo; else \
	  echo "Debian packages missing:$$missing; installing needs root or sudo: as root, install them (apt-get install --no-install-recommends$$missing)" >&2; exit 1; fi; \
	$$sudo apt-get update && $$sudo apt-get install -y --no-install-recommends$$missing

$(NPM_STAMP): package.json package-lock.json $(NODE_BIN)
	@command -v node >/dev/null || { echo "node not found: install Node.js 22 (or any Node.js with npm: make then installs 22)"; exit 1; }
	@node -e '$(NODE_OK) || (console.error("Node.js >= 22.19 needed, found " + process.version), process.exit(1))'
	npm ci --no-audit --no-fund
	@touch $@

lint: deps ## ESLint and Prettier
	npx eslint .
	npx prettier --check .

typecheck: deps ## tsc --noEmit over sources and tests
	npx tsc -p tsconfig.json --noEmit

crds: deps ## Regenerate crds/ (and the chart's copy and RBAC rules) from operator/api and operator/rbac.ts; gitops/argocd/argocd-cm-procos.yaml from its Lua
	npx tsx operator/api/generate-crds.ts
	npx tsx gitops/argocd/argocd-cm.ts

crds-check: deps ## Fail when crds/ (or gitops/argocd/argocd-cm-procos.yaml) is stale
	npx tsx operator/api/generate-crds.ts --check
	npx tsx gitops/argocd/argocd-cm.ts --check

proto-types: deps ## Regenerate engine/server/generated/ (the gateway's gRPC types) from the zeebe.proto @camunda8/sdk ships
	npx tsx engine/server/generate-proto-types.ts

proto-types-check: deps ## Fail when engine/server/generated/ differs from the installed SDK's zeebe.proto
	npx tsx engine/server/generate-proto-types.ts --check

build: deps ## Compile TypeScript into dist/ (the bin/ entry points run it)
	@# Fresh output (no stale .js of a deleted .ts), but keep dist/images: its layers are a cache.
	find dist -mindepth 1 -maxdepth 1 ! -name images -exec rm -rf {} + 2>/dev/null; npx tsc -p tsconfig.build.json

unit: deps build ## Unit tests (vitest)
	npx vitest run

e2e: deps host-tools build cluster-build images ## End-to-end tests on a real control plane with a real node, in a network namespace of their own (or E2E_KUBECONFIG's cluster)
	npx tsx e2e/cluster/in-netns.ts -- npx vitest run -c vitest.e2e.config.ts

images: deps host-tools build ## Build the engine, operator and worker images without a registry: docker-archive tars + Containerfiles in dist/images (images/README.md)
	npx tsx images/build.ts

plugin-archive: deps build ## The krew archive of kubectl-procos in dist/plugin, its sha256 written into plugins/krew/procos.yaml
	npx tsx cli/kubectl/krew-archive.ts

cluster-build: ## Build kube-apiserver, controller-manager, scheduler, kubectl, etcd, KWOK, helm, promtool; and a node's kubelet, containerd, ctr, shim, pause, kube-proxy, CoreDNS (cached)
	bash e2e/cluster/build.sh

seccomp-profile: ## Regenerate workers/sandbox/seccomp/ (the script sandbox's Localhost profile, and as an SPO SeccompProfile) from containerd's own default (Go)
	cd e2e/cluster/tools/containerd && go run ./seccomp-profile > $(CURDIR)/workers/sandbox/seccomp/procos-bwrap.json.tmp \
	  && go run ./seccomp-profile -spo procos-system > $(CURDIR)/workers/sandbox/seccomp/procos-bwrap.seccompprofile.json.tmp
	mv workers/sandbox/seccomp/procos-bwrap.json.tmp workers/sandbox/seccomp/procos-bwrap.json
	mv workers/sandbox/seccomp/procos-bwrap.seccompprofile.json.tmp workers/sandbox/seccomp/procos-bwrap.seccompprofile.json
	npx prettier --log-level warn --write workers/sandbox/seccomp/

cluster-up: deps host-tools cluster-build images ## Start a cluster that keeps running (as root with a real node and the ProcOS images on it, in its own network namespace); prints KUBECONFIG
	npx tsx e2e/cluster/cli.ts up

cluster-down: deps ## Stop the cluster of cluster-up and put the host back (sysctls, mounts, cgroups, namespace)
	npx tsx e2e/cluster/cli.ts down

bench: deps host-tools build cluster-build ## Benchmarks (print ratios against a baseline measured in the same run)
	npx tsx bench/engine/engine-bench.ts
	npx tsx bench/worker/worker-bench.ts
	npx tsx bench/reconcile/reconcile-bench.ts
	npx tsx bench/pool/pool-bench.ts
	npx tsx bench/up/up-bench.ts
	npx tsx bench/chart/chart-bench.ts

clean: ## Remove build output and installed packages
	rm -rf dist node_modules
