# Two commands a user needs: `make run` and `make test` (Debian 12, Python 3.11).
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SYSPKGS := libgl1 libegl1 libx11-6 libdbus-1-3 libfontconfig1 libfreetype6 libglib2.0-0 \
           libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 \
           libxcb-shape0 libxcb-randr0 libxcb-render-util0 libxcb-image0 xvfb xauth

.PHONY: run test fuzz lint bench screenshot system clean

run: $(STAMP)
	$(VENV)/bin/sdn-desktop $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check sdn_desktop tests benchmarks tools
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q --durations=15 $(PYTEST_ARGS)

# The property-based fuzz test of scenario loading at length (`make test` runs a few examples).
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	SDN_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz_scenarios.py --hypothesis-show-statistics

bench: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) -m benchmarks

screenshot: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" $(PY) tools/screenshot.py docs/screenshot.png

# Installs only the system libraries that are missing (needs root or sudo).
system:
	@missing=$$(for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages: $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
