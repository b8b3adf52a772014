# ProcOS — the two commands: `make up` (run it) and `make test` (prove it).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPM_STAMP := node_modules/.procos-installed

.PHONY: help up test deps lint typecheck crds crds-check build unit e2e cluster-build cluster-up cluster-down bench clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

up: deps build ## Boot ProcOS on this machine and run the demo process to a printed result
	node bin/procos.js up

test: deps lint typecheck crds-check build unit e2e ## Everything CI runs: lint, types, CRD freshness, unit and e2e tests

deps: $(NPM_STAMP) ## Install the npm dependencies from the lockfile

$(NPM_STAMP): package.json package-lock.json
	@command -v node >/dev/null || { echo "node not found: install Node.js 20 (e.g. from Debian's or NodeSource's nodejs package)"; exit 1; }
	@node -e 'if (+process.versions.node.split(".")[0] < 20) { console.error("Node.js >= 20 needed, found " + process.version); process.exit(1) }'
	npm ci --no-audit --no-fund
	@touch $@

lint: deps ## ESLint and Prettier
	npx eslint .
	npx prettier --check .

typecheck: deps ## tsc --noEmit over sources and tests
	npx tsc -p tsconfig.json --noEmit

crds: deps ## Regenerate crds/ from the zod schemas in operator/api
	npx tsx operator/api/generate-crds.ts

crds-check: deps ## Fail when crds/ is stale
	npx tsx operator/api/generate-crds.ts --check

build: deps ## Compile TypeScript into dist/ (the bin/ entry points run it)
	rm -rf dist && npx tsc -p tsconfig.build.json

unit: deps build ## Unit tests (vitest)
	npx vitest run

e2e: deps build cluster-build ## End-to-end tests on a real control plane (or E2E_KUBECONFIG's cluster)
	npx vitest run -c vitest.e2e.config.ts

cluster-build: ## Build kube-apiserver, controller-manager, scheduler, kubectl, etcd, KWOK, helm (cached)
	bash e2e/cluster/build.sh

cluster-up: deps cluster-build ## Start a control plane on loopback that keeps running; prints KUBECONFIG
	npx tsx e2e/cluster/cli.ts up

cluster-down: ## Stop the control plane of cluster-up
	npx tsx e2e/cluster/cli.ts down

bench: deps build cluster-build ## Benchmarks (print ratios against a baseline measured in the same run)
	npx tsx bench/engine/engine-bench.ts
	npx tsx bench/reconcile/reconcile-bench.ts

clean: ## Remove build output and installed packages
	rm -rf dist node_modules
