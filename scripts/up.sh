#!/usr/bin/env bash
# Install newsdesk and run the whole desk on its embedded defaults until Ctrl-C:
# SQLite under var/, demo feeds on 127.0.0.1, offline composer, local Prefect server
# with every deployment's schedule, review UI on http://127.0.0.1:8000.
source "$(dirname "$0")/bootstrap.sh"
exec newsdesk up "$@"
