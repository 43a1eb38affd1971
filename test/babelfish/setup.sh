#!/usr/bin/env bash
# Builds Babelfish for PostgreSQL from fetched git snapshots into $BABELFISH_HOME (default ~/.cache/babelfish).
# Usage: setup.sh MIRROR_DIR   (MIRROR_DIR holds a git clone, bare or not, of each of the GitHub repositories
#   babelfish-for-postgresql/babelfish_extensions, babelfish-for-postgresql/postgresql_modified_for_babelfish and
#   antlr/antlr4, as MIRROR_DIR/NAME, MIRROR_DIR/NAME.git or MIRROR_DIR/OWNER+NAME/repo; see test/babelfish/README.md)
# A second run that finds a complete install does nothing. BABELFISH_REBUILD=1 forces a rebuild.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/common.sh"

MIRROR=${1:?usage: setup.sh MIRROR_DIR (the folder holding the fetched snapshots)}
JOBS=${BABELFISH_JOBS:-$(nproc)}
RECIPE="babelfish-setup v1: ext=$EXT_REF pg=$PG_REF antlr=$ANTLR_REF"
T0=$SECONDS

if [ "${BABELFISH_REBUILD:-0}" != 1 ] && [ -f "$STAMP" ] && [ "$(head -n 1 "$STAMP")" = "$RECIPE" ] &&
  [ -x "$PREFIX/bin/postgres" ] && [ -f "$PREFIX/lib/postgresql/babelfishpg_tsql.so" ]; then
  echo "Babelfish already installed in $BH ($(sed -n 2p "$STAMP")); nothing to do."
  exit 0
fi
if pg_running; then
  echo "a server from $BH is running; run stop.sh before rebuilding" >&2
  exit 1
fi
MIRROR=$(cd "$MIRROR" && pwd)

mkdir -p "$LOGS"
say() { printf '[setup %s +%ds] %s\n' "$(date +%H:%M:%S)" "$((SECONDS - T0))" "$*" | tee -a "$LOGS/setup.log"; }
STEP=start STEP_LOG=
on_exit() {
  local rc=$?
  [ "$rc" -eq 0 ] && return
  echo "setup.sh FAILED (exit $rc) in step '$STEP' after $((SECONDS - T0)) s" >&2
  if [ -n "$STEP_LOG" ] && [ -f "$STEP_LOG" ]; then
    echo "---- last 40 lines of $STEP_LOG ----" >&2
    tail -n 40 "$STEP_LOG" >&2
  fi
}
trap on_exit EXIT
# step NAME FUNCTION: runs FUNCTION with its output in $LOGS/NAME.log (errexit stops the script on failure)
step() { STEP=$1 STEP_LOG=$LOGS/$1.log; say "$1 (log: $STEP_LOG)"; "$2" >"$STEP_LOG" 2>&1; }

PKGS=(build-essential git pkg-config bison flex libfl-dev cmake openjdk-17-jdk-headless libossp-uuid-dev uuid-dev
  libutfcpp-dev libxml2-dev libicu-dev libssl-dev libreadline-dev zlib1g-dev freetds-dev locales openssl perl)
