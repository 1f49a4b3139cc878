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

.PHONY: bench-python bench-python-burst bench-tomcat
bench-python: build
	bash external/ci-install.sh
	@stamp=$$(date -u +%Y%m%dT%H%M%SZ); dirs=; \
	for s in seed-python seed-flask; do \
		bin/loadgen run scenarios/$$s.yaml --scale $(PYTHON_SCALE) --run-id $$s-$$stamp || exit $$?; \
		dirs="$$dirs results/$$s-$$stamp"; \
	done; \
	echo && $(GO) run ./external/python/table $$dirs

# The articles' 10,000-request bursts (seed-python-burst.yaml, 10,000 in
# 30 s against FastAPI; seed-flask-burst.yaml, 10,000 in 10 s against
# Flask's async view), each sleeping 60 s, unscaled: about 4 minutes.
bench-python-burst: build
	bash external/ci-install.sh
	@stamp=$$(date -u +%Y%m%dT%H%M%SZ); dirs=; \
	for s in seed-python-burst seed-flask-burst; do \
		bin/loadgen run scenarios/$$s.yaml --run-id $$s-$$stamp || exit $$?; \
		dirs="$$dirs results/$$s-$$stamp"; \
	done; \
	echo && $(GO) run ./external/python/table $$dirs

bench-tomcat: build
	bash external/ci-install.sh
	@id=seed-tomcat-$$(date -u +%Y%m%dT%H%M%SZ); \
	bin/loadgen run scenarios/seed-tomcat.yaml --scale $(PYTHON_SCALE) --run-id $$id && \
	echo && $(GO) run ./external/python/table results/$$id
