# Shared by bin/test, bin/outbox and bin/bench: finds a PostgreSQL server to use.
# ensure_local_postgres: makes sure the local cluster on 127.0.0.1:5432 answers, starting it
# when it is installed but down. Prints what it did on stderr; returns 1 with advice when no
# server can be had.
# start_local_postgres: the same without the advice (bin/outbox demo gives its own).

local_pg_url='jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres'

pg_answers() {
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 -p 5432 -t 3
  else
    (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null
  fi
}

start_local_postgres() {
  pg_answers && return 0
  if command -v pg_ctlcluster >/dev/null 2>&1 && command -v pg_lsclusters >/dev/null 2>&1; then
    local version
    version=$(pg_lsclusters -h 2>/dev/null | awk '$2 == "main" {print $1; exit}')
    if [ -n "$version" ]; then
      echo "PostgreSQL $version/main is down; starting it" >&2
      pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
      for _ in $(seq 1 30); do pg_answers && return 0; sleep 1; done
    fi
  fi
  return 1
}

ensure_local_postgres() {
  start_local_postgres && return 0
  cat >&2 <<'MSG'
No PostgreSQL answers on 127.0.0.1:5432 and none could be started.
  - point to one:   export OUTBOX_TEST_DATABASE_URL='jdbc:postgresql://HOST:5432/postgres?user=USER&password=PASS'
  - or install one: apt-get install postgresql && pg_ctlcluster --skip-systemctl-redirect 15 main start
  - or run a Docker engine, and Testcontainers will start one
MSG
  return 1
}

docker_answers() {
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1
}
