#!/usr/bin/env bash
# Starts a streaming replica of the local PostgreSQL (Debian's cluster tools, as root): cluster
# "replica" on port 5433, cloned with pg_basebackup -R from the primary on 5432. Idempotent.
# Usage: bash scripts/start-replica.sh [version]   (the newest installed version by default)
set -euo pipefail
version="${1:-$(ls /etc/postgresql | sort -V | tail -1)}"
port=5433
primary_conf="/etc/postgresql/$version/main"
data="/var/lib/postgresql/$version/replica"

# The replica connects to the primary for replication; trust on loopback, as the primary's other entries.
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$primary_conf/pg_hba.conf"; then
  echo "host replication all 127.0.0.1/32 trust" >>"$primary_conf/pg_hba.conf"
  pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi

if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version replica"; then
  pg_createcluster "$version" replica -p "$port" >/dev/null
  rm -rf "${data:?}"/*
fi
if [ ! -f "$data/standby.signal" ]; then
  install -d -o postgres -g postgres -m 700 "$data"
  rm -rf "${data:?}"/*
  # A replication slot keeps the WAL the replica has not received yet (during the copy, and while
  # it is stopped); one left by an earlier replica of this name is dropped first.
  runuser -u postgres -- env PGPASSWORD="${PGPASSWORD:-postgres}" psql -h 127.0.0.1 -p 5432 -U postgres -Atqc \
    "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = 'zhuisu_replica'" >/dev/null
  # PGPASSWORD is the password .ci/run gives the postgres user where loopback asks for one.
  runuser -u postgres -- env PGPASSWORD="${PGPASSWORD:-postgres}" \
    pg_basebackup -h 127.0.0.1 -p 5432 -U postgres -D "$data" -R -X stream -C -S zhuisu_replica
  # Clients connect as they do to the primary (trust on loopback in these test machines).
  cp "$primary_conf/pg_hba.conf" "/etc/postgresql/$version/replica/pg_hba.conf"
  # Reads on the replica are not cancelled by the primary's vacuum of rows they still see.
  echo "hot_standby_feedback = on" >"/etc/postgresql/$version/replica/conf.d/zhuisu.conf"
fi
if ! pg_isready -h 127.0.0.1 -p "$port" -q; then
  pg_ctlcluster --skip-systemctl-redirect "$version" replica start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p "$port"
psql -h 127.0.0.1 -p "$port" -U postgres -Atc "select 'in recovery: ' || pg_is_in_recovery()"
