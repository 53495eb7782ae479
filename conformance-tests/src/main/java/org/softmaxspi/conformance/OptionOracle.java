package org.softmaxspi.conformance;

import ch.obermuhlner.math.big.BigDecimalMath;
import java.math.BigDecimal;
import java.math.MathContext;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Layout;
import org.softmaxspi.api.LossOptions;
import org.softmaxspi.api.MaskedRows;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.api.SoftmaxOptions;

/**
 * The {@link Oracle} for {@link SoftmaxOptions} (temperature, mask, masked rows) and {@link LossOptions}
 * (weights, ignored label, label smoothing) and NLL: {@link BigDecimal} at {@value Oracle#DIGITS}
 * digits, sharing no code with any provider. Numeric options are rounded to the dtype first, as the
 * contract says (float32: the temperature, weights and ε as floats).
 */
final class OptionOracle {

    private static final MathContext MC = new MathContext(Oracle.DIGITS);
    private static final BigDecimal NEGLIGIBLE = BigDecimal.valueOf(-2000);

    private OptionOracle() {
    }

    /** An option value as the dtype holds it. */
    static double inDtype(double v, DType dtype) {
        return dtype == DType.FLOAT32 ? (float) v : v;
    }

    /**
     * One row under options: {@code d_j = (z_j - m)/T} over the kept entries (null for masked and −∞),
     * {@code e_j = exp(d_j)}, the sum kept as {@code 1 + others} as in {@link Oracle.Row}.
     */
    static final class Row {
        final boolean nan;
        final boolean empty;
        final int argmax;
        final BigDecimal[] d;
        final BigDecimal[] e;
        final BigDecimal others;
        final BigDecimal sum;
        final BigDecimal logSum;
        final boolean[] kept;

        Row(double[] z, int start, int stride, int k, boolean[] kept, BigDecimal t) {
            this.kept = kept;
            double m = Double.NEGATIVE_INFINITY;
            int at = -1;
            boolean bad = false;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (!kept[j]) {
                    continue;
                }
                double v = z[idx];
                bad |= Double.isNaN(v) || v == Double.POSITIVE_INFINITY;
                if (v > m) {
                    m = v;
                    at = j;
                }
            }
            nan = bad;
            empty = !bad && m == Double.NEGATIVE_INFINITY;
            argmax = at;
            d = new BigDecimal[k];
            e = new BigDecimal[k];
            if (nan || empty) {
                others = null;
                sum = null;
                logSum = null;
                return;
            }
            BigDecimal bm = new BigDecimal(m);
            BigDecimal rest = BigDecimal.ZERO;
            for (int j = 0, idx = start; j < k; j++, idx += stride) {
                if (!kept[j] || z[idx] == Double.NEGATIVE_INFINITY) {
                    continue;
                }
                d[j] = new BigDecimal(z[idx]).subtract(bm).divide(t, MC);
                if (d[j].signum() == 0) {
                    e[j] = BigDecimal.ONE;
                } else if (d[j].compareTo(NEGLIGIBLE) >= 0) {
                    e[j] = BigDecimalMath.exp(d[j], MC);
                }
                if (j != argmax && e[j] != null) {
                    rest = rest.add(e[j], MC);
                }
            }
            others = rest;
            sum = BigDecimal.ONE.add(rest, MC);
            logSum = Oracle.log1p(rest);
        }

        BigDecimal y(int j) {
            return e[j] == null ? BigDecimal.ZERO : e[j].divide(sum, MC);
        }

        BigDecimal oneMinusY(int j) {
            BigDecimal rest = j == argmax ? others : sum.subtract(e[j] == null ? BigDecimal.ZERO : e[j], MC);
            return rest.divide(sum, MC);
        }

