#!/usr/bin/env bash
# A throwaway PostgreSQL server for tests and the local cluster: its own data directory, a free
# loopback port, trust authentication, nothing shared with a system server.
#
#   scripts/postgres.sh install          installs Debian's PostgreSQL server when initdb is missing
#   scripts/postgres.sh start DIR [PORT] initdb in DIR (once) and start; prints the connection string
#   scripts/postgres.sh stop DIR         fast shutdown
#   scripts/postgres.sh url DIR          prints the connection string of the server in DIR
#
# initdb refuses to run as root: as root the server runs as the `postgres` user (created when missing).
set -euo pipefail

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && echo "$found"
}

install_server() {
  if [ -n "$(find_bin initdb)" ]; then return; fi
  echo "Installing PostgreSQL ..." >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
}

# Runs a command as the server's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
EOF
}

connection_string() {
  local dir=$1
  echo "Host=127.0.0.1;Port=$(cat "$dir/port");Username=postgres;Database=postgres;Pooling=true"
}

start_server() {
  local dir=$1 port=${2:-}
  install_server
  local initdb pg_ctl
  initdb=$(find_bin initdb); pg_ctl=$(find_bin pg_ctl)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$dir"; chmod 700 "$dir"; }
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-sync >/dev/null
  fi
  [ -n "$port" ] || port=$(free_port)
  echo "$port" > "$dir/port"
  # fsync stays on: the cluster's durability claims are tested against this server. Unix sockets go
  # in the data directory so two throwaway servers never collide in /var/run/postgresql. A small
  # WAL keeps a throwaway server's folder small (the default lets it grow to a gigabyte).
  as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir/data' -c max_connections=300 -c shared_buffers=128MB -c max_wal_size=96MB -c min_wal_size=32MB" \
    start >/dev/null
  connection_string "$dir"
}

stop_server() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$(find_bin pg_ctl)" -D "$dir/data" -m fast -w stop >/dev/null || true
}

case "${1:-}" in
  install) install_server ;;
  start) shift; start_server "$@" ;;
  stop) shift; stop_server "$@" ;;
  url) shift; connection_string "$1" ;;
  *) echo "usage: $0 install | start DIR [PORT] | stop DIR | url DIR" >&2; exit 2 ;;
esac
