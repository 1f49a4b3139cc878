# bench-python: the seed experiment's own Python servers on Linux
# (scenarios/seed-python.yaml, apps in external/python/). Included by the
# Makefile; uses its GO and build.
#
# It installs the Debian packages that are missing (external/ci-install.sh:
# apt-get as root, or with sudo), runs the scenario at PYTHON_SCALE (0.05:
# 25 ms between requests, 40 s sleep, about 2 minutes), and prints the
# published macOS numbers beside the Linux measurement and the prediction.
PYTHON_SCALE ?= 0.05

.PHONY: bench-python
bench-python: build
	bash external/ci-install.sh
	@id=seed-python-$$(date -u +%Y%m%dT%H%M%SZ); \
	bin/loadgen run scenarios/seed-python.yaml --scale $(PYTHON_SCALE) --run-id $$id && \
	echo && $(GO) run ./external/python/table results/$$id