        /** log y_j; −∞ (as null) for masked and −∞ entries. */
        BigDecimal logY(int j) {
            return d[j] == null ? null : d[j].subtract(logSum, MC);
        }
    }

    /** Which entries of each row are kept, row-major by row then position along the axis. */
    static boolean[][] kept(Layout l, SoftmaxOptions o) {
        boolean[][] kept = new boolean[l.rows()][l.axisLength()];
        for (int row = 0; row < l.rows(); row++) {
            for (int j = 0; j < l.axisLength(); j++) {
                kept[row][j] = o.keeps(Judge.index(l, row, j), l);
            }
        }
        return kept;
    }

    static Row[] rows(double[] z, Layout l, SoftmaxOptions o, DType dtype) {
        BigDecimal t = new BigDecimal(inDtype(o.temperature(), dtype));
        boolean[][] kept = kept(l, o);
        Row[] rows = new Row[l.rows()];
        for (int row = 0; row < rows.length; row++) {
            rows[row] = new Row(z, l.rowStart(row), l.inner(), l.axisLength(), kept[row], t);
        }
        return rows;
    }

    /** The value of a whole row that is NaN or has nothing to normalize. */
    private static double special(Row row, SoftmaxOptions o, boolean log) {
        if (row.nan || o.maskedRows() == MaskedRows.NAN) {
            return Double.NaN;
        }
        return log ? Double.NEGATIVE_INFINITY : 0.0;
    }

    static Exact softmax(Row[] rows, Layout l, SoftmaxOptions o, boolean log) {
        Exact out = Exact.of(l.size());
        for (int r = 0; r < rows.length; r++) {
            Row row = rows[r];
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                if (row.nan || row.empty) {
                    out.setSpecial(idx, special(row, o, log));
                } else if (!log) {
                    out.set(idx, row.y(j));
                } else if (row.d[j] == null) {
                    out.setSpecial(idx, Double.NEGATIVE_INFINITY);
                } else {
                    out.set(idx, row.logY(j));
                }
            }
        }
        return out;
    }

    static Exact jacobian(Row[] rows, Layout l, SoftmaxOptions o, DType dtype) {
        int k = l.axisLength();
        BigDecimal t = new BigDecimal(inDtype(o.temperature(), dtype));
        Exact out = Exact.of(l.jacobianSize());
        for (int r = 0; r < rows.length; r++) {
            Row row = rows[r];
            int base = r * k * k;
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    int at = base + i * k + j;
                    if (row.nan || row.empty) {
                        out.setSpecial(at, special(row, o, false));
                    } else if (i == j) {
                        out.set(at, row.y(i).multiply(row.oneMinusY(i), MC).divide(t, MC));
                    } else {
                        out.set(at, row.y(i).multiply(row.y(j), MC).negate().divide(t, MC));
                    }
                }
            }
        }
        return out;
    }

    /** (y (g - Σ_kept g y)) / T on kept entries, 0 on masked ones; inputs finite. */
    static Exact backward(double[] y, double[] g, Layout l, SoftmaxOptions o, DType dtype) {
        BigDecimal t = new BigDecimal(inDtype(o.temperature(), dtype));
        Exact out = Exact.of(l.size());
        for (int r = 0; r < l.rows(); r++) {
            if (nonFinite(out, l, r, o, y, g)) {
                continue;
            }
            BigDecimal dot = BigDecimal.ZERO;
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                if (o.keeps(idx, l)) {
                    dot = dot.add(new BigDecimal(g[idx]).multiply(new BigDecimal(y[idx])));
                }
            }
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                out.set(idx, o.keeps(idx, l)
                        ? new BigDecimal(y[idx]).multiply(new BigDecimal(g[idx]).subtract(dot)).divide(t, MC)
                        : BigDecimal.ZERO);
            }
        }
        return out;
    }

    /** (g - e^ℓ Σ_kept g) / T on kept entries, 0 on masked ones; g finite, ℓ finite or −∞. */
    static Exact logSoftmaxBackward(double[] ls, double[] g, Layout l, SoftmaxOptions o, DType dtype) {
        BigDecimal t = new BigDecimal(inDtype(o.temperature(), dtype));
        Exact out = Exact.of(l.size());
        for (int r = 0; r < l.rows(); r++) {
            if (nonFinite(out, l, r, o, ls, g)) {
                continue;
            }
            BigDecimal sum = BigDecimal.ZERO;
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                if (o.keeps(idx, l)) {
                    sum = sum.add(new BigDecimal(g[idx]));
                }
            }
            for (int j = 0; j < l.axisLength(); j++) {
                int idx = Judge.index(l, r, j);
                if (!o.keeps(idx, l)) {
                    out.set(idx, BigDecimal.ZERO);
                    continue;
                }
                double v = ls[idx];
                BigDecimal p = v == Double.NEGATIVE_INFINITY || v < -2000 ? BigDecimal.ZERO
                        : v == 0 ? sum : BigDecimalMath.exp(new BigDecimal(v), MC).multiply(sum, MC);
                out.set(idx, new BigDecimal(g[idx]).subtract(p, MC).divide(t, MC));
            }
        }
        return out;
    }

    /**
     * True (and the row's kept entries set NaN, masked ones 0) when a kept entry of {@code first} is NaN or
     * +∞ or of {@code g} not finite: the backward passes take such rows as given, the suite does not judge them.
     */
    private static boolean nonFinite(Exact out, Layout l, int r, SoftmaxOptions o, double[] first, double[] g) {
        boolean bad = false;
        for (int j = 0; j < l.axisLength(); j++) {
            int idx = Judge.index(l, r, j);
            bad |= o.keeps(idx, l) && (Double.isNaN(first[idx]) || first[idx] == Double.POSITIVE_INFINITY
                    || !Double.isFinite(g[idx]));
        }
        for (int j = 0; j < l.axisLength() && bad; j++) {
            int idx = Judge.index(l, r, j);
            out.setSpecial(idx, o.keeps(idx, l) ? Double.NaN : 0.0);
        }
        return bad;
    }

    /**
     * A loss and its gradient, with the magnitudes the judge scales errors by: {@code lossScale} per
     * loss value (Σ of |terms|), {@code gradScale} per gradient element.
     */
    record Loss(Exact loss, Exact gradient, double[] lossScale, double[] gradScale) {
    }

    /** Cross-entropy with options; exactly one of labels and target is non-null; logits finite. */
    static Loss crossEntropy(double[] z, Layout l, int[] labels, double[] target, LossOptions o, DType dtype) {
        int k = l.axisLength();
        int rows = l.rows();
        Reduction reduction = o.reduction();
        double eps = inDtype(o.labelSmoothing(), dtype);
        BigDecimal keep = BigDecimal.ONE.subtract(new BigDecimal(eps));
        BigDecimal uniform = k == 0 ? BigDecimal.ZERO : new BigDecimal(eps).divide(BigDecimal.valueOf(k), MC);
        BigDecimal[] w = new BigDecimal[k];
        for (int c = 0; c < k; c++) {
            w[c] = new BigDecimal(inDtype(o.weight(c), dtype));
        }
        BigDecimal denominator = BigDecimal.ZERO;
        for (int r = 0; r < rows; r++) {
            if (labels == null) {
                denominator = denominator.add(BigDecimal.ONE);
            } else if (!o.ignores(labels[r])) {
                denominator = denominator.add(w[labels[r]]);
            }
        }
        boolean mean = reduction == Reduction.MEAN;
        boolean zero = mean && denominator.signum() == 0;
        BigDecimal scale = mean && !zero ? BigDecimal.ONE.divide(denominator, MC) : BigDecimal.ONE;
        double scaleD = scale.doubleValue();
        Exact loss = Exact.of(reduction == Reduction.NONE ? rows : 1);
        double[] lossScale = new double[loss.length()];
        Exact grad = Exact.of(l.size());
        double[] gradScale = new double[l.size()];
        BigDecimal total = BigDecimal.ZERO;
        double totalScale = 0;
        boolean[] all = new boolean[k];
        java.util.Arrays.fill(all, true);
        for (int r = 0; r < rows; r++) {
            BigDecimal rowLoss = BigDecimal.ZERO;
            double rowScale = 0;
            if (labels != null && o.ignores(labels[r])) {
                for (int j = 0; j < k; j++) {
                    grad.set(Judge.index(l, r, j), BigDecimal.ZERO);
                }
            } else {
                Row row = new Row(z, l.rowStart(r), l.inner(), k, all, BigDecimal.ONE);
                BigDecimal[] c = new BigDecimal[k];
                BigDecimal cSum = BigDecimal.ZERO;
                double cAbs = 0;
                for (int j = 0; j < k; j++) {
                    int idx = Judge.index(l, r, j);
                    if (labels != null) {
                        c[j] = uniform.multiply(w[j], MC);
                        if (labels[r] == j) {
                            c[j] = c[j].add(keep.multiply(w[j]), MC);
                        }
                    } else {
                        c[j] = keep.multiply(new BigDecimal(target[idx])).add(uniform, MC).multiply(w[j], MC);
                    }
                    cSum = cSum.add(c[j], MC);
                    cAbs += Math.abs(c[j].doubleValue());
                }
                if (labels == null && !o.hasWeight()) {
                    cSum = BigDecimal.ONE; // the contract's y - t
                    cAbs = 1;
                }
                for (int j = 0; j < k; j++) {
                    int idx = Judge.index(l, r, j);
                    BigDecimal gj = j == row.argmax
                            ? cSum.subtract(c[j], MC).subtract(cSum.multiply(row.oneMinusY(j), MC), MC)
                            : row.y(j).multiply(cSum, MC).subtract(c[j], MC);
                    if (zero) {
                        grad.setSpecial(idx, Double.NaN);
                    } else {
                        grad.set(idx, gj.multiply(scale, MC));
                    }
                    gradScale[idx] = scaleD * (row.y(j).doubleValue() * cAbs + Math.abs(c[j].doubleValue()));
                    if (c[j].signum() != 0) {
                        BigDecimal ly = row.logY(j);
                        rowLoss = rowLoss.subtract(c[j].multiply(ly, MC), MC);
                        rowScale += Math.abs(c[j].doubleValue()) * Math.max(Math.abs(ly.doubleValue()), 1);
                    }
                }
            }
            if (reduction == Reduction.NONE) {
                loss.set(r, rowLoss);
                lossScale[r] = rowScale;
            } else {
                total = total.add(rowLoss, MC);
                totalScale += rowScale;
            }
        }
        if (reduction != Reduction.NONE) {
            if (zero) {
                loss.setSpecial(0, Double.NaN);
            } else {
                loss.set(0, total.multiply(scale, MC));
            }
            lossScale[0] = totalScale * scaleD;
        }
        return new Loss(loss, grad, lossScale, gradScale);
    }

    /** NLL with options from finite log-probabilities {@code x}. */
    static Loss nll(double[] x, Layout l, int[] labels, LossOptions o, DType dtype) {
        int rows = l.rows();
        Reduction reduction = o.reduction();
        BigDecimal denominator = BigDecimal.ZERO;
        for (int r = 0; r < rows; r++) {
            if (!o.ignores(labels[r])) {
                denominator = denominator.add(new BigDecimal(inDtype(o.weight(labels[r]), dtype)));
            }
        }
        boolean mean = reduction == Reduction.MEAN;
        boolean zero = mean && denominator.signum() == 0;
        BigDecimal scale = mean && !zero ? BigDecimal.ONE.divide(denominator, MC) : BigDecimal.ONE;
        Exact loss = Exact.of(reduction == Reduction.NONE ? rows : 1);
        double[] lossScale = new double[loss.length()];
        Exact grad = Exact.of(l.size());
        double[] gradScale = new double[l.size()];
        BigDecimal total = BigDecimal.ZERO;
        double totalScale = 0;
        for (int r = 0; r < rows; r++) {
            BigDecimal rowLoss = BigDecimal.ZERO;
            for (int j = 0; j < l.axisLength(); j++) {
                grad.set(Judge.index(l, r, j), BigDecimal.ZERO);
            }
            if (!o.ignores(labels[r])) {
                BigDecimal w = new BigDecimal(inDtype(o.weight(labels[r]), dtype));
                int idx = Judge.index(l, r, labels[r]);
                rowLoss = w.multiply(new BigDecimal(x[idx])).negate();
                if (zero) {
                    grad.setSpecial(idx, Double.NaN);
                } else {
                    grad.set(idx, w.multiply(scale, MC).negate());
                }
                gradScale[idx] = Math.abs(grad.value(idx));
            }
            if (reduction == Reduction.NONE) {
                loss.set(r, rowLoss);
                lossScale[r] = Math.abs(rowLoss.doubleValue());
            } else {
                total = total.add(rowLoss, MC);
                totalScale += Math.abs(rowLoss.doubleValue());
            }
        }
        if (reduction != Reduction.NONE) {
            if (zero) {
                loss.setSpecial(0, Double.NaN);
            } else {
                loss.set(0, total.multiply(scale, MC));
            }
            lossScale[0] = totalScale * scale.doubleValue();
        }
        return new Loss(loss, grad, lossScale, gradScale);
    }
}
