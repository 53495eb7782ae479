package org.softmaxspi.onnxruntime;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A small ONNX graph built in code and written as a serialized {@code ModelProto} (onnx/onnx.proto, IR
 * version {@value #IR_VERSION}, default-domain opset {@value #OPSET}), which ONNX Runtime loads from bytes.
 * Only what this provider's graphs need: tensor inputs and outputs with fixed or symbolic dimensions,
 * nodes with int, ints, float and tensor attributes, and int64/float/double initializers. Field numbers
 * are onnx.proto's; the wire encoding is protobuf-java's {@link CodedOutputStream}.
 *
 * <p>Node outputs get fresh names ({@code t0}, {@code t1}, …); inputs and outputs keep the names given.
 * Mutable while built, then written once with {@link #toModel()}.
 */
final class OnnxGraph {

    /** The ONNX IR version written: {@value} (ONNX 1.8, the one that goes with opset 13). */
    static final long IR_VERSION = 7;
    /** The default-domain opset: {@value} (Softmax/LogSoftmax along any axis, ReduceSum with axes as input). */
    static final long OPSET = 13;

    /** onnx.proto's {@code TensorProto.DataType} values used here. */
    enum ElemType {
        FLOAT(1), INT32(6), INT64(7), BOOL(9), DOUBLE(11);

        final int code;

        ElemType(int code) {
            this.code = code;
        }
    }

    /** A node attribute; made by the static factories. */
    record Attribute(String name, byte[] encoded) {

        static Attribute integer(String name, long value) {
            return new Attribute(name, message(m -> {
                m.string(1, name);
                m.int64(3, value);
                m.int64(20, 2); // AttributeType.INT
            }));
        }

        static Attribute integers(String name, long... values) {
            return new Attribute(name, message(m -> {
                m.string(1, name);
                for (long v : values) {
                    m.int64(8, v);
                }
                m.int64(20, 7); // AttributeType.INTS
            }));
        }

        static Attribute string(String name, String value) {
            return new Attribute(name, message(m -> {
                m.string(1, name);
                m.string(4, value);
                m.int64(20, 3); // AttributeType.STRING
            }));
        }

        /** A one-element, one-dimensional tensor (ConstantOfShape's {@code value}). */
        static Attribute tensor(String name, ElemType type, double scalar) {
            byte[] tensor = OnnxGraph.tensor(null, type, new long[] {1}, scalar);
            return new Attribute(name, message(m -> {
                m.string(1, name);
                m.bytes(5, tensor);
                m.int64(20, 4); // AttributeType.TENSOR
            }));
        }
    }

    private final String name;
    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final Set<String> inputNames = new HashSet<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private int next;

    OnnxGraph(String name) {
        this.name = name;
    }

    /**
     * Declares a graph input (once: declaring a name again returns it and adds nothing).
     *
     * @param dims each a {@link Long}/{@link Integer} (fixed) or a {@link String} (a symbolic dimension)
     */
    String input(String inputName, ElemType type, Object... dims) {
        if (inputNames.add(inputName)) {
            inputs.add(valueInfo(inputName, type, dims));
        }
        return inputName;
    }

    /** Declares {@code value} (a node output) as a graph output named {@code outputName}, via Identity when renamed. */
    void output(String value, String outputName, ElemType type, Object... dims) {
        String v = value.equals(outputName) ? value : node("Identity", List.of(value), List.of(), outputName);
        outputs.add(valueInfo(v, type, dims));
    }

    /** A node with one output, whose fresh name is returned. */
    String node(String opType, List<String> in, Attribute... attributes) {
        return node(opType, in, List.of(attributes), "t" + next++);
    }

    private String node(String opType, List<String> in, List<Attribute> attributes, String out) {
        String nodeName = opType + "_" + nodes.size();
        nodes.add(message(m -> {
            for (String i : in) {
                m.string(1, i);
            }
            m.string(2, out);
            m.string(3, nodeName);
            m.string(4, opType);
            for (Attribute a : attributes) {
                m.bytes(5, a.encoded());
            }
        }));
        return out;
    }

    /** A 1-D int64 initializer (axes, shapes, indices), whose name is returned. */
    String int64s(long... values) {
        String n = "c" + next++;
        initializers.add(message(m -> {
            m.int64(1, values.length);
            m.int64(2, ElemType.INT64.code);
            for (long v : values) {
                m.int64(7, v);
            }
            m.string(8, n);
        }));
        return n;
    }

    /** A scalar initializer of {@code type} (FLOAT, DOUBLE or INT64), whose name is returned. */
    String scalar(ElemType type, double value) {
        String n = "c" + next++;
        initializers.add(tensor(n, type, new long[0], value));
        return n;
    }

    /** The serialized {@code ModelProto}. */
    byte[] toModel() {
        byte[] graph = message(m -> {
            for (byte[] n : nodes) {
                m.bytes(1, n);
            }
            m.string(2, name);
            for (byte[] t : initializers) {
                m.bytes(5, t);
            }
            for (byte[] i : inputs) {
                m.bytes(11, i);
            }
            for (byte[] o : outputs) {
                m.bytes(12, o);
            }
        });
        byte[] opset = message(m -> {
            m.string(1, "");
            m.int64(2, OPSET);
        });
        return message(m -> {
            m.int64(1, IR_VERSION);
            m.string(2, "softmax-spi");
            m.bytes(7, graph);
            m.bytes(8, opset);
        });
    }

    private static byte[] tensor(String tensorName, ElemType type, long[] dims, double value) {
        return message(m -> {
            for (long d : dims) {
                m.int64(1, d);
            }
            m.int64(2, type.code);
            switch (type) {
                case FLOAT -> m.packedFloat(4, (float) value);
                case DOUBLE -> m.packedDouble(10, value);
                case INT64 -> m.int64(7, (long) value);
                default -> throw new IllegalArgumentException("type: no scalar initializer of " + type);
            }
            if (tensorName != null) {
                m.string(8, tensorName);
            }
        });
    }

    private static byte[] valueInfo(String valueName, ElemType type, Object... dims) {
        byte[] shape = message(m -> {
            for (Object d : dims) {
                m.bytes(1, message(dim -> {
                    if (d instanceof String s) {
                        dim.string(2, s);
                    } else {
                        dim.int64(1, ((Number) d).longValue());
                    }
                }));
            }
        });
        byte[] tensorType = message(m -> {
            m.int64(1, type.code);
            m.bytes(2, shape);
        });
        byte[] typeProto = message(m -> m.bytes(1, tensorType));
        return message(m -> {
            m.string(1, valueName);
            m.bytes(2, typeProto);
        });
    }

    /** Writes one message's fields in order. */
    @FunctionalInterface
    interface Fields {
        void write(Writer w) throws IOException;
    }

    /** The few field kinds used, on protobuf's coded stream. */
    static final class Writer {
        private final CodedOutputStream out;

        Writer(CodedOutputStream out) {
            this.out = out;
        }

        void int64(int field, long v) throws IOException {
            out.writeInt64(field, v);
        }

        void string(int field, String s) throws IOException {
            out.writeString(field, s);
        }

        void bytes(int field, byte[] b) throws IOException {
            out.writeByteArray(field, b);
        }

        void packedFloat(int field, float v) throws IOException {
            out.writeTag(field, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(Float.BYTES);
            out.writeFloatNoTag(v);
        }

        void packedDouble(int field, double v) throws IOException {
            out.writeTag(field, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
            out.writeUInt32NoTag(Double.BYTES);
            out.writeDoubleNoTag(v);
        }
    }

    /** The bytes of one message. */
    static byte[] message(Fields fields) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            fields.write(new Writer(out));
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }
}
