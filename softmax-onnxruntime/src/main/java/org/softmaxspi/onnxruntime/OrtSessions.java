package org.softmaxspi.onnxruntime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.softmaxspi.api.SoftmaxProviderException;

/**
 * The sessions of the graphs of {@link OrtGraphs}, one per {@link OrtGraphs.Key}, created lazily (at the
 * first call that needs the graph, once even when threads race: {@link ConcurrentHashMap#computeIfAbsent})
 * and kept for the JVM's life. At most {@value #MAX_SESSIONS} are kept: the keys are few (op × dtype × last
 * axis or not × option flags × reduction) except that each {@code ignore_index} value of the loss ops is a
 * key of its own; past the bound a call gets a one-off session, closed when the call ends.
 *
 * <h2>Session options</h2>
 * Graph optimisation level {@code ALL_OPT} (ONNX Runtime's default); {@value #INTRA_OP_THREADS_PROPERTY}
 * intra-op threads (default: the available processors), one inter-op thread, sequential execution;
 * intra-op threads do not spin after an op ({@code session.intra_op.allow_spinning=0}), so idle sessions cost
 * no CPU next to the JVM's own threads and the other providers.
 */
final class OrtSessions {

    /** The most sessions kept: {@value}. */
    static final int MAX_SESSIONS = 128;

    /** The system property that sets each session's intra-op threads: {@value}. */
    static final String INTRA_OP_THREADS_PROPERTY = "softmax.onnxruntime.intraOpThreads";

    /** A session for one call: close it when the call ends (closes only one-off sessions). */
    record Lease(OrtGraphs.Key key, OrtSession session, boolean oneOff) implements AutoCloseable {
        @Override
        public void close() {
            if (oneOff) {
                OrtSessions.close(session);
            }
        }
    }

    private final OrtEnvironment env;
    private final int intraOpThreads;
    private final OrtSession.SessionOptions options;
    private final ConcurrentHashMap<OrtGraphs.Key, OrtSession> sessions = new ConcurrentHashMap<>();

    OrtSessions(OrtEnvironment env) throws OrtException {
        this.env = env;
        this.intraOpThreads = Math.max(1, Integer.getInteger(INTRA_OP_THREADS_PROPERTY,
                Runtime.getRuntime().availableProcessors()));
        this.options = options(intraOpThreads);
    }

    /** The session of {@code key}'s graph, made now if it is the first call that needs it. */
    Lease lease(OrtGraphs.Key key) {
        OrtSession s = sessions.get(key);
        if (s != null) {
            return new Lease(key, s, false);
        }
        if (sessions.size() >= MAX_SESSIONS) {
            return new Lease(key, create(key), true);
        }
        return new Lease(key, sessions.computeIfAbsent(key, this::create), false);
    }

    /** How many sessions are kept (for tests and the description). */
    int size() {
        return sessions.size();
    }

    /** The session options, as {@code backend().details()} states them. */
    String describe() {
        return String.format(Locale.ROOT, "graph optimisation ALL_OPT, %d intra-op threads (no spinning), "
                + "1 inter-op thread, at most %d cached sessions", intraOpThreads, MAX_SESSIONS);
    }

    /** The options of every session; kept open as long as the sessions (ONNX Runtime's rule). */
    private static OrtSession.SessionOptions options(int intraOpThreads) throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.addConfigEntry("session.intra_op.allow_spinning", "0");
        return options;
    }

    private OrtSession create(OrtGraphs.Key key) {
        byte[] model = OrtGraphs.model(key);
        try {
            return env.createSession(model, options);
        } catch (OrtException e) {
            throw new SoftmaxProviderException("ONNX Runtime rejected the graph of " + key + ": " + e.getMessage(), e);
        }
    }

    private static void close(OrtSession s) {
        try {
            s.close();
        } catch (OrtException e) {
            throw new SoftmaxProviderException("ONNX Runtime failed to close a session: " + e.getMessage(), e);
        }
    }
}
