package org.softmaxspi.onnxruntime;

import java.util.List;
import org.softmaxspi.api.DType;
import org.softmaxspi.onnxruntime.OnnxGraph.Attribute;
import org.softmaxspi.onnxruntime.OnnxGraph.ElemType;

/**
 * Bare ONNX models of ONNX Runtime's own ops, for measuring the library without this provider around it (the
 * benchmarks' "op alone"): the same ModelProto writer as the provider's graphs.
 */
public final class OnnxModels {

    private OnnxModels() {
    }

    /**
     * One {@code Softmax} or {@code LogSoftmax} node (opset 13) along {@code axis} of an input {@code "x"} of
     * {@code rank} symbolic dimensions, output {@code "y"}, as a serialized ModelProto.
     *
     * @throws IllegalArgumentException naming the parameter when {@code rank} is below 1, {@code axis} is outside
     *         {@code [-rank, rank)} or {@code dtype} is null
     */
    public static byte[] softmax(DType dtype, boolean log, int rank, int axis) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype: null");
        }
        if (rank < 1) {
            throw new IllegalArgumentException("rank: " + rank + " (must be at least 1)");
        }
        if (axis < -rank || axis >= rank) {
            throw new IllegalArgumentException("axis: " + axis + " (must be in [" + -rank + ", " + rank + "))");
        }
        ElemType type = dtype == DType.FLOAT64 ? ElemType.DOUBLE : ElemType.FLOAT;
        Object[] dims = new Object[rank];
        for (int i = 0; i < rank; i++) {
            dims[i] = "d" + i;
        }
        OnnxGraph g = new OnnxGraph(log ? "log_softmax" : "softmax");
        String x = g.input("x", type, dims);
        g.output(g.node(log ? "LogSoftmax" : "Softmax", List.of(x), Attribute.integer("axis", axis)), "y", type, dims);
        return g.toModel();
    }
}
