package org.softmaxspi.cli;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads requests with a size limit, so that no input makes the executable run out of memory: the whole
 * input ({@link #readAll}) or one line at a time ({@link #readLine}), each at most {@value #MAX_CHARS}
 * characters (64 Mi: a request of about six million float32 values). Past the limit the reader stops
 * reading and the request is refused with an error that names the limit.
 */
final class BoundedText {

    /** The most characters one request (the whole input, or one line of --jsonl) may hold. */
    static final int MAX_CHARS = 64 << 20;

    private final Reader reader;
    private final int limit;
    private final char[] buffer = new char[1 << 16];
    private int pos;
    private int end;

    BoundedText(Reader reader) {
        this(reader, MAX_CHARS);
    }

    BoundedText(Reader reader, int limit) {
        this.reader = reader;
        this.limit = limit;
    }

    /** The message of a request over the limit. */
    static String tooLarge(String what, int limit) {
        return what + ": larger than " + limit + " characters, the limit of one request (split the input into "
                + "several requests, e.g. one per line with --jsonl)";
    }

    /** Everything up to the end of the input. */
    String readAll() throws IOException {
        StringBuilder sb = new StringBuilder();
        while (fill()) {
            if (sb.length() + (end - pos) > limit) {
                throw new CliException(tooLarge("request", limit), 2);
            }
            sb.append(buffer, pos, end - pos);
            pos = end;
        }
        return sb.toString();
    }

    /**
     * The next line without its terminator (\n, or \r\n), or null at the end of the input.
     *
     * @throws CliException naming {@code what} when the line is longer than the limit; the rest of that
     *                      line is skipped, so the next call returns the line after it
     */
    String readLine(String what) throws IOException {
        if (!fill()) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        boolean over = false;
        while (fill()) {
            int nl = pos;
            while (nl < end && buffer[nl] != '\n') {
                nl++;
            }
            if (!over) {
                if (sb.length() + (nl - pos) > limit) {
                    over = true;
                    sb.setLength(0);
                } else {
                    sb.append(buffer, pos, nl - pos);
                }
            }
            if (nl < end) {
                pos = nl + 1;
                break;
            }
            pos = end;
        }
        if (over) {
            throw new CliException(tooLarge(what, limit), 2);
        }
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }

    private boolean fill() throws IOException {
        if (pos < end) {
            return true;
        }
        int n = reader.read(buffer, 0, buffer.length);
        if (n <= 0) {
            return false;
        }
        pos = 0;
        end = n;
        return true;
    }
}
