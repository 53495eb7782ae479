package org.softmaxspi.conformance;

import ch.obermuhlner.math.big.BigDecimalMath;
import java.math.BigDecimal;
import java.math.MathContext;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.Reduction;

/**
 * High-precision results computed with {@link BigDecimal} at {@value #DIGITS} significant digits,
 * with {@code exp} and {@code log} from big-math. Independent of every provider: it shares no code
 * with them and no shortcut (no max-shift tricks beyond exact subtraction, no double arithmetic).
 *
 * <p>Inputs are taken as the exact binary values they are ({@code new BigDecimal(double)}). Terms
 * {@code e^(z - m)} with {@code z - m < -2000} are taken as 0: relative to the sum (at least 1) they
 * are below 10^-868, under every dtype's smallest subnormal. Edge-case semantics follow
 * {@link org.softmaxspi.api.Softmax}.
 */
final class Oracle {

    static final int DIGITS = 40;
    private static final MathContext MC = new MathContext(DIGITS);
    private static final BigDecimal NEGLIGIBLE = BigDecimal.valueOf(-2000);

    private Oracle() {
    }

    /** One row's exact quantities, computed once and shared by every operation. */
    static final class Row {
        final boolean nan;
        final BigDecimal[] d; // z - m, exact; null for -inf entries
        final BigDecimal[] e; // e^(z - m); null when negligible or -inf
        final BigDecimal sum;
        final BigDecimal logSum;

