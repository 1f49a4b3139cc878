# bench-python and bench-tomcat: the seed experiment's own servers on Linux
# (scenarios/seed-python.yaml, seed-flask.yaml, seed-tomcat.yaml; the apps
# are in external/python/ and external/tomcat/). Included by the Makefile;
# uses its GO and build.
#
# Each installs the Debian packages that are missing (external/ci-install.sh:
# apt-get as root, or with sudo), runs its scenarios one after the other at
# PYTHON_SCALE (0.05: 25 ms between requests, 40 s sleep, about 2 minutes
# each), and prints the published macOS numbers beside the Linux
# measurement and the prediction. The FastAPI and Flask articles' 18
# servers run as two scenarios: at once, two CPUs could not keep loadgen's
# schedule (docs/python.md).
PYTHON_SCALE ?= 0.05

# run-and-table installs what is missing, runs the scenarios $(1) one after
# the other with the loadgen flags $(2), and prints one table of them all.
define run-and-table
	bash external/ci-install.sh
	@stamp=$$(date -u +%Y%m%dT%H%M%SZ); dirs=; \
	for s in $(1); do \
		bin/loadgen run scenarios/$$s.yaml $(2) --run-id $$s-$$stamp || exit $$?; \
		dirs="$$dirs results/$$s-$$stamp"; \
	done; \
	echo && $(GO) run ./external/python/table $$dirs
endef

.PHONY: bench-python bench-python-burst bench-tomcat
bench-python: build
	$(call run-and-table,seed-python seed-flask,--scale $(PYTHON_SCALE))

# The articles' 10,000-request bursts (seed-python-burst.yaml, 10,000 in
# 30 s against FastAPI; seed-flask-burst.yaml, 10,000 in 10 s against
# Flask's async view), each sleeping 60 s, unscaled: about 4 minutes.
bench-python-burst: build
	$(call run-and-table,seed-python-burst seed-flask-burst,)

bench-tomcat: build
	$(call run-and-table,seed-tomcat,--scale $(PYTHON_SCALE))
