# conclab — see README.md.
SHELL := /bin/bash
GO    ?= go
SCALE ?= 0.02
export CGO_ENABLED := 0

BIN := bin/labserver bin/loadgen

.PHONY: all build test unit fuzz vet bench clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -o bin/labserver ./servers/cmd/labserver
	@if [ -d loadgen/cmd/loadgen ]; then $(GO) build -trimpath -o bin/loadgen ./loadgen/cmd/loadgen; fi

vet:
	@test -z "$$(gofmt -l servers loadgen)" || { echo "gofmt needed:"; gofmt -l servers loadgen; exit 1; }
	$(GO) vet ./...

# The whole suite: vet, every package with the race detector (race needs
# cgo), then each fuzz target for a short bounded time.
test: build vet unit fuzz

unit:
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 30m ./...

FUZZTIME ?= 10s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseWork$$' -fuzztime $(FUZZTIME) ./servers/lab
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./loadgen/scenario

bench: build
	@if [ -x bin/loadgen ]; then bin/loadgen run scenarios/seed.yaml --scale $(SCALE); else echo "make bench: the load driver is not built yet"; exit 1; fi

clean:
	rm -rf bin
