package org.softmaxspi.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The bounds of each summation class, as formulas of K. */
class AccuracyTest {

    @Test
    void correctlyRounded_isOneUlpWithNoSumTerm() {
        Accuracy a = Accuracy.correctlyRounded();
        assertTrue(a.isCorrectlyRounded());
        assertEquals(1, a.forwardUlps(1_000_000, DType.FLOAT64));
        assertEquals(0, a.roundings(1_000_000));
        assertEquals("≤ 1 ulp (plain)", a.formula());
    }

    @Test
    void pairwise_isTwiceTheTreeDepth() {
        Accuracy a = Accuracy.pairwise();
        assertFalse(a.isCorrectlyRounded());
        assertEquals(0, a.roundings(1));
        assertEquals(2, a.roundings(2));
        assertEquals(6, a.roundings(8));
        assertEquals(8, a.roundings(9));
        assertEquals(34, a.roundings(100_000)); // ⌈log2 10^5⌉ = 17: the suite's old bound 4 + 34 = 38
        assertEquals(4 + 34 + 34 * 0x1p-24 * 34 / (1 - 34 * 0x1p-24), a.forwardUlps(100_000, DType.FLOAT32), 1e-9);
    }

    @Test
    void blocked_isTheLaneChainPlusTheFold_neverMoreThanRecursive() {
        Accuracy a = Accuracy.blocked(8, 7);
        assertEquals(12_500 - 1 + 7, a.roundings(100_000));
        assertEquals(1 - 1 + 7, a.roundings(8));
        assertEquals(2, a.roundings(3), "3 terms: at most 2 roundings whatever the lanes");
        assertEquals("4 + ⌈K/8⌉ − 1 + 7 + κ", a.formula());
    }

    @Test
    void recursive_isKMinusOne_withTheGammaFactor() {
        Accuracy a = Accuracy.recursive();
        assertEquals(99_999, a.roundings(100_000));
        double u = 0x1p-24;
        assertEquals(99_999 / (1 - 99_999 * u), a.sumUlps(100_000, DType.FLOAT32), 1e-6);
        assertTrue(a.sumUlps(100_000, DType.FLOAT64) < a.sumUlps(100_000, DType.FLOAT32));
    }

    @Test
    void badArguments_nameTheParameter() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accuracy.blocked(0, 3)).getMessage()
                .contains("minLanes: 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accuracy.blocked(8, -1)).getMessage()
                .contains("foldDepth: -1"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new Accuracy(Accuracy.Summation.RECURSIVE, 4, 0)).getMessage().contains("minLanes/foldDepth"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Accuracy.recursive().roundings(-1)).getMessage()
                .contains("n: -1"));
    }

    @Test
    void subnormalsFlushed_isStatedInTheFormula_andRefusedForCorrectlyRounded() {
        Accuracy a = Accuracy.blocked(8, 4).withSubnormalsFlushed();
        assertTrue(a.subnormalsFlushed());
        assertEquals("4 + ⌈K/8⌉ − 1 + 4 + κ; subnormals may be 0", a.formula());
        assertEquals(Accuracy.blocked(8, 4).forwardUlps(100, DType.FLOAT32), a.forwardUlps(100, DType.FLOAT32));
        assertFalse(Accuracy.pairwise().subnormalsFlushed());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> Accuracy.correctlyRounded().withSubnormalsFlushed()).getMessage().contains("subnormalsFlushed"));
    }
}
