#!/bin/sh
# DoubleRows.java and DoubleOps.java are generated from their float32 twins (Java has no primitive
# generics). Edit FloatRows.java / FloatOps.java, then run this script from any directory.
set -eu
dir="$(dirname "$0")/src/main/java/org/softmaxspi/simd"
for f in Rows Ops; do
  sed -e 's/float32/@F64@/g' -e 's/Float/Double/g' -e 's/float/double/g' -e 's/@F64@/float64/g' \
    "$dir/Float$f.java" > "$dir/Double$f.java"
done
