# Orderflow — the two commands that matter: `make run` and `make test`.
GO ?= go

.PHONY: run test test-race lint generate build db-stop clean-test-db

## run: start the local PostgreSQL (under .data/), migrate, seed the demo data and serve on :8080
run:
	$(GO) run ./cmd/orderflow serve

## test: the whole suite against real PostgreSQL (TEST_DATABASE_URL, else a throwaway local cluster), browser tests included
test:
	$(GO) test -count=1 -timeout 30m ./...

## test-race: the suite under the race detector
test-race:
	$(GO) test -count=1 -race -timeout 45m ./...

## lint: gofmt, go vet, and generated templ files current
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool templ generate >/dev/null 2>&1
	@git diff --exit-code -- '*_templ.go' || (echo "templ files were stale: run make generate and commit"; exit 1)
	@if [ -n "$$(git ls-files --others --exclude-standard -- '*_templ.go')" ]; then echo "uncommitted generated templ files"; exit 1; fi

## generate: regenerate templ views
generate:
	$(GO) tool templ generate

## build: the orderflow binary
build:
	$(GO) build -o bin/orderflow ./cmd/orderflow

## db-stop: stop the local development and test clusters
db-stop:
	$(GO) run ./cmd/orderflow db stop
	$(GO) run ./cmd/orderflow db stop --test
