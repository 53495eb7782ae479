package org.softmaxspi.onnxruntime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.softmaxspi.api.DType;
import org.softmaxspi.api.Reduction;
import org.softmaxspi.onnxruntime.OnnxGraph.Attribute;
import org.softmaxspi.onnxruntime.OnnxGraph.ElemType;

/** The ModelProto writer: its bytes for known messages, and every graph of the provider loading in ONNX Runtime. */
class OnnxGraphTest {

    @Test
    void encodesFieldsAsProtobufDoes() {
        // OperatorSetIdProto {domain: "", version: 13}: field 1 length 0, field 2 varint 13
        assertArrayEquals(new byte[] {0x0a, 0x00, 0x10, 0x0d}, OnnxGraph.message(m -> {
            m.string(1, "");
            m.int64(2, 13);
        }));
        // AttributeProto {name: "axis", i: -1, type: INT}: a negative int64 takes 10 bytes
        byte[] axis = Attribute.integer("axis", -1).encoded();
        assertEquals(2 + 4 + 1 + 10 + 3, axis.length); // field 20's tag takes 2 bytes
        assertEquals(0x18, axis[6]);
    }

    @Test
    @DisabledIfSystemProperty(named = "softmax.tck.skip", matches = "(.*,)?\\s*onnxruntime\\s*(,.*)?")
    void everyGraphLoadsWithTheDeclaredInputs() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int loaded = 0;
        for (OrtGraphs.Kind kind : OrtGraphs.Kind.values()) {
            boolean loss = kind.name().startsWith("CROSS") || kind == OrtGraphs.Kind.NLL;
            for (DType dtype : DType.values()) {
                for (boolean last : new boolean[] {true, false}) {
                    for (int flags : new int[] {0, 127}) {
                        OrtGraphs.Key key = new OrtGraphs.Key(kind, dtype, last, flags, loss ? Reduction.MEAN : null,
                                loss ? -100 : null);
                        try (OrtSession s = env.createSession(OrtGraphs.model(key), new OrtSession.SessionOptions())) {
                            TensorInfo x = (TensorInfo) s.getInputInfo().get(OrtGraphs.X).getInfo();
                            assertEquals(last ? 2 : 3, x.getShape().length, key.toString());
                            loaded++;
                        }
                    }
                }
            }
        }
        assertEquals(OrtGraphs.Kind.values().length * 8, loaded);
    }

    @Test
    void namesNodeOutputsFreshAndInputsOnce() {
        OnnxGraph g = new OnnxGraph("t");
        assertEquals("x", g.input("x", ElemType.FLOAT, "N"));
        assertEquals("x", g.input("x", ElemType.FLOAT, "N"));
        String a = g.node("Neg", List.of("x"));
        String b = g.node("Neg", List.of(a));
        assertEquals(false, a.equals(b));
    }
}
