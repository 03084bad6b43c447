package io.github.etcdbackup.exception;

import java.util.Objects;

/** A command printed something this library does not recognise; the whole text is kept in {@link #rawOutput()}. */
public final class OutputParseException extends EtcdBackupException {
    private static final int MESSAGE_RAW_CHARS = 2048;
    private final String rawOutput;

    /**
     * @param problem   what was expected and not found
     * @param rawOutput the whole output that was being parsed
     * @param cause     the parser's error, may be {@code null}
     */
    public OutputParseException(String problem, String rawOutput, Throwable cause) {
        super(problem + "\nraw output (first " + MESSAGE_RAW_CHARS + " chars):\n"
                + head(rawOutput, MESSAGE_RAW_CHARS), cause);
        this.rawOutput = Objects.requireNonNullElse(rawOutput, "");
    }

    /** The whole output that could not be parsed. */
    public String rawOutput() {
        return rawOutput;
    }
}
