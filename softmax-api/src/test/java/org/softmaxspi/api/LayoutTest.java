package org.softmaxspi.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LayoutTest {

    @Test
    void negativeAxis_countsFromTheEnd() {
        Layout l = Layout.of(new int[] {2, 3, 4}, -2);
        assertEquals(1, l.axis());
        assertEquals(2, l.outer());
        assertEquals(3, l.axisLength());
        assertEquals(4, l.inner());
        assertEquals(8, l.rows());
        assertEquals(24, l.size());
    }

    @Test
    void rowStart_walksOuterThenInner() {
        Layout l = Layout.of(new int[] {2, 3, 4}, 1);
        assertEquals(0, l.rowStart(0));
        assertEquals(3, l.rowStart(3));
        assertEquals(12, l.rowStart(4)); // second outer block: 1 * 3 * 4
        assertEquals(15, l.rowStart(7));
    }

    @Test
    void emptyDimensions_areAllowed() {
        assertEquals(0, Layout.of(new int[] {3, 0}, -1).size());
        assertEquals(3, Layout.of(new int[] {3, 0}, -1).rows());
        assertEquals(0, Layout.of(new int[] {0, 5}, -1).rows());
    }

    @Test
    void errors_nameTheParameterAndShowTheValue() {
        assertThat(assertThrows(IllegalArgumentException.class, () -> Layout.of(new int[] {2, 3}, 2)).getMessage())
                .isEqualTo("axis 2 out of range for rank 2 (shape [2, 3]; valid: -2 to 1)");
        assertThat(assertThrows(IllegalArgumentException.class, () -> Layout.of(new int[0], 0)).getMessage())
                .contains("shape: [] has rank 0");
        assertThat(assertThrows(IllegalArgumentException.class, () -> Layout.of(new int[] {65536, 65536}, 0))
                .getMessage()).contains("more than Integer.MAX_VALUE elements");
    }

    @Test
    void describes_matchesWhatOfWouldReturn() {
        Layout l = Layout.of(new int[] {2, 3, 4}, 1);
        assertThat(l.describes(new int[] {2, 3, 4}, 1)).isTrue();
        assertThat(l.describes(new int[] {2, 3, 4}, -2)).isTrue();
        assertThat(l.describes(new int[] {2, 3, 4}, 2)).isFalse();
        assertThat(l.describes(new int[] {2, 3, 4}, -1)).isFalse();
        assertThat(l.describes(new int[] {2, 3, 4}, 4)).isFalse();
        assertThat(l.describes(new int[] {2, 4, 3}, 1)).isFalse();
        assertThat(l.describes(new int[] {2, 3}, 1)).isFalse();
        assertThat(l.describes(null, 1)).isFalse();
    }
}