        Row(double[] z, int start, int stride, int k) {
            double m = Double.NEGATIVE_INFINITY;
            boolean bad = false;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double v = z[idx];
                if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                    bad = true;
                }
                if (v > m) {
                    m = v;
                }
            }
            nan = bad || m == Double.NEGATIVE_INFINITY;
            d = new BigDecimal[k];
            e = new BigDecimal[k];
            if (nan) {
                sum = null;
                logSum = null;
                return;
            }
            BigDecimal bm = new BigDecimal(m);
            BigDecimal s = BigDecimal.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (z[idx] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                d[j] = new BigDecimal(z[idx]).subtract(bm);
                if (d[j].compareTo(NEGLIGIBLE) >= 0) {
                    e[j] = BigDecimalMath.exp(d[j], MC);
                    s = s.add(e[j], MC);
                }
            }
            sum = s;
            logSum = BigDecimalMath.log(s, MC);
        }

        BigDecimal y(int j) {
            return e[j] == null ? BigDecimal.ZERO : e[j].divide(sum, MC);
        }
    }

    static Exact softmax(Row[] rows, Layout l) {
        Exact out = Exact.of(l.size());
        forEachRow(rows, l, (row, start, stride, k) -> {
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (row.nan) {
                    out.setSpecial(idx, Double.NaN);
                } else {
                    out.set(idx, row.y(j));
                }
            }
        });
        return out;
    }

    static Exact logSoftmax(Row[] rows, Layout l) {
        Exact out = Exact.of(l.size());
        forEachRow(rows, l, (row, start, stride, k) -> {
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (row.nan) {
                    out.setSpecial(idx, Double.NaN);
                } else if (row.d[j] == null) {
                    out.setSpecial(idx, Double.NEGATIVE_INFINITY);
                } else {
                    out.set(idx, row.d[j].subtract(row.logSum, MC));
                }
            }
        });
        return out;
    }

    static Exact jacobian(Row[] rows, Layout l) {
        int k = l.axisLength();
        Exact out = Exact.of(l.jacobianSize());
        int[] r = {0};
        forEachRow(rows, l, (row, start, stride, kk) -> {
            int base = r[0]++ * k * k;
            BigDecimal[] y = new BigDecimal[k];
            for (int j = 0; j < k && !row.nan; j++) {
                y[j] = row.y(j);
            }
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    int o = base + i * k + j;
                    if (row.nan) {
                        out.setSpecial(o, Double.NaN);
                    } else if (i == j) {
                        out.set(o, y[i].multiply(BigDecimal.ONE.subtract(y[i]), MC));
                    } else {
                        out.set(o, y[i].multiply(y[j], MC).negate());
                    }
                }
            }
        });
        return out;
    }

    /** y * (g - sum g y); rows with a non-finite input are NaN. Pure arithmetic, so exact. */
    static Exact backward(double[] y, double[] g, Layout l) {
        Exact out = Exact.of(l.size());
        int k = l.axisLength();
        int stride = l.inner();
        for (int row = 0; row < l.rows(); row++) {
            int start = l.rowStart(row);
            if (!finite(y, start, stride, k) || !finite(g, start, stride, k)) {
                fillNaN(out, start, stride, k);
                continue;
            }
            BigDecimal dot = BigDecimal.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                dot = dot.add(new BigDecimal(g[idx]).multiply(new BigDecimal(y[idx])));
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                out.set(idx, new BigDecimal(y[idx]).multiply(new BigDecimal(g[idx]).subtract(dot)));
            }
        }
        return out;
    }

    /** g - exp(l) * sum g; rows with NaN or +inf in l, or non-finite g, are NaN; exp(-inf) = 0. */
    static Exact logSoftmaxBackward(double[] logSoftmax, double[] g, Layout l) {
        Exact out = Exact.of(l.size());
        int k = l.axisLength();
        int stride = l.inner();
        for (int row = 0; row < l.rows(); row++) {
            int start = l.rowStart(row);
            boolean bad = !finite(g, start, stride, k);
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double v = logSoftmax[idx];
                bad |= Double.isNaN(v) || v == Double.POSITIVE_INFINITY;
            }
            if (bad) {
                fillNaN(out, start, stride, k);
                continue;
            }
            BigDecimal sum = BigDecimal.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                sum = sum.add(new BigDecimal(g[idx]));
            }
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double v = logSoftmax[idx];
                BigDecimal p = v == Double.NEGATIVE_INFINITY || v < -2000 ? BigDecimal.ZERO
                        : BigDecimalMath.exp(new BigDecimal(v), MC).multiply(sum, MC);
                out.set(idx, new BigDecimal(g[idx]).subtract(p, MC));
            }
        }
        return out;
    }

    /** Loss (1 or rows values) and gradient; exactly one of labels and target is non-null. */
    record CrossEntropy(Exact loss, Exact gradient) {
    }

    static CrossEntropy crossEntropy(Row[] rows, Layout l, int[] labels, double[] target, Reduction reduction) {
        int rowCount = l.rows();
        Exact loss = Exact.of(reduction == Reduction.NONE ? rowCount : 1);
        Exact grad = Exact.of(l.size());
        BigDecimal scale = reduction == Reduction.MEAN && rowCount > 0
                ? BigDecimal.ONE.divide(BigDecimal.valueOf(rowCount), MC) : BigDecimal.ONE;
        BigDecimal[] total = {BigDecimal.ZERO};
        double[] special = {0}; // NaN or +inf of the reduced loss
        int[] r = {0};
        forEachRow(rows, l, (row, start, stride, k) -> {
            int rowIndex = r[0]++;
            double rowSpecial = 0;
            BigDecimal rowLoss = BigDecimal.ZERO;
            if (row.nan) {
                fillNaN(grad, start, stride, k);
                rowSpecial = Double.NaN;
            } else {
                for (int j = 0, idx = start; j < k; j++, idx += stride) {
                    BigDecimal t = labels != null ? (labels[rowIndex] == j ? BigDecimal.ONE : BigDecimal.ZERO)
                            : new BigDecimal(target[idx]);
                    grad.set(idx, row.y(j).subtract(t).multiply(scale, MC));
                    if (t.signum() != 0) {
                        if (row.d[j] == null) {
                            rowSpecial = Double.POSITIVE_INFINITY;
                        } else {
                            rowLoss = rowLoss.add(t.multiply(row.logSum.subtract(row.d[j])), MC);
                        }
                    }
                }
            }
            if (reduction == Reduction.NONE) {
                if (rowSpecial != 0) {
                    loss.setSpecial(rowIndex, rowSpecial);
                } else {
                    loss.set(rowIndex, rowLoss);
                }
            } else if (Double.isNaN(rowSpecial) || Double.isNaN(special[0])) {
                special[0] = Double.NaN;
            } else if (rowSpecial != 0) {
                special[0] = rowSpecial;
            } else {
                total[0] = total[0].add(rowLoss, MC);
            }
        });
        if (reduction != Reduction.NONE) {
            if (reduction == Reduction.MEAN && rowCount == 0) {
                loss.setSpecial(0, Double.NaN);
            } else if (special[0] != 0) {
                loss.setSpecial(0, special[0]);
            } else {
                loss.set(0, total[0].multiply(scale, MC));
            }
        }
        return new CrossEntropy(loss, grad);
    }

    private interface RowAction {
        void apply(Row row, int start, int stride, int k);
    }

    /** The exact quantities of every row of {@code z}. */
    static Row[] rows(double[] z, Layout l) {
        Row[] rows = new Row[l.rows()];
        for (int row = 0; row < rows.length; row++) {
            rows[row] = new Row(z, l.rowStart(row), l.inner(), l.axisLength());
        }
        return rows;
    }

    private static void forEachRow(Row[] rows, Layout l, RowAction action) {
        for (int row = 0; row < rows.length; row++) {
            action.apply(rows[row], l.rowStart(row), l.inner(), l.axisLength());
        }
    }

    private static boolean finite(double[] a, int start, int stride, int k) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            if (!Double.isFinite(a[idx])) {
                return false;
            }
        }
        return true;
    }

    private static void fillNaN(Exact out, int start, int stride, int k) {
        for (int j = 0, idx = start; j < k; j++, idx += stride) {
            out.setSpecial(idx, Double.NaN);
        }
    }
}
