#!/usr/bin/env bash
# test_layers.sh -- the shape of src/ that docs/DESIGN.md promises, checked
# on every make check:
#
#   1. every #include of a breachd header names its folder, and the file
#      exists;
#   2. a folder includes only its own headers and those of folders below it
#      (LAYERS, bottom first; folders on one line are siblings, which may
#      not include each other);
#   3. sqlite3.h and libpq-fe.h are included nowhere outside src/register/:
#      the register is the one door to the database; inside it, each only in
#      its backend (store_sqlite.c, store_pg.c);
#   4. no include cycle between modules (x.c and x.h are one module);
#   5. nothing in the repository cites a path outside it.
#
# A failure names the file, the line and the rule it breaks.
set -u
cd "${BREACHD_SRCDIR:-$(dirname "${BASH_SOURCE[0]}")/../..}" || exit 2
source tests/lib/tap.sh

# Bottom first.  Keep in step with docs/DESIGN.md.
LAYERS=(
        "base"
        "mail read"
        "register"
        "notices"
        "case"
        "daemon"
        "ctl"
)
declare -A rank
for i in "${!LAYERS[@]}"; do
        for f in ${LAYERS[$i]}; do
                rank[$f]=$i
        done
done

folders=$(find src -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
unknown=""
for f in $folders; do
        [[ -n ${rank[$f]:-} ]] || unknown+="$f "
done
is "$unknown" "" "every folder of src/ has a place in the layers"
loose=$(find src -maxdepth 1 -type f -name '*.[ch]' | tr '\n' ' ')
is "$loose" "" "no source file stands outside a folder"

# file:line:folder/header for every quoted include under src/.
includes=$(grep -rnoE '^[[:space:]]*#[[:space:]]*include[[:space:]]+"[^"]+"' --include='*.[ch]' src |
           sed -E 's/:[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)"$/:\1/')

unnamed="" missing="" upward=""
while IFS=: read -r file line target; do
        [[ -n $file ]] || continue
        from=${file#src/}
        from=${from%%/*}
        if [[ $target != */* ]]; then
                unnamed+="$file:$line: \"$target\" does not name its folder"$'\n'
                continue
        fi
        if [[ ! -f src/$target ]]; then
                missing+="$file:$line: src/$target does not exist"$'\n'
                continue
        fi
        to=${target%%/*}
        [[ $to == "$from" ]] && continue
        if [[ -z ${rank[$to]:-} || -z ${rank[$from]:-} ]]; then
                continue  # reported above as a folder without a place
        fi
        if ((rank[$to] >= rank[$from])); then
                upward+="$file:$line: $from/ includes $target ($to/ is not below $from/)"$'\n'
        fi
done <<<"$includes"
is "$unnamed" "" "every include of a breachd header names its folder"
is "$missing" "" "every included header exists"
is "$upward" "" "every folder includes only itself and folders below it"

sqlite=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]sqlite3\.h[>"]' --include='*.[ch]' src |
         grep -v '^src/register/')
is "$sqlite" "" "sqlite3.h is included only in src/register/"
calls=$(grep -rnE '\bsqlite3_[a-z_]+[[:space:]]*\(' --include='*.[ch]' src | grep -v '^src/register/' | head -n 20)
is "$calls" "" "no SQLite call outside src/register/"
pq=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]libpq-fe\.h[>"]' --include='*.[ch]' src |
     grep -v '^src/register/store_pg\.c:')
is "$pq" "" "libpq-fe.h is included only in src/register/store_pg.c"
calls=$(grep -rnE '\bPQ[a-zA-Z]+[[:space:]]*\(' --include='*.[ch]' src | grep -v '^src/register/store_pg\.c:' | head -n 20)
is "$calls" "" "no libpq call outside the PostgreSQL backend"
backend=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]sqlite3\.h[>"]|\bsqlite3_[a-z_0-9]+[[:space:]]*\(' \
          --include='*.[ch]' src/register | grep -v '^src/register/store_sqlite\.c:' | head -n 20)
is "$backend" "" "inside the register, SQLite is spoken only by its backend (store_sqlite.c)"

# Module edges: src/a/x.c and src/a/x.h are the module a/x (a header named
# x-internal.h belongs to the module x).  tsort reports any loop.
module() {
        local m=${1#src/}
        m=${m%.[ch]}
        echo "${m%-internal}"
}
edges=$(while IFS=: read -r file line target; do
                [[ $target == */* && -f src/$target ]] || continue
                a=$(module "$file")
                b=$(module "src/$target")
                [[ $a != "$b" ]] && echo "$a $b"
        done <<<"$includes" | sort -u)
loops=$(tsort <<<"$edges" 2>&1 >/dev/null | grep -v '^tsort: -: input contains a loop:$' | sed 's/^tsort: //' | tr '\n' ' ')
is "$loops" "" "no include cycle between modules"

# The repository stands on its own: no file cites the material beside it.
outside=$(git ls-files 2>/dev/null | grep -vE '^tests/lint/test_layers\.sh$' |
          xargs -d '\n' grep -nI -- '\.\./shared' 2>/dev/null | head -n 20)
is "$outside" "" "nothing cites a path outside the repository"

done_testing
