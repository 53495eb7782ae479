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

    /**
     * One row's exact quantities, computed once and shared by every operation. The sum is kept as
     * {@code S = 1 + others}, with {@code others} the sum over every entry but the first maximum, so
     * that {@code log S = log1p(others)} and {@code 1 - y_max = others / S} keep full relative
     * precision when one class dominates (y ~ 1 - 1e-30).
     */
    static final class Row {
        final boolean nan;
        final int argmax;
        final BigDecimal[] d; // z - m, exact; null for -inf entries
        final BigDecimal[] e; // e^(z - m); null when negligible or -inf
        final BigDecimal others;
        final BigDecimal sum;
        final BigDecimal logSum;

        Row(double[] z, int start, int stride, int k) {
            double m = Double.NEGATIVE_INFINITY;
            int at = -1;
            boolean bad = false;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                double v = z[idx];
                if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                    bad = true;
                }
                if (v > m) {
                    m = v;
                    at = j;
                }
            }
            nan = bad || m == Double.NEGATIVE_INFINITY;
            argmax = at;
            d = new BigDecimal[k];
            e = new BigDecimal[k];
            if (nan) {
                others = null;
                sum = null;
                logSum = null;
                return;
            }
            BigDecimal bm = new BigDecimal(m);
            BigDecimal rest = BigDecimal.ZERO;
            java.util.Map<Double, BigDecimal> memo = new java.util.HashMap<>(); // repeated logits cost one exp
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (z[idx] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                d[j] = new BigDecimal(z[idx]).subtract(bm);
                if (d[j].signum() == 0) {
                    e[j] = BigDecimal.ONE;
                } else if (d[j].compareTo(NEGLIGIBLE) >= 0) {
                    BigDecimal dj = d[j];
                    e[j] = memo.computeIfAbsent(z[idx], v -> BigDecimalMath.exp(dj, MC));
                }
                if (j != argmax && e[j] != null) {
                    rest = rest.add(e[j], MC);
                }
            }
            others = rest;
            sum = BigDecimal.ONE.add(rest, MC);
            logSum = log1p(rest);
        }

        BigDecimal y(int j) {
            return e[j] == null ? BigDecimal.ZERO : e[j].divide(sum, MC);
        }

        /** 1 - y_j, without cancellation for the dominant class. */
        BigDecimal oneMinusY(int j) {
            BigDecimal rest = j == argmax ? others : sum.subtract(e[j] == null ? BigDecimal.ZERO : e[j], MC);
            return rest.divide(sum, MC);
        }
    }

    /** log(1 + x) for x >= 0 to full relative precision (a series for small x, where log(1 + x) would cancel). */
    static BigDecimal log1p(BigDecimal x) {
        if (x.signum() == 0) {
            return BigDecimal.ZERO;
        }
        if (x.compareTo(new BigDecimal("0.001")) >= 0) {
            return BigDecimalMath.log(BigDecimal.ONE.add(x, MC), MC);
        }
        MathContext wide = new MathContext(DIGITS + 5);
        BigDecimal term = x;
        BigDecimal result = BigDecimal.ZERO;
        BigDecimal limit = x.multiply(BigDecimal.ONE.movePointLeft(DIGITS + 5));
        for (int n = 1; term.abs().compareTo(limit) > 0; n++) {
            result = result.add(term.divide(BigDecimal.valueOf(n), wide), wide);
            term = term.multiply(x, wide).negate();
        }
        return result.round(MC);
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
                        out.set(o, y[i].multiply(row.oneMinusY(i), MC));
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
                        : v == 0 ? sum : BigDecimalMath.exp(new BigDecimal(v), MC).multiply(sum, MC);
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
                    // y − t; for the dominant class (1 − t) − (1 − y): y ≈ 1 has only 40 digits, 1 − y all of them
                    // (a target of 1 there made y − t, ~1e-25, lose 25 digits: found by the fuzz properties)
                    BigDecimal diff = j == row.argmax && t.signum() != 0
                            ? BigDecimal.ONE.subtract(t).subtract(row.oneMinusY(j))
                            : row.y(j).subtract(t);
                    grad.set(idx, diff.multiply(scale, MC));
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
