package org.softmaxspi.conformance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Softmax;

/**
 * The largest difference between every two providers, per operation and dtype, in ulps of the
 * same scale as the accuracy check (so 0 means bit-identical).
 */
final class Agreement {

    /**
     * One cell of the pairwise matrix.
     *
     * @param op       the invocation's label (cross-entropy variants apart)
     * @param dtype    the dtype
     * @param first    one provider
     * @param second   the other
     * @param maxUlps  the largest difference seen
     * @param caseName where it was seen
     */
    record Row(String op, DType dtype, String first, String second, double maxUlps, String caseName) {
    }

    private record Key(String op, DType dtype, String first, String second) {
    }

    private final Map<Key, Row> rows = new LinkedHashMap<>();

    void add(List<Softmax> providers, String op, DType dtype, String caseName, List<double[][]> outputs,
             List<Judge.Standard> standards) {
        for (int a = 0; a < providers.size(); a++) {
            for (int b = a + 1; b < providers.size(); b++) {
                double[][] x = outputs.get(a);
                double[][] y = outputs.get(b);
                double diff = x == null || y == null ? Double.POSITIVE_INFINITY : difference(x, y, standards, dtype);
                Key key = new Key(op, dtype, providers.get(a).name(), providers.get(b).name());
                Row old = rows.get(key);
                if (old == null || diff > old.maxUlps() || Double.isNaN(diff)) {
                    rows.put(key, new Row(op, dtype, key.first(), key.second(), diff, caseName));
                }
            }
        }
    }

    private static double difference(double[][] x, double[][] y, List<Judge.Standard> standards, DType dtype) {
        double max = 0;
        for (int i = 0; i < standards.size(); i++) {
            if (x[i].length != y[i].length) {
                return Double.POSITIVE_INFINITY;
            }
            for (int j = 0; j < x[i].length; j++) {
                double p = x[i][j];
                double q = y[i][j];
                if (Double.compare(p, q) == 0 || (Double.isNaN(p) && Double.isNaN(q))) {
                    continue;
                }
                double d = Double.isFinite(p) && Double.isFinite(q)
                        ? Math.abs(p - q) / Tolerance.ulp(standards.get(i).scale().applyAsDouble(j), dtype)
                        : Double.POSITIVE_INFINITY;
                max = Math.max(max, d);
            }
        }
        return max;
    }

    List<Row> rows() {
        return List.copyOf(rows.values());
    }
}
