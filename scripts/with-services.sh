#!/usr/bin/env bash
# Runs a command with the services the tests need.  For now: none; the
# store issue starts a throwaway PostgreSQL cluster here.
set -euo pipefail
exec "$@"
