package org.softmaxspi.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * JSON conventions of the CLI: numbers are read from their decimal text (so float32 values round
 * once, decimal to float), written in the shortest form that reads back to the same float32 or
 * float64 value (Jackson's Schubfach writer), and NaN and ±∞ travel as the strings "NaN",
 * "Infinity" and "-Infinity".
 */
final class Json {

    static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build();

    private Json() {
    }

    /** A number from a JSON number or one of the strings NaN, Infinity, -Infinity; null if neither. */
    static String numberText(JsonNode n) {
        if (n.isNumber()) {
            return n.isBigDecimal() ? n.decimalValue().toString() : n.asText();
        }
        if (n.isTextual()) {
            String t = n.asText();
            if (t.equals("NaN") || t.equals("Infinity") || t.equals("-Infinity")) {
                return t;
            }
        }
        return null;
    }

    /** Writes a value in the shortest form that reads back to it in the dtype (float32 values are exact in a double). */
    static void writeNumber(JsonGenerator g, double v, boolean float32) throws IOException {
        if (float32) {
            g.writeNumber((float) v);
        } else {
            g.writeNumber(v);
        }
    }

    static void writeArray(JsonGenerator g, double[] a, boolean float32) throws IOException {
        g.writeStartArray();
        for (double v : a) {
            writeNumber(g, v, float32);
        }
        g.writeEndArray();
    }

    static void writeArray(JsonGenerator g, int[] a) throws IOException {
        g.writeStartArray();
        for (int v : a) {
            g.writeNumber(v);
        }
        g.writeEndArray();
    }
}
