#!/bin/sh
# DoubleRows.java, DoubleOps.java and DoubleOptions.java are generated from their float32 twins (Java has no
# primitive generics). Edit FloatRows.java / FloatOps.java / FloatOptions.java, then run this script from any
# directory; GeneratedTwinsTest fails when a double file drifts from this script's output.
set -eu
dir="$(dirname "$0")/src/main/java/org/softmaxspi/simd"
for f in Rows Ops Options; do
  sed -e 's/float32/@F64@/g' -e 's/Float/Double/g' -e 's/float/double/g' -e 's/@F64@/float64/g' \
    "$dir/Float$f.java" > "$dir/Double$f.java"
done
