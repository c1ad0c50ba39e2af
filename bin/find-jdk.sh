# Sourced (POSIX sh) by ./mvnw and ./jnat. Sets JAVA_HOME to a JDK 25 or newer, or exits with one
# line that says what is missing. jnat needs JDK 25: the FFM API (java.lang.foreign) and release 25.
jnat_java_feature() {
  # Prints the feature version ("25") of the JDK at $1, or nothing if it is not a JDK.
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  "$1/bin/java" -XshowSettings:properties -version 2>&1 |
    sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}
jnat_find_jdk() {
  set +f  # mvnw runs with globbing off; the search below needs it
  if [ -n "${JAVA_HOME-}" ]; then
    v=$(jnat_java_feature "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then return 0; fi
  fi
  for candidate in /usr/lib/jvm/*25* /usr/lib/jvm/*2[6-9]* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/*; do
    [ -d "$candidate" ] || continue
    v=$(jnat_java_feature "$candidate")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME=$candidate; export JAVA_HOME; return 0; fi
  done
  if command -v javac >/dev/null 2>&1; then
    home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
    v=$(jnat_java_feature "$home")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME=$home; export JAVA_HOME; return 0; fi
  fi
  echo "jnat needs a JDK 25 or newer and found none (JAVA_HOME, /usr/lib/jvm, PATH): install one, e.g. Temurin 25 ('apt-get install temurin-25-jdk' from the Adoptium repository) or set JAVA_HOME to it." >&2
  exit 1
}
jnat_find_jdk
if [ "${0##*/}" = mvnw ]; then set -f; fi  # give mvnw its globbing-off back
