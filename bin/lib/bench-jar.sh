# Shared by bin/bench and bin/bench-prune: the benchmark jar (target/webhook-outbox-bench.jar, the
# classes of src/bench/java) and the product jar beside it on its Class-Path, built when missing or
# older than their sources. Needs $root and a JDK (use_jdk) first.
bench_jar="$root/target/webhook-outbox-bench.jar"

# build_bench NAME: builds both jars when needed; NAME prefixes the messages.
build_bench() {
  if [ -f "$bench_jar" ] && [ -f "$root/target/webhook-outbox.jar" ] && [ -z "$(find "$root/pom.xml" \
      "$root/src/main" "$root/src/bench" "$root/migrations" "$root/jooq-codegen" -newer "$bench_jar" -type f \
      -print -quit)" ]; then
    return 0
  fi
  echo "$1: building (first run, or sources changed) ..." >&2
  (cd "$root" && mvn -B -q package -DskipTests 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2) || {
    echo "$1: the build failed; run 'mvn -B package -DskipTests' in $root to see why" >&2
    return 1
  }
}
