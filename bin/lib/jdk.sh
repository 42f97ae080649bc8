# Shared by every script that builds or runs the application: finds a JDK new enough for it,
# since the `java` on the PATH may be older (Debian 12's default is 17).
# use_jdk NAME: exports JAVA_HOME (and puts its bin/ first on the PATH) for, in order,
#   1. JAVA_HOME, when it is a JDK >= $min_java_major;
#   2. the newest such JDK under /usr/lib/jvm (where Debian packages and Temurin install);
#   3. the JDK of the `java` on the PATH, when it qualifies.
# Otherwise prints one line saying what to install and returns 1. NAME prefixes the messages.
# Scripts that run others (.ci/run runs bin/test) find the same JDK twice, cheaply.

min_java_major=21

# The feature release of the JDK in directory $1 ("25" for 25.0.3, "8" for 1.8.0_442), or nothing
# when it is not a JDK. The release file saves starting a JVM for each candidate.
jdk_major() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  local version
  version=$(sed -n 's/^JAVA_VERSION="\(.*\)"$/\1/p' "$1/release" 2>/dev/null)
  [ -n "$version" ] || version=$("$1/bin/java" -version 2>&1 | sed -n '1s/.*version "\([^"]*\)".*/\1/p')
  case "$version" in
    1.*) version=${version#1.} ;;
  esac
  version=${version%%[.+-]*}
  case "$version" in
    '' | *[!0-9]*) ;;
    *) echo "$version" ;;
  esac
}

jdk_qualifies() {
  local major
  major=$(jdk_major "$1")
  [ -n "$major" ] && [ "$major" -ge "$min_java_major" ]
}

newest_jdk_under() {
  local dir major best="" best_major=0
  for dir in "$1"/*/; do
    dir=${dir%/}
    major=$(jdk_major "$dir")
    if [ -n "$major" ] && [ "$major" -ge "$min_java_major" ] && [ "$major" -gt "$best_major" ]; then
      best=$dir best_major=$major
    fi
  done
  [ -n "$best" ] && echo "$best"
}

use_jdk() {
  local name=$1 home="" path_java
  if [ -n "${JAVA_HOME:-}" ] && jdk_qualifies "$JAVA_HOME"; then
    home=$JAVA_HOME
  else
    home=$(newest_jdk_under /usr/lib/jvm || true)
    if [ -z "$home" ] && path_java=$(command -v java 2>/dev/null); then
      path_java=$(dirname "$(dirname "$(readlink -f "$path_java")")")
      jdk_qualifies "$path_java" && home=$path_java
    fi
    if [ -n "$home" ] && [ -n "${JAVA_HOME:-}" ]; then
      echo "$name: JAVA_HOME ($JAVA_HOME) is not a JDK $min_java_major or newer; using $home" >&2
    fi
  fi
  if [ -z "$home" ]; then
    echo "$name: needs a JDK $min_java_major or newer, and found none (JAVA_HOME, /usr/lib/jvm, PATH): install one (e.g. apt-get install openjdk-$min_java_major-jdk-headless) or set JAVA_HOME to it" >&2
    return 1
  fi
  export JAVA_HOME=$home
  export PATH="$JAVA_HOME/bin:$PATH"
  # From JDK 24 on, Debian's Maven prints four lines of sun.misc.Unsafe warnings (from its own
  # Guava) at every start; the option that silences them exists from JDK 23 and breaks older ones.
  if [ "$(jdk_major "$home")" -ge 23 ]; then
    export MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }--sun-misc-unsafe-memory-access=allow"
  fi
}