apt_deps() {
  local p missing=()
  for p in "${PKGS[@]}"; do
    [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "all build packages present"; return 0; fi
  echo "installing: ${missing[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# git on a snapshot (read-only; the snapshot may belong to another user)
g() { git -c safe.directory='*' --git-dir="$1" "${@:2}"; }
# snapshot OWNER+NAME -> its bare git dir inside MIRROR
snapshot() {
  local d
  for d in "$MIRROR/$1/repo" "$MIRROR/$1" "$MIRROR/${1#*+}" "$MIRROR/${1#*+}.git"; do
    if [ -d "$d" ] && g "$d" rev-parse --git-dir >/dev/null 2>&1; then echo "$d"; return 0; fi
  done
  echo "snapshot $1 not found in $MIRROR (clone github.com/${1/+//} there first)" >&2
  return 1
}
# resolve GITDIR NAME -> commit id of branch or tag NAME
resolve() {
  local r
  for r in "refs/heads/$2" "refs/tags/$2" "refs/remotes/origin/$2"; do
    g "$1" rev-parse -q --verify "$r^{commit}" && return 0
  done
  echo "branch/tag $2 not found in $1" >&2
  return 1
}

extract() {
  rm -rf "$SRC" "$PREFIX"
  mkdir -p "$SRC/pg" "$SRC/ext" "$SRC/antlr4" "$PREFIX/lib" "$PREFIX/include/antlr4-runtime"
  g "$PG_GIT" archive "$PG_C" | tar -x -C "$SRC/pg"
  g "$EXT_GIT" archive "$EXT_C" contrib | tar -x -C "$SRC/ext"
  g "$ANTLR_GIT" archive "$ANTLR_C" runtime/Cpp | tar -x -C "$SRC/antlr4"
  # the ANTLR tool jar ships in the extensions repo: check it is a real jar (zip), not a placeholder
  local jar=$SRC/ext/contrib/babelfishpg_tsql/antlr/thirdparty/antlr/antlr-4.9.3-complete.jar
  [ "$(head -c 2 "$jar")" = PK ] || { echo "$jar is not a jar file"; return 1; }
}

patch_ext() {
  local c=$SRC/ext/contrib t=$SRC/ext/contrib/babelfishpg_tsql mk
  mk=("$c/babelfishpg_money/Makefile" "$c/babelfishpg_common/Makefile" "$c/babelfishpg_tds/Makefile" "$t/Makefile")
  # gcc 12 warnings would stop the build under -Werror
  sed -i -E 's/(^|[[:space:]])-Werror([[:space:]]|$)/\1\2/g' "${mk[@]}"
  # the ANTLR runtime lives in our prefix, not /usr/local
  sed -i -E "s|^(export ANTLR4_RUNTIME_INCLUDE_DIR=).*|\1$PREFIX/include/antlr4-runtime|" "$t/Makefile"
  sed -i -E "s|^(export ANTLR4_RUNTIME_LIB_DIR=).*|\1$PREFIX/lib|" "$t/Makefile"
  sed -i -E "s|^SET \(MYDIR .*\)|SET (MYDIR $PREFIX/include/antlr4-runtime/)|" "$t/antlr/CMakeLists.txt"
  # gcc >= 10 defaults to -fno-common; tsql defines a few globals in two files
  sed -i -E 's|^(PG_CFLAGS \+= -fstack-protector-strong)|\1 -fcommon|' "$t/Makefile"
  # fail if upstream moved any of these lines
  if grep -nE '(^|[[:space:]])-Werror([[:space:]]|$)' "${mk[@]}"; then echo "-Werror still present"; return 1; fi
  grep -qxF "export ANTLR4_RUNTIME_INCLUDE_DIR=$PREFIX/include/antlr4-runtime" "$t/Makefile"
  grep -qxF "export ANTLR4_RUNTIME_LIB_DIR=$PREFIX/lib" "$t/Makefile"
  grep -qE '^PG_CFLAGS \+= .*-fcommon' "$t/Makefile"
  grep -qxF "SET (MYDIR $PREFIX/include/antlr4-runtime/)" "$t/antlr/CMakeLists.txt"
  echo "patched: -Werror removed, ANTLR paths -> $PREFIX, -fcommon added"
}

build_pg() {
  cd "$SRC/pg"
  ./configure --prefix="$PREFIX" CFLAGS="-O2 -g0" --with-libxml --with-uuid=ossp --with-icu --with-openssl --with-readline
  make -j"$JOBS"
  make install
  make -C contrib -j"$JOBS"
  make -C contrib install
}

build_antlr() {
  mkdir -p "$SRC/antlr4/runtime/Cpp/build"
  cd "$SRC/antlr4/runtime/Cpp/build"
  cmake .. -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX" -DWITH_DEMO=False
  # only the shared library is needed; 'make install' would also build the static one, so install by hand
  make -j"$JOBS" antlr4_shared
  cp -a ../dist/libantlr4-runtime.so* "$PREFIX/lib/"
  (cd ../runtime/src && find . -name '*.h' -exec cp --parents {} "$PREFIX/include/antlr4-runtime/" \;)
  # StringUtils.h includes "utf8.h": put Debian's utfcpp headers beside the runtime headers
  cp -a /usr/include/utf8cpp/utf8.h /usr/include/utf8cpp/utf8 "$PREFIX/include/antlr4-runtime/"
}

ext_env() {
  cmake=$(command -v cmake) # the tsql Makefile runs $(cmake)
  export PG_CONFIG=$PREFIX/bin/pg_config PG_SRC=$SRC/pg cmake ANTLR4_JAVA_BIN=java
}
build_ext() {
  local m
  ext_env
  for m in babelfishpg_money babelfishpg_common babelfishpg_tds; do
    make -C "$SRC/ext/contrib/$m" -j"$JOBS"
    make -C "$SRC/ext/contrib/$m" install
  done
}
build_tsql() {
  local t=$SRC/ext/contrib/babelfishpg_tsql
  ext_env
  # generate + compile the ANTLR parser first: tsqlIface.cpp includes its headers without a make dependency
  make -C "$t" -j"$JOBS" antlr/libantlr_tsql.a
  make -C "$t" -j"$JOBS"
  make -C "$t" install
}

say "building Babelfish into $BH with -j$JOBS (mirror: $MIRROR)"
rm -f "$STAMP"
step 01-apt apt_deps
STEP=resolve STEP_LOG=
EXT_GIT=$(snapshot babelfish-for-postgresql+babelfish_extensions)
PG_GIT=$(snapshot babelfish-for-postgresql+postgresql_modified_for_babelfish)
ANTLR_GIT=$(snapshot antlr+antlr4)
EXT_C=$(resolve "$EXT_GIT" "$EXT_REF")
PG_C=$(resolve "$PG_GIT" "$PG_REF")
ANTLR_C=$(resolve "$ANTLR_GIT" "$ANTLR_REF")
say "babelfish_extensions $EXT_REF = $EXT_C"
say "postgresql_modified_for_babelfish $PG_REF = $PG_C"
say "antlr4 $ANTLR_REF = $ANTLR_C"
step 02-extract extract
step 03-patch patch_ext
step 04-postgres build_pg
step 05-antlr-runtime build_antlr
step 06-extensions build_ext
step 07-tsql build_tsql
STEP=stamp STEP_LOG=
"$PREFIX/bin/postgres" --version | tee -a "$LOGS/setup.log"
{
  echo "$RECIPE"
  echo "commits ext=$EXT_C pg=$PG_C antlr=$ANTLR_C"
  echo "built $(date -u +%FT%TZ) in $((SECONDS - T0)) s"
} >"$STAMP"
say "done in $(((SECONDS - T0) / 60)) min $(((SECONDS - T0) % 60)) s; install $(du -sh "$PREFIX" | cut -f1), all of $BH $(du -sh "$BH" | cut -f1)"
